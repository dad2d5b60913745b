"""Lotse's guidance content and triage rules. Pure: no I/O at import, no framework."""
