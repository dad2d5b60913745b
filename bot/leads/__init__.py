"""Leads: consent, contact details and triage of a person who wants a counsellor, the outbox that
tells counsellors, and the audit trail."""
