"""The outbox: messages written in the same transaction as what they tell, delivered afterwards.

A row's ``kind`` is the one thing that says what it is: who it is for (and so who delivers it)
and, for a message to the person, its text. ``KINDS`` is that table; a new notice is its entries
there (one per channel of the person) plus the place that queues it (``person_kind``): the notifier
and the web chat's event stream deliver by recipient. Kinds are stored as text, so a kind's name
never changes (the claimed notice keeps its first names, ``notice_telegram`` and ``notice_web``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.database import utcnow
from bot.leads.models import Lead, OutboxMessage, RelayMessage
from bot.leads.store import Sessions, sessions_or_default
from knowledge.text import N_


class Recipient(StrEnum):
    """Who an outbox message is for; that decides who delivers it."""

    COUNSELLORS = "counsellors"
    """The counsellors' Telegram chat (sent by the notifier)."""
    PERSON_TELEGRAM = "person_telegram"
    """The person's own Telegram chat (sent by the notifier)."""
    PERSON_WEB = "person_web"
    """The person's web chat (taken by the gateway's event stream: ``take_web_notices``)."""


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


POSTED_ABOUT_THE_PERSON = (LEAD_CARD, LEAD_REMINDER, RELAY_COUNSELLORS, TOPIC_OPEN)
"""What Lotse posts in the counsellors' chat that names the person or carries their words: the
card and its reminders, the person's relayed answers, a topic's header."""


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
    """A message for a web chat: a fixed notice (``msgid``), or a counsellor's message (``text``
    by ``author``; ``first`` of the conversation)."""

    language: str
    msgid: str | None
    author: str = ""
    text: str = ""
    first: bool = False


def counsellor_posts(sessions: Sessions | None, lead_id: str) -> list[int]:
    """Telegram's message ids of the lead's card and reminders in the counsellors' chat."""
    with sessions_or_default(sessions)() as session:
        posts = session.scalars(
            select(OutboxMessage.telegram_message_id)
            .where(OutboxMessage.lead_id == lead_id, OutboxMessage.kind.in_(COUNSELLOR_POSTS))
            .order_by(OutboxMessage.id)
        )
        return [post for post in posts if post is not None]


def take_web_notices(sessions: Sessions | None, conversation_id: str) -> list[WebNotice]:
    """The pending messages for a web chat, oldest first, marked as sent."""
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
            )
            .join(Lead, OutboxMessage.lead_id == Lead.id)
            .outerjoin(RelayMessage, OutboxMessage.relay_message_id == RelayMessage.id)
            .where(
                Lead.conversation_id == conversation_id,
                OutboxMessage.kind.in_(kinds_for(Recipient.PERSON_WEB)),
                OutboxMessage.status == "pending",
            )
            .order_by(OutboxMessage.id)
        ).all()
        if rows:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_([row.id for row in rows]))
                .values(status="sent", sent_at=utcnow(), attempts=1)
            )
    return [
        WebNotice(row.language, None, row.author, row.text, row.created_at == row.relay_since)
        if row.kind == RELAY_WEB
        else WebNotice(row.language, notice_text(row.kind))
        for row in rows
    ]
