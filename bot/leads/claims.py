"""Who works on a lead: a counsellor claims it ("Übernehmen" on the Telegram card), closes it
with an outcome ("Erledigt", then how it ended), or changes its status and outcome in the inbox —
and the person is told, once, that their request was taken. The card and the inbox follow the
same rules; every change, outcomes included, is audited.

Each public function is one unit of work: it opens a session and commits once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.database import utcnow
from bot.leads.audit import record_audit
from bot.leads.models import LEAD_STATUSES, OUTCOMES, Counsellor, Lead, OutboxMessage
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


def _mark_closed(session: Session, lead: Lead, counsellor: Counsellor, outcome: str | None) -> None:
    """The lead is done: when, how it ended (``None``: not said), and who did it if nobody had
    taken it (the person is not told, unless a counsellor was writing with them: then they hear
    that Lotse answers again)."""
    end_relay_in(session, lead)
    lead.status, lead.closed_at, lead.outcome = "closed", utcnow(), outcome
    if lead.claimed_by_id is None:
        lead.claimed_by_id, lead.claimed_at = counsellor.id, utcnow()


@dataclass(frozen=True)
class Claim:
    """The outcome of a counsellor pressing "Übernehmen" or "Erledigt"."""

    ok: bool
    reason: str
    """``claimed``, ``closed``, ``taken`` (someone else has it), ``found`` (only looked up),
    ``not_counsellor``, ``unknown_lead``."""
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


def look_up(sessions: sessionmaker[Session], lead_id: str, telegram_user_id: int) -> Claim:
    """The lead as it is now, for a counsellor about to close it (nothing changes)."""
    with sessions() as session:
        counsellor = _counsellor_by_telegram(session, telegram_user_id)
        if counsellor is None:
            return Claim(False, "not_counsellor")
        lead = session.get(Lead, lead_id)
        if lead is None:
            return Claim(False, "unknown_lead")
        holder = lead.claimed_by.display_name if lead.claimed_by else ""
        session.expunge(lead)
        return Claim(True, "found", holder, lead)


def close_lead(sessions: sessionmaker[Session], lead_id: str, telegram_user_id: int, outcome: str) -> Claim:
    """Mark a lead as done with ``outcome`` (one of ``OUTCOMES``; by any active counsellor, the
    audit says who). A lead closed already keeps the outcome it was closed with."""
    if outcome not in OUTCOMES:
        raise ValueError(f"not an outcome: {outcome!r}")
    with sessions.begin() as session:
        counsellor = _counsellor_by_telegram(session, telegram_user_id)
        if counsellor is None:
            return Claim(False, "not_counsellor")
        lead = session.get(Lead, lead_id)
        if lead is None:
            return Claim(False, "unknown_lead")
        if lead.status != "closed":
            _mark_closed(session, lead, counsellor, outcome)
            record_audit(session, counsellor.username, "close", lead_id, outcome=outcome)
        return Claim(True, "closed", counsellor.display_name, lead)


def _set_status(session: Session, lead: Lead, counsellor: Counsellor, status: str, outcome: str | None) -> None:
    """Claimed or contacted: the lead is taken (the person is told, once); closed: as "Erledigt",
    with its outcome; back to new: only the status (who had it stays on record). A lead that is
    opened again has no outcome any more."""
    if status == "closed":
        _mark_closed(session, lead, counsellor, outcome)
        return
    lead.status, lead.outcome = status, None
    if status in ("claimed", "contacted"):
        mark_taken(session, lead, counsellor)


def _add_note(lead: Lead, counsellor: Counsellor, note: str) -> None:
    stamp = utcnow().strftime("%Y-%m-%d %H:%M")
    lead.notes = (lead.notes + "\n" if lead.notes else "") + f"[{stamp} {counsellor.display_name}] {note}"


def change_status(
    sessions: sessionmaker[Session],
    lead_id: str,
    counsellor: Counsellor,
    status: str,
    note: str = "",
    outcome: str = "",
) -> Lead | None:
    """The inbox's "Status und Notiz" by ``counsellor``: set the lead's status (``claimed``,
    ``contacted``, ``closed``, back to ``new``), its outcome when closed, and add the note; the
    lead, or ``None`` if it is gone.

    A status that is not one of ``LEAD_STATUSES``, or the lead's own, changes nothing (the note is
    still added); an outcome that is not one of ``OUTCOMES`` is none. The outcome of a closed lead
    can be corrected. Every change is audited.
    """
    chosen = outcome if outcome in OUTCOMES else None
    with sessions.begin() as session:
        lead = session.get(Lead, lead_id)
        if lead is None:
            return None
        if status in LEAD_STATUSES and status != lead.status:
            _set_status(session, lead, counsellor, status, chosen)
            detail = {"status": status, "outcome": chosen} if status == "closed" else {"status": status}
            record_audit(session, counsellor.username, "status", lead_id, **detail)
        elif lead.status == "closed" and chosen is not None and chosen != lead.outcome:
            lead.outcome = chosen
            record_audit(session, counsellor.username, "outcome", lead_id, outcome=chosen)
        if note.strip():
            _add_note(lead, counsellor, note.strip())
            record_audit(session, counsellor.username, "note", lead_id)
        return lead
