"""Claims: a counsellor takes a lead ("Übernehmen") or marks it done ("Erledigt").

Each public function is one unit of work: it opens a session, commits once, or rolls back.
Consent, submission, the outbox, erasure and retention live in their own modules of
``bot.leads``; the audit trail is ``bot.leads.audit``.
"""

# mypy: disable-error-code="type-arg"
# (the claim functions annotate a bare ``sessionmaker``; they move to bot.leads.claims as they are)

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.database import utcnow
from bot.leads.audit import record_audit as _audit
from bot.leads.models import Counsellor, Lead, OutboxMessage
from bot.leads.outbox import NOTICE_TELEGRAM, NOTICE_WEB


def _tell_person_claimed(session: Session, lead: Lead) -> None:
    """Queue "a counsellor has taken your request" for the person, once per lead, in the
    transaction that takes the lead."""
    channel = lead.conversation_id.split(":", 1)[0]
    kind = {"tg": NOTICE_TELEGRAM, "web": NOTICE_WEB}.get(channel)
    key = f"claimed:{lead.id}"
    if kind is not None and session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedup_key == key)) is None:
        session.add(OutboxMessage(lead_id=lead.id, kind=kind, dedup_key=key))


def mark_taken(session: Session, lead: Lead, counsellor: Counsellor) -> None:
    """A counsellor starts on a new lead (Telegram card or inbox): who and when, and the person
    is told."""
    if lead.claimed_by_id is None:
        lead.claimed_by_id, lead.claimed_at = counsellor.id, utcnow()
    _tell_person_claimed(session, lead)


@dataclass(frozen=True)
class Claim:
    """The outcome of a counsellor pressing "Übernehmen" or "Erledigt"."""

    ok: bool
    reason: str
    """``claimed``, ``closed``, ``taken`` (someone else has it), ``not_counsellor``, ``unknown_lead``."""
    counsellor: str = ""
    """Display name of who has the lead now."""
    lead: Lead | None = None


def _counsellor_by_telegram(session: Session, telegram_user_id: int) -> Counsellor | None:
    return session.scalar(select(Counsellor).where(Counsellor.telegram_user_id == telegram_user_id,
                                                   Counsellor.active.is_(True)))


def claim_lead(sessions: sessionmaker, lead_id: str, telegram_user_id: int) -> Claim:
    """Give a new lead to the counsellor behind ``telegram_user_id`` — atomically, once."""
    with sessions.begin() as session:
        counsellor = _counsellor_by_telegram(session, telegram_user_id)
        if counsellor is None:
            return Claim(False, "not_counsellor")
        taken = session.execute(
            update(Lead).where(Lead.id == lead_id, Lead.status == "new")
            .values(status="claimed", claimed_by_id=counsellor.id, claimed_at=utcnow())
        ).rowcount
        lead = session.get(Lead, lead_id)
        if lead is None:
            return Claim(False, "unknown_lead")
        if not taken:
            holder = lead.claimed_by.display_name if lead.claimed_by else ""
            return Claim(lead.claimed_by_id == counsellor.id, "taken", holder, lead)
        mark_taken(session, lead, counsellor)
        _audit(session, counsellor.username, "claim", lead_id)
        return Claim(True, "claimed", counsellor.display_name, lead)


def close_lead(sessions: sessionmaker, lead_id: str, telegram_user_id: int) -> Claim:
    """Mark a lead as done (by any active counsellor; the audit says who)."""
    with sessions.begin() as session:
        counsellor = _counsellor_by_telegram(session, telegram_user_id)
        if counsellor is None:
            return Claim(False, "not_counsellor")
        lead = session.get(Lead, lead_id)
        if lead is None:
            return Claim(False, "unknown_lead")
        if lead.status != "closed":
            lead.status, lead.closed_at = "closed", utcnow()
            if lead.claimed_by_id is None:
                lead.claimed_by_id, lead.claimed_at = counsellor.id, utcnow()
            _audit(session, counsellor.username, "close", lead_id)
        return Claim(True, "closed", counsellor.display_name, lead)
