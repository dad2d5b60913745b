"""The outbox: messages written in the same transaction as what they tell, delivered afterwards.

A row's ``kind`` is the one thing that says what it is: who it is for (and so who delivers it)
and, for a message to the person, its text. ``KINDS`` is that table; a new notice is its entries
there (one per channel of the person) plus the place that queues it (``person_kind``): the notifier
and the web chat's event stream deliver by recipient. Kinds are stored as text, so a kind's name
never changes (the claimed notice keeps its first names, ``notice_telegram`` and ``notice_web``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.database import utcnow
from bot.leads.appointment_texts import CANCELLED, REMINDER, said
from bot.leads.models import Appointment, Lead, OutboxMessage, RelayMessage
from bot.leads.store import Sessions, sessions_or_default
from knowledge.text import N_


class Recipient(StrEnum):
    """Who an outbox message is for; that decides who delivers it."""

    COUNSELLORS = "counsellors"
    """The counsellors' Telegram chat (sent by the notifier)."""
    PERSON_TELEGRAM = "person_telegram"
    """The person's own Telegram chat (sent by the notifier)."""
    PERSON_WEB = "person_web"
    """The person's web chat (sent by the gateway's event stream, ``pending_web_notices``, and
    delivered once its page acknowledges them, ``acknowledge_web_notices``)."""


PERSON_CHANNELS = {"tg": Recipient.PERSON_TELEGRAM, "web": Recipient.PERSON_WEB}
"""Who a message to the person is for, by the prefix of their conversation id (``tg:<chat id>``,
``web:<uuid>``)."""


@dataclass(frozen=True)
class OutboxKind:
    """What the rows of one ``kind`` are."""

    name: str
    """As stored in ``outbox_message.kind``."""
    recipient: Recipient
    text: str | None = None
    """For a message to the person: the German msgid, sent in the lead's language."""


LEAD_CARD = "lead_card"
"""The lead's card in the counsellors' chat."""
LEAD_REMINDER = "lead_reminder"
"""The lead raised again in the counsellors' chat: nobody has taken it for a while (``bot.leads.reminders``)."""
REDACT = "redact"
"""Overwrite a card (or a reminder) already in the counsellors' chat (its lead is gone)."""
COUNSELLOR_POSTS = (LEAD_CARD, LEAD_REMINDER)
"""The kinds that show a lead in the counsellors' chat: they name the person, so erasure overwrites
them, and a claim or close updates all of them."""
NOTICE_TELEGRAM = "notice_telegram"
"""The person is told in their own Telegram chat that a counsellor has taken their request."""
NOTICE_WEB = "notice_web"
"""The person is told in their web chat that a counsellor has taken their request."""
CLAIMED_NOTICE = N_(
    "Gute Nachricht: Eine Beraterin oder ein Berater hat deine Anfrage übernommen und meldet sich bald bei dir."
)
RELAY_TELEGRAM = "relay_telegram"
"""A counsellor's message (``relay_message``) to the person's Telegram chat."""
RELAY_WEB = "relay_web"
"""A counsellor's message to the person's web chat (live, or on their next visit)."""
RELAY_COUNSELLORS = "relay_counsellors"
"""The person's answer, into the lead's thread in the counsellors' chat (its topic, or a reply to its card)."""
TOPIC_OPEN = "topic_open"
"""Open the lead's topic when the counsellors' chat is a forum (and post its header there)."""
TOPIC_CLOSE = "topic_close"
"""Rename and close the topic of a lead that is gone (``telegram_message_id``: the topic's thread id)."""
UNPOST = "unpost"
"""Delete a counsellor's own message from the counsellors' chat (its lead is gone)."""
RELAY_END_TELEGRAM = "relay_end_telegram"
RELAY_END_WEB = "relay_end_web"
RELAY_ENDED = N_(
    "Das Gespräch mit dem Beratungsteam ist jetzt beendet. Ab jetzt antwortet dir wieder Lotse, der Chatbot."
)
"""The person is told when a counsellor ends the conversation, or it ends after the quiet time."""
APPOINTMENT_CONFIRMED = "appointment_confirmed"
APPOINTMENT_DECLINED = "appointment_declined"
"""The person's answer to a proposed appointment ("Passt" / "Anderer Termin"), into the lead's
thread in the counsellors' chat (German), like a relayed answer."""
APPOINTMENT_ICS_TELEGRAM = "appointment_ics_telegram"
"""A confirmed appointment's calendar file (.ics), sent to the person's Telegram chat as a document.
(The web chat offers it as a download in the answer to the person's "Passt".)"""
APPOINTMENT_OTHER_TELEGRAM = "appointment_other_telegram"
"""The person asked for another appointment: they are told the counsellor will propose one."""
APPOINTMENT_REMINDER_TELEGRAM = "appointment_reminder_telegram"
APPOINTMENT_REMINDER_WEB = "appointment_reminder_web"
"""The reminder of a confirmed appointment, the day before (``bot.leads.appointments``)."""
APPOINTMENT_CANCELLED_TELEGRAM = "appointment_cancelled_telegram"
APPOINTMENT_CANCELLED_WEB = "appointment_cancelled_web"
"""A counsellor called an appointment off (in the inbox): the person is told."""

KINDS: dict[str, OutboxKind] = {
    kind.name: kind
    for kind in (
        OutboxKind(LEAD_CARD, Recipient.COUNSELLORS),
        OutboxKind(LEAD_REMINDER, Recipient.COUNSELLORS),
        OutboxKind(REDACT, Recipient.COUNSELLORS),
        OutboxKind(NOTICE_TELEGRAM, Recipient.PERSON_TELEGRAM, CLAIMED_NOTICE),
        OutboxKind(NOTICE_WEB, Recipient.PERSON_WEB, CLAIMED_NOTICE),
        OutboxKind(RELAY_TELEGRAM, Recipient.PERSON_TELEGRAM),
        OutboxKind(RELAY_WEB, Recipient.PERSON_WEB),
        OutboxKind(RELAY_COUNSELLORS, Recipient.COUNSELLORS),
        OutboxKind(TOPIC_OPEN, Recipient.COUNSELLORS),
        OutboxKind(TOPIC_CLOSE, Recipient.COUNSELLORS),
        OutboxKind(UNPOST, Recipient.COUNSELLORS),
        OutboxKind(RELAY_END_TELEGRAM, Recipient.PERSON_TELEGRAM, RELAY_ENDED),
        OutboxKind(RELAY_END_WEB, Recipient.PERSON_WEB, RELAY_ENDED),
        OutboxKind(APPOINTMENT_CONFIRMED, Recipient.COUNSELLORS),
        OutboxKind(APPOINTMENT_DECLINED, Recipient.COUNSELLORS),
        OutboxKind(APPOINTMENT_ICS_TELEGRAM, Recipient.PERSON_TELEGRAM),
        OutboxKind(APPOINTMENT_OTHER_TELEGRAM, Recipient.PERSON_TELEGRAM),
        OutboxKind(APPOINTMENT_REMINDER_TELEGRAM, Recipient.PERSON_TELEGRAM),
        OutboxKind(APPOINTMENT_REMINDER_WEB, Recipient.PERSON_WEB),
        OutboxKind(APPOINTMENT_CANCELLED_TELEGRAM, Recipient.PERSON_TELEGRAM),
        OutboxKind(APPOINTMENT_CANCELLED_WEB, Recipient.PERSON_WEB),
    )
}


def kinds_for(*recipients: Recipient) -> list[str]:
    """The names of the kinds for these recipients."""
    return [kind.name for kind in KINDS.values() if kind.recipient in recipients]


def recipient_of(kind: str) -> Recipient:
    """Who the messages of this kind are for."""
    return KINDS[kind].recipient


RELAY_KINDS = {Recipient.PERSON_TELEGRAM: RELAY_TELEGRAM, Recipient.PERSON_WEB: RELAY_WEB}
"""The kind that brings a counsellor's message to the person, by their channel."""


def person_recipient(conversation_id: str) -> Recipient | None:
    """Whose channel a message to the person of ``conversation_id`` goes to."""
    return PERSON_CHANNELS.get(conversation_id.split(":", 1)[0])


def person_kind(notice: str, conversation_id: str) -> str | None:
    """The kind that brings ``notice`` (a German msgid) to the person of ``conversation_id`` in
    their own channel; ``None`` if that channel has none."""
    recipient = PERSON_CHANNELS.get(conversation_id.split(":", 1)[0])
    return next((kind.name for kind in KINDS.values() if kind.recipient is recipient and kind.text == notice), None)


def notice_text(kind: str) -> str:
    """The German msgid of a message to the person of this kind."""
    text = KINDS[kind].text
    if text is None:
        raise ValueError(f"outbox kind {kind!r} is not a message to the person")
    return text


def card_key(lead_id: str) -> str:
    """The outbox dedup key of a lead's card: one card per lead, ever."""
    return f"lead-card:{lead_id}"


def queue_card(session: Session, lead: Lead) -> None:
    """Queue the card of a new (flushed) lead for the counsellors' chat, in the lead's transaction."""
    session.add(OutboxMessage(lead_id=lead.id, kind=LEAD_CARD, dedup_key=card_key(lead.id)))


POSTED_ABOUT_THE_PERSON = (
    LEAD_CARD,
    LEAD_REMINDER,
    RELAY_COUNSELLORS,
    TOPIC_OPEN,
    APPOINTMENT_CONFIRMED,
    APPOINTMENT_DECLINED,
)
"""What Lotse posts in the counsellors' chat that names the person or carries their words: the
card and its reminders, the person's relayed answers and appointment answers, a topic's header."""
THREAD_POSTS = (RELAY_COUNSELLORS, APPOINTMENT_CONFIRMED, APPOINTMENT_DECLINED)
"""What goes into a lead's thread (its topic, or as a reply to its card)."""


def redact_sent_cards(session: Session, lead_ids: list[str]) -> int:
    """Queue the overwriting of everything these leads left in the counsellors' chat (same
    transaction as the deletion: it names the person, and the person is gone): Lotse's cards,
    reminders, relayed answers and topic headers are overwritten, the counsellors' own messages to
    the person deleted, a lead's topic renamed and closed."""
    sent = session.execute(
        select(OutboxMessage.id, OutboxMessage.telegram_message_id).where(
            OutboxMessage.lead_id.in_(lead_ids),
            OutboxMessage.kind.in_(POSTED_ABOUT_THE_PERSON),
            OutboxMessage.telegram_message_id.is_not(None),
        )
    ).all()
    for outbox_id, telegram_message_id in sent:
        session.add(
            OutboxMessage(
                lead_id=None, kind=REDACT, dedup_key=f"redact:{outbox_id}", telegram_message_id=telegram_message_id
            )
        )
    written = session.execute(
        select(RelayMessage.id, RelayMessage.chat_message_id).where(
            RelayMessage.lead_id.in_(lead_ids), RelayMessage.chat_message_id.is_not(None)
        )
    ).all()
    for relay_id, chat_message_id in written:
        session.add(
            OutboxMessage(
                lead_id=None, kind=UNPOST, dedup_key=f"unpost:{relay_id}", telegram_message_id=chat_message_id
            )
        )
    topics = session.execute(select(Lead.id, Lead.topic_id).where(Lead.id.in_(lead_ids), Lead.topic_id.is_not(None)))
    for lead_id, topic_id in topics.all():
        session.add(
            OutboxMessage(
                lead_id=None, kind=TOPIC_CLOSE, dedup_key=f"topic-close:{lead_id}", telegram_message_id=topic_id
            )
        )
    return len(sent)


class WebNotice(NamedTuple):
    """A message for a web chat: a fixed notice (``msgid``), a counsellor's message (``text``
    by ``author``; ``first`` of the conversation; ``offer``: the token of the appointment it
    proposes, whose answer buttons go under it), or a message of Lotse's about an appointment,
    already in the person's language (``said``)."""

    language: str
    msgid: str | None
    author: str = ""
    text: str = ""
    first: bool = False
    offer: str = ""
    said: str = ""


def mark_reminded(session: Session, appointment_id: int, now: datetime | None = None) -> None:
    """Record that an appointment's reminder reached the person (in the delivery's unit of work)."""
    session.execute(
        update(Appointment)
        .where(Appointment.id == appointment_id, Appointment.reminder_sent_at.is_(None))
        .values(reminder_sent_at=now or utcnow())
    )


def counsellor_posts(sessions: Sessions | None, lead_id: str) -> list[int]:
    """Telegram's message ids of the lead's card and reminders in the counsellors' chat."""
    with sessions_or_default(sessions)() as session:
        posts = session.scalars(
            select(OutboxMessage.telegram_message_id)
            .where(OutboxMessage.lead_id == lead_id, OutboxMessage.kind.in_(COUNSELLOR_POSTS))
            .order_by(OutboxMessage.id)
        )
        return [post for post in posts if post is not None]


def _web_notice(row: Any, now: datetime) -> WebNotice | None:
    """One pending row (of ``take_web_notices``' query) as its web chat shows it; ``None`` for a
    reminder no longer worth showing."""
    appointment: Appointment | None = row.Appointment
    if row.kind == RELAY_WEB:
        offer = appointment.token if appointment is not None and appointment.status == "proposed" else ""
        return WebNotice(row.language, None, row.author, row.text, row.created_at == row.relay_since, offer)
    if row.kind == APPOINTMENT_REMINDER_WEB:
        if appointment is None or not appointment.worth_reminding(now):
            return None
        return WebNotice(row.language, None, said=said(REMINDER, appointment, row.language))
    if row.kind == APPOINTMENT_CANCELLED_WEB and appointment is not None:
        return WebNotice(row.language, None, said=said(CANCELLED, appointment, row.language))
    return WebNotice(row.language, notice_text(row.kind))


WEB_KINDS = kinds_for(Recipient.PERSON_WEB)
"""The kinds a web chat's event stream delivers."""


def pending_web_notices(sessions: Sessions | None, conversation_id: str) -> list[tuple[int, WebNotice]]:
    """The messages for a web chat not yet acknowledged by its page, oldest first, each with its
    outbox row's id (the event's ``id:``). Nothing is marked sent here: only the page's
    acknowledgement does that (``acknowledge_web_notices``), so a stream that dies while writing
    loses nothing. A reminder of an appointment called off or past meanwhile is marked
    ``cancelled`` and not shown."""
    now = utcnow()
    notices: list[tuple[int, WebNotice]] = []
    with sessions_or_default(sessions).begin() as session:
        rows = session.execute(
            select(
                OutboxMessage.id,
                OutboxMessage.kind,
                Lead.language,
                Lead.relay_since,
                RelayMessage.author,
                RelayMessage.text,
                RelayMessage.created_at,
                Appointment,
            )
            .join(Lead, OutboxMessage.lead_id == Lead.id)
            .outerjoin(RelayMessage, OutboxMessage.relay_message_id == RelayMessage.id)
            .outerjoin(Appointment, OutboxMessage.appointment_id == Appointment.id)
            .where(
                Lead.conversation_id == conversation_id,
                OutboxMessage.kind.in_(WEB_KINDS),
                OutboxMessage.status == "pending",
            )
            .order_by(OutboxMessage.id)
        ).all()
        dropped = []
        for row in rows:
            notice = _web_notice(row, now)
            if notice is None:
                dropped.append(row.id)
            else:
                notices.append((row.id, notice))
        if dropped:
            session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(dropped)).values(status="cancelled"))
    return notices


def acknowledge_web_notices(sessions: Sessions | None, conversation_id: str, ids: list[int]) -> int:
    """Mark these messages of a web chat as delivered: its page has shown them. Only pending rows
    of this chat's own leads count (an id of another chat changes nothing); an acknowledged
    appointment reminder records that it reached the person. Returns how many were marked."""
    if not ids:
        return 0
    now = utcnow()
    with sessions_or_default(sessions).begin() as session:
        rows = session.execute(
            select(OutboxMessage.id, OutboxMessage.kind, OutboxMessage.appointment_id)
            .join(Lead, OutboxMessage.lead_id == Lead.id)
            .where(
                OutboxMessage.id.in_(ids),
                Lead.conversation_id == conversation_id,
                OutboxMessage.kind.in_(WEB_KINDS),
                OutboxMessage.status == "pending",
            )
        ).all()
        for row in rows:
            if row.kind == APPOINTMENT_REMINDER_WEB and row.appointment_id is not None:
                mark_reminded(session, row.appointment_id, now)
        if rows:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_([row.id for row in rows]), OutboxMessage.status == "pending")
                .values(status="sent", sent_at=now, attempts=1)
            )
    return len(rows)


def take_web_notices(sessions: Sessions | None, conversation_id: str) -> list[WebNotice]:
    """The pending messages for a web chat, oldest first, taken at once: read and acknowledged
    (as a page that has shown them all would)."""
    pending = pending_web_notices(sessions, conversation_id)
    acknowledge_web_notices(sessions, conversation_id, [outbox_id for outbox_id, _ in pending])
    return [notice for _, notice in pending]
