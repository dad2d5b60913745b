"""Who works on a lead: a counsellor claims it ("Übernehmen" on the Telegram card), closes it
("Erledigt"), or changes its status in the inbox — and the person is told, once, that their
request was taken. The card and the inbox follow the same rules.

Each public function is one unit of work: it opens a session and commits once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.database import utcnow
from bot.leads.audit import record_audit
from bot.leads.models import LEAD_STATUSES, Counsellor, Lead, OutboxMessage
from bot.leads.outbox import CLAIMED_NOTICE, person_kind
from bot.leads.relay import end_relay_in, queue_topic


def _tell_person_claimed(session: Session, lead: Lead) -> None:
    """Queue "a counsellor has taken your request" for the person, once per lead, in the
    transaction that takes the lead."""
    kind = person_kind(CLAIMED_NOTICE, lead.conversation_id)
    key = f"claimed:{lead.id}"
    if kind is not None and session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedup_key == key)) is None:
        session.add(OutboxMessage(lead_id=lead.id, kind=kind, dedup_key=key))


def mark_taken(session: Session, lead: Lead, counsellor: Counsellor) -> None:
    """A counsellor starts on a new lead (Telegram card or inbox): who and when, the person is
    told, and the lead gets its topic if the counsellors' chat is a forum."""
    if lead.claimed_by_id is None:
        lead.claimed_by_id, lead.claimed_at = counsellor.id, utcnow()
    _tell_person_claimed(session, lead)
    queue_topic(session, lead)


def _mark_closed(session: Session, lead: Lead, counsellor: Counsellor) -> None:
    """The lead is done: when, and who did it if nobody had taken it (the person is not told,
    unless a counsellor was writing with them: then they hear that Lotse answers again)."""
    end_relay_in(session, lead)
    lead.status, lead.closed_at = "closed", utcnow()
    if lead.claimed_by_id is None:
        lead.claimed_by_id, lead.claimed_at = counsellor.id, utcnow()


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
    return session.scalar(
        select(Counsellor).where(Counsellor.telegram_user_id == telegram_user_id, Counsellor.active.is_(True))
    )


def claim_lead(sessions: sessionmaker[Session], lead_id: str, telegram_user_id: int) -> Claim:
    """Give a new lead to the counsellor behind ``telegram_user_id`` — atomically, once."""
    with sessions.begin() as session:
        counsellor = _counsellor_by_telegram(session, telegram_user_id)
        if counsellor is None:
            return Claim(False, "not_counsellor")
        taken = cast(
            "CursorResult[Any]",
            session.execute(
                update(Lead)
                .where(Lead.id == lead_id, Lead.status == "new")
                .values(status="claimed", claimed_by_id=counsellor.id, claimed_at=utcnow())
            ),
        ).rowcount
        lead = session.get(Lead, lead_id)
        if lead is None:
            return Claim(False, "unknown_lead")
        if not taken:
            holder = lead.claimed_by.display_name if lead.claimed_by else ""
            return Claim(lead.claimed_by_id == counsellor.id, "taken", holder, lead)
        mark_taken(session, lead, counsellor)
        record_audit(session, counsellor.username, "claim", lead_id)
        return Claim(True, "claimed", counsellor.display_name, lead)


def close_lead(sessions: sessionmaker[Session], lead_id: str, telegram_user_id: int) -> Claim:
    """Mark a lead as done (by any active counsellor; the audit says who)."""
    with sessions.begin() as session:
        counsellor = _counsellor_by_telegram(session, telegram_user_id)
        if counsellor is None:
            return Claim(False, "not_counsellor")
        lead = session.get(Lead, lead_id)
        if lead is None:
            return Claim(False, "unknown_lead")
        if lead.status != "closed":
            _mark_closed(session, lead, counsellor)
            record_audit(session, counsellor.username, "close", lead_id)
        return Claim(True, "closed", counsellor.display_name, lead)


def _set_status(session: Session, lead: Lead, counsellor: Counsellor, status: str) -> None:
    """Claimed or contacted: the lead is taken (the person is told, once); closed: as "Erledigt";
    back to new: only the status (who had it stays on record)."""
    if status == "closed":
        _mark_closed(session, lead, counsellor)
        return
    lead.status = status
    if status in ("claimed", "contacted"):
        mark_taken(session, lead, counsellor)


def _add_note(lead: Lead, counsellor: Counsellor, note: str) -> None:
    stamp = utcnow().strftime("%Y-%m-%d %H:%M")
    lead.notes = (lead.notes + "\n" if lead.notes else "") + f"[{stamp} {counsellor.display_name}] {note}"


def change_status(
    sessions: sessionmaker[Session], lead_id: str, counsellor: Counsellor, status: str, note: str = ""
) -> Lead | None:
    """The inbox's "Status und Notiz" by ``counsellor``: set the lead's status (``claimed``,
    ``contacted``, ``closed``, back to ``new``) and add the note; the lead, or ``None`` if it is gone.

    A status that is not one of ``LEAD_STATUSES``, or the lead's own, changes nothing (the note is
    still added). Both changes are audited.
    """
    with sessions.begin() as session:
        lead = session.get(Lead, lead_id)
        if lead is None:
            return None
        if status in LEAD_STATUSES and status != lead.status:
            _set_status(session, lead, counsellor, status)
            record_audit(session, counsellor.username, "status", lead_id, status=status)
        if note.strip():
            _add_note(lead, counsellor, note.strip())
            record_audit(session, counsellor.username, "note", lead_id)
        return lead
