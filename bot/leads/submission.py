"""Lead submission: what the contact form hands over becomes a lead and, for a new lead, its card
in the outbox — in one transaction, so a lead is never saved without its card."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from tenacity import retry, retry_if_exception_type, stop_after_attempt

from bot.leads.audit import record_audit
from bot.leads.consent import active_consent
from bot.leads.contact import normalize_email, normalize_phone
from bot.leads.models import Lead
from bot.leads.outbox import queue_card
from bot.leads.store import Sessions, sessions_or_default
from bot.leads.warmth import LeadFacts, warmth

logger = structlog.get_logger(__name__)


class ConsentMissing(Exception):
    """A lead was submitted without an active consent to be contacted."""


class ContactInvalid(Exception):
    """The chosen way of contact has no valid phone number, e-mail or chat."""


@dataclass(frozen=True)
class LeadSubmission:
    """What the contact form hands over."""

    conversation_id: str
    channel: str
    language: str
    first_name: str
    contact_method: str
    phone: str | None = None
    email: str | None = None
    preferred_time: str | None = None
    call_language: str | None = None
    source: str | None = None
    routes: tuple[str, ...] = ()
    triage: dict[str, Any] = field(default_factory=dict)
    has_documents: bool | None = None
    wants_counsellor: bool = True
    urgent: bool = False


def _fill(lead: Lead, submission: LeadSubmission, phone: str | None, email: str | None) -> None:
    """Write the submission (with its checked phone or e-mail) and the warmth into ``lead``."""
    score, reasons = warmth(
        LeadFacts(
            routes=submission.routes,
            contact_valid=True,
            consent_given=True,
            asks_for_counsellor=submission.wants_counsellor,
            documents_available=submission.has_documents,
            urgent=submission.urgent,
        )
    )
    lead.channel, lead.language = submission.channel, submission.language
    lead.source = submission.source or lead.source
    lead.first_name = submission.first_name.strip()[:80]
    lead.contact_method = submission.contact_method
    lead.phone = phone if submission.contact_method == "phone" else None
    lead.email = email if submission.contact_method == "email" else None
    lead.preferred_time, lead.call_language = submission.preferred_time, submission.call_language
    lead.routes, lead.triage = list(submission.routes), dict(submission.triage)
    lead.has_documents = submission.has_documents
    lead.wants_counsellor, lead.urgent = submission.wants_counsellor, submission.urgent
    lead.warmth, lead.warmth_reasons = score, reasons


def submit_lead(sessions: Sessions | None, submission: LeadSubmission) -> Lead:
    """Create or update the conversation's lead and, for a new lead, its card in the outbox.

    Raises ``ConsentMissing`` or ``ContactInvalid``; nothing is written then.
    """
    phone = normalize_phone(submission.phone) if submission.phone else None
    email = normalize_email(submission.email) if submission.email else None
    contact_valid = {
        "telegram": submission.channel == "telegram",
        "phone": phone is not None,
        "email": email is not None,
    }.get(submission.contact_method, False)
    if not contact_valid:
        raise ContactInvalid(submission.contact_method)
    lead, created = _save(sessions, submission, phone, email)
    logger.info("lead.saved", lead=lead.id, created=created, warmth=lead.warmth)
    return lead


# Two submissions of one conversation may race to create its lead: the loser's INSERT fails on
# the unique conversation id, and its second try finds the winner's lead and updates it.
@retry(stop=stop_after_attempt(2), retry=retry_if_exception_type(IntegrityError), reraise=True)
def _save(
    sessions: Sessions | None, submission: LeadSubmission, phone: str | None, email: str | None
) -> tuple[Lead, bool]:
    """One transaction: the lead created or updated, its card queued if new, the audit entry;
    the lead and whether it was created."""
    with sessions_or_default(sessions).begin() as session:
        if active_consent(session, submission.conversation_id, "contact") is None:
            raise ConsentMissing(submission.conversation_id)
        lead = session.scalar(select(Lead).where(Lead.conversation_id == submission.conversation_id))
        created = lead is None
        if lead is None:
            lead = Lead(conversation_id=submission.conversation_id)
            session.add(lead)
        _fill(lead, submission, phone, email)
        session.flush()
        if created:
            queue_card(session, lead)
        record_audit(session, "user", "lead_created" if created else "lead_updated", lead.id)
    return lead, created
