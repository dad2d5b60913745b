"""Appointments: a counsellor proposes one with the ready-made reply "📅 Termin vorschlagen", the
person answers "Passt" or "Anderer Termin", a confirmed one comes with a calendar file and a
reminder the day before.

- The proposal is a relay message (``bot.leads.relay``) with an ``appointment`` row: its start (an
  instant; the office's time zone it was proposed in), place and status ``proposed``. The person
  gets the sentence with two buttons in their language (Telegram: an inline keyboard; web chat:
  buttons on the event stream) whose data name the appointment by an unguessable token.
- The answer (:func:`answer_proposal`) counts only from the person of that lead, once. It is a
  relay message (what they pressed), goes to the lead's thread in the counsellors' chat (German),
  and is audited. "Passt" confirms: Telegram gets the calendar file as a document (outbox), the
  web chat a download link only that web conversation can fetch (:func:`calendar_for`).
  "Anderer Termin" declines: the person is told the counsellor will propose another.
- The reminder (:func:`queue_reminders`) goes out once, from a day before the start, for an
  appointment confirmed before then; the worker loop looks every minute, the outbox's dedup key
  keeps it single, the notifier retries it. A reminder of an appointment called off or past by
  the time it would go out is not sent.
- A counsellor may call an appointment off in the inbox (:func:`cancel_appointment`); the person
  is told.

Appointments are personal data: they go with their lead (erasure, retention), "what do you know
about me" lists them. Logs carry ids and states, never the place or the time. Each public
function is one unit of work, except :func:`add_proposal`, which works in the relay's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from bot.database import utcnow
from bot.i18n import translate
from bot.leads.appointment_texts import ANSWER_OTHER, ANSWER_YES, calendar_file
from bot.leads.audit import record_audit
from bot.leads.models import Appointment, Counsellor, Lead, OutboxMessage, RelayMessage
from bot.leads.outbox import (
    APPOINTMENT_CANCELLED_TELEGRAM,
    APPOINTMENT_CANCELLED_WEB,
    APPOINTMENT_CONFIRMED,
    APPOINTMENT_DECLINED,
    APPOINTMENT_ICS_TELEGRAM,
    APPOINTMENT_OTHER_TELEGRAM,
    APPOINTMENT_REMINDER_TELEGRAM,
    APPOINTMENT_REMINDER_WEB,
    Recipient,
    person_recipient,
)
from bot.leads.store import Sessions, sessions_or_default

logger = structlog.get_logger(__name__)

REMIND_BEFORE = timedelta(days=1)
"""The reminder goes out from this long before the start ("the day before")."""
REMINDER_KINDS = {
    Recipient.PERSON_TELEGRAM: APPOINTMENT_REMINDER_TELEGRAM,
    Recipient.PERSON_WEB: APPOINTMENT_REMINDER_WEB,
}
CANCELLED_KINDS = {
    Recipient.PERSON_TELEGRAM: APPOINTMENT_CANCELLED_TELEGRAM,
    Recipient.PERSON_WEB: APPOINTMENT_CANCELLED_WEB,
}
UPCOMING = ("proposed", "confirmed")
"""The states of an appointment that may still take place."""


def add_proposal(
    session: Session,
    lead: Lead,
    message: RelayMessage,
    counsellor: Counsellor,
    starts_at: datetime,
    zone: str,
    place: str,
) -> Appointment:
    """The appointment a counsellor's (flushed) relay message proposes, in the relay's unit of work."""
    appointment = Appointment(
        lead_id=lead.id,
        relay_message_id=message.id,
        counsellor_id=counsellor.id,
        starts_at=starts_at,
        timezone=zone,
        place=place,
        status="proposed",
    )
    session.add(appointment)
    session.flush()
    logger.info("appointment.proposed", appointment=appointment.id)
    return appointment


# --- the person's answer ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Answered:
    """The outcome of a press on "Passt" / "Anderer Termin"."""

    ok: bool
    reason: str
    """``confirmed`` or ``declined`` (also when the same answer comes again: ``repeated``); or why
    not: ``unknown`` (no such appointment in this conversation), ``answered`` (the other answer was
    given before), ``not_valid`` (called off, or its time has passed)."""
    language: str = ""
    """The person's language (the lead's), when the appointment is theirs."""
    appointment: Appointment | None = None
    """Detached, read-only."""
    repeated: bool = False
    """The same answer again (a retried request): nothing new was stored or sent."""


_ANSWER_STATUS = {"yes": "confirmed", "other": "declined"}
_ANSWER_TITLE = {"yes": ANSWER_YES, "other": ANSWER_OTHER}


def _queue(session: Session, lead: Lead, appointment: Appointment, kind: str, key: str, **values: object) -> None:
    session.add(OutboxMessage(lead_id=lead.id, kind=kind, dedup_key=key, appointment_id=appointment.id, **values))


def answer_proposal(
    sessions: Sessions | None, conversation_id: str, token: str, answer: str, channel: str, now: datetime | None = None
) -> Answered:
    """The person of ``conversation_id`` pressed ``answer`` (``yes``/``other``) under the proposal
    ``token``. Only that lead's person counts; an appointment is answered once (the same answer
    again changes nothing and is reported as it was)."""
    status = _ANSWER_STATUS.get(answer)
    if status is None:
        return Answered(False, "unknown")
    now = now or utcnow()
    with sessions_or_default(sessions).begin() as session:
        found = session.execute(
            select(Appointment, Lead)
            .join(Lead, Appointment.lead_id == Lead.id)
            .where(Appointment.token == token)
            .with_for_update()
        ).first()
        if found is None or found.Lead.conversation_id != conversation_id:
            logger.info("appointment.answer_refused", reason="unknown", channel=channel)
            return Answered(False, "unknown")
        appointment, lead = found.Appointment, found.Lead
        if appointment.status == status:
            return Answered(True, status, lead.language, appointment, repeated=True)
        if appointment.status != "proposed" or appointment.starts_at <= now:
            reason = "answered" if appointment.status in _ANSWER_STATUS.values() else "not_valid"
            logger.info("appointment.answer_refused", reason=reason, channel=channel)
            return Answered(False, reason, lead.language, appointment)
        appointment.status, appointment.answered_at = status, now
        if lead.relay_since is not None:
            lead.relay_last_at = now  # a message either way keeps the conversation going
        message = RelayMessage(
            lead_id=lead.id,
            direction="from_person",
            text=translate(lead.language, _ANSWER_TITLE[answer]),
            language=lead.language,
            via=channel,
            created_at=now,
        )
        session.add(message)
        session.flush()
        thread_kind = APPOINTMENT_CONFIRMED if status == "confirmed" else APPOINTMENT_DECLINED
        _queue(
            session, lead, appointment, thread_kind, f"appointment-answer:{appointment.id}", relay_message_id=message.id
        )
        if person_recipient(lead.conversation_id) is Recipient.PERSON_TELEGRAM:
            # (the web chat gets these in the answer to the press itself)
            if status == "confirmed":
                _queue(session, lead, appointment, APPOINTMENT_ICS_TELEGRAM, f"appointment-ics:{appointment.id}")
            else:
                _queue(session, lead, appointment, APPOINTMENT_OTHER_TELEGRAM, f"appointment-other:{appointment.id}")
        record_audit(
            session, "user", "appointment_answer", lead.id, appointment=appointment.id, answer=status, via=channel
        )
    logger.info("appointment.answered", appointment=appointment.id, answer=status, channel=channel)
    return Answered(True, status, lead.language, appointment)


def calendar_for(sessions: Sessions | None, conversation_id: str, token: str) -> bytes | None:
    """The calendar file of the confirmed appointment ``token`` — only for the conversation it
    belongs to (the web chat's download); ``None`` otherwise."""
    with sessions_or_default(sessions)() as session:
        found = session.execute(
            select(Appointment, Lead)
            .join(Lead, Appointment.lead_id == Lead.id)
            .options(selectinload(Appointment.counsellor))
            .where(Appointment.token == token, Lead.conversation_id == conversation_id)
        ).first()
        if found is None or found.Appointment.status != "confirmed":
            return None
        return calendar_file(found.Appointment, found.Lead.language, counsellor_first_name(found.Appointment))


def counsellor_first_name(appointment: Appointment) -> str:
    """The first name of the counsellor who proposed it (as the person knows them), or empty."""
    counsellor = appointment.counsellor
    return (counsellor.display_name.split() or [""])[0][:80] if counsellor is not None else ""


# --- the reminder the day before -------------------------------------------------------------------


def _queue_once(session: Session, lead: Lead, appointment: Appointment, kind: str) -> bool:
    """Add the reminder unless it exists; a concurrent worker's insert of the same key loses
    nothing (a savepoint keeps the rest of the round)."""
    key = f"appointment-reminder:{appointment.id}"
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedup_key == key)) is not None:
        return False
    try:
        with session.begin_nested():
            _queue(session, lead, appointment, kind, key)
    except IntegrityError:
        return False  # another worker queued it in the meantime
    return True


def queue_reminders(sessions: Sessions | None, now: datetime | None = None) -> int:
    """Queue the reminders that are due at ``now`` (how many): confirmed appointments that start
    within :data:`REMIND_BEFORE`, were confirmed before their reminder was due (a later "Passt" is
    reminder enough), and have no reminder yet. One unit of work; the appointments are locked while
    they are looked at (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so a second worker skips them."""
    now = now or utcnow()
    queued = 0
    with sessions_or_default(sessions).begin() as session:
        due = session.execute(
            select(Appointment, Lead)
            .join(Lead, Appointment.lead_id == Lead.id)
            .where(
                Appointment.status == "confirmed",
                Appointment.reminder_sent_at.is_(None),
                Appointment.starts_at > now,
                Appointment.starts_at <= now + REMIND_BEFORE,
            )
            .order_by(Appointment.starts_at)
            .with_for_update(of=Appointment, skip_locked=True)
        ).all()
        for appointment, lead in due:
            recipient = person_recipient(lead.conversation_id)
            kind = REMINDER_KINDS.get(recipient) if recipient is not None else None
            confirmed_in_time = appointment.answered_at is None or appointment.answered_at <= (
                appointment.starts_at - REMIND_BEFORE
            )
            if kind is not None and confirmed_in_time and _queue_once(session, lead, appointment, kind):
                queued += 1
    if queued:
        logger.info("appointments.reminders_queued", count=queued)
    return queued


# --- a counsellor calls it off ---------------------------------------------------------------------


@dataclass(frozen=True)
class Cancelled:
    """The outcome of calling an appointment off."""

    ok: bool
    reason: str
    """``cancelled``; or why not: ``unknown``, ``not_counsellor``, ``not_holder``, ``not_upcoming``."""
    lead_id: str = ""


CANCEL_REFUSALS = {
    "unknown": "Diesen Termin gibt es nicht (mehr).",
    "not_counsellor": "Du bist nicht als Beraterin oder Berater freigeschaltet.",
    "not_holder": "Absagen kann, wer die Anfrage übernommen hat, oder ein Admin.",
    "not_upcoming": "Dieser Termin ist schon vorbei, abgelehnt oder abgesagt.",
}
"""German notes for the counsellor, by ``Cancelled.reason``."""


def cancel_appointment(
    sessions: Sessions | None, appointment_id: int, counsellor_id: int, now: datetime | None = None
) -> Cancelled:
    """Call off a proposed or confirmed appointment that has not started (who holds the lead, or
    an admin); the person is told, a reminder not sent yet is not sent."""
    now = now or utcnow()
    with sessions_or_default(sessions).begin() as session:
        appointment = session.get(Appointment, appointment_id, with_for_update=True)
        counsellor = session.get(Counsellor, counsellor_id)
        if appointment is None:
            return Cancelled(False, "unknown")
        lead = appointment.lead
        if counsellor is None or not counsellor.active:
            return Cancelled(False, "not_counsellor", lead.id)
        if lead.claimed_by_id != counsellor.id and not counsellor.is_admin:
            return Cancelled(False, "not_holder", lead.id)
        if appointment.status not in UPCOMING or appointment.starts_at <= now:
            return Cancelled(False, "not_upcoming", lead.id)
        appointment.status = "cancelled"
        session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.appointment_id == appointment.id,
                OutboxMessage.kind.in_(REMINDER_KINDS.values()),
                OutboxMessage.status == "pending",
            )
            .values(status="cancelled")
        )
        recipient = person_recipient(lead.conversation_id)
        kind = CANCELLED_KINDS.get(recipient) if recipient is not None else None
        if kind is not None:
            _queue(session, lead, appointment, kind, f"appointment-cancelled:{appointment.id}")
        record_audit(session, counsellor.username, "appointment_cancel", lead.id, appointment=appointment.id)
    logger.info("appointment.cancelled", appointment=appointment_id)
    return Cancelled(True, "cancelled", lead.id)


# --- lists ---------------------------------------------------------------------------------------


def upcoming_appointments(
    sessions: Sessions | None, counsellor: Counsellor | None = None, now: datetime | None = None
) -> list[Appointment]:
    """Proposed and confirmed appointments that have not started, soonest first, with their lead
    and counsellor loaded (detached: read-only). With ``counsellor``: only theirs (those they
    proposed, or of leads they hold)."""
    now = now or utcnow()
    query = (
        select(Appointment)
        .join(Lead, Appointment.lead_id == Lead.id)
        .options(selectinload(Appointment.lead), selectinload(Appointment.counsellor))
        .where(Appointment.status.in_(UPCOMING), Appointment.starts_at > now)
        .order_by(Appointment.starts_at)
    )
    if counsellor is not None:
        query = query.where(or_(Appointment.counsellor_id == counsellor.id, Lead.claimed_by_id == counsellor.id))
    with sessions_or_default(sessions)() as session:
        return list(session.scalars(query))


def appointments_of(sessions: Sessions | None, lead_id: str) -> list[Appointment]:
    """A lead's appointments, soonest first, with who proposed them (detached: read-only)."""
    with sessions_or_default(sessions)() as session:
        return list(
            session.scalars(
                select(Appointment)
                .options(selectinload(Appointment.counsellor))
                .where(Appointment.lead_id == lead_id)
                .order_by(Appointment.starts_at)
            )
        )
