"""The notifier: delivers outbox messages (lead cards) to the counsellors' Telegram chat.

A worker in the bot process. Each round it *claims* due messages with a lease (an atomic
conditional UPDATE per row, and ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers
never take the same row), sends them with aiogram, and records the outcome:

- sent → ``sent`` with Telegram's message id (the card can be edited later, for everyone);
- 429 → tried again after Telegram's ``retry_after``;
- 5xx, timeout, network → tried again with exponential backoff (2, 4, 8 … s, at most 5 min);
- a permanent refusal (chat not found, bot removed) → ``failed`` after a few tries, visible in
  the inbox; the lead itself is never lost.

Which rows it sends, and how, follows their kind (``bot.leads.outbox.KINDS``): rows for the
counsellors are cards; rows for a person's Telegram chat (``notice_telegram``: a counsellor has
taken their request) are that kind's text in the person's language; rows for a web chat are left
to the web chat's event stream.

Rows of kind ``lead_reminder`` raise a lead nobody has taken again (``bot.leads.reminders``): the
card once more, headed by how many working hours it has waited, as a reply to the first card and
with its buttons. A reminder of a lead that was taken or closed before it went out is not sent
(``cancelled``).

Rows of kind ``redact`` overwrite a card (or reminder) that is already in the chat, after its lead was erased
("delete my data") or purged: the card named the person, so it must not outlive their data. A
lead erased while its card is on the way gets the card overwritten right after it arrives.

Relayed messages (``bot.leads.relay``) go the same way: a counsellor's message to the person's
Telegram chat with the "Anna vom Beratungsteam schreibt:" line in the person's language; the
person's answer into the lead's thread — its forum topic when the counsellors' chat is a forum
(opened with the lead's claim, ``topic_open``), else as a reply to its card. After an erasure the
topic is renamed and closed (``topic_close``), the counsellors' own messages to the person are
deleted (``unpost``), and Lotse's messages about the person overwritten (``redact``).

Appointments (``bot.leads.appointments``) go the same way: a proposal is a counsellor's message
with the buttons "Passt" / "Anderer Termin" in the person's language (while it is still proposed);
the person's answer goes into the lead's thread in German (``appointment_confirmed`` /
``appointment_declined``); "Passt" brings the calendar file as a document (``sendDocument``),
"Anderer Termin" a word that another one will come; the reminder the day before is sent only while
the appointment is confirmed and ahead (else ``cancelled``), and its delivery is recorded on the
appointment (``reminder_sent_at``).

A worker killed mid-delivery leaves a claimed row whose lease runs out; the next worker sends
it then. The row's unique ``dedup_key`` means one card per lead, however often it is submitted.
Telegram has no idempotency key: if a process dies in the milliseconds between Telegram
accepting a card and the ``sent`` commit, that card is sent again — the window is as small as a
single UPDATE.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from datetime import timedelta

import structlog
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters
from sqlalchemy import or_, select, update
from sqlalchemy.orm import selectinload, sessionmaker

from bot.database import utcnow
from bot.i18n import translate
from bot.leads.appointment_texts import (
    CALENDAR_FILENAME,
    CANCELLED,
    CONFIRMED,
    OTHER_TIME,
    REMINDER,
    answer_buttons,
    calendar_file,
    confirmed_text,
    declined_text,
    said,
)
from bot.leads.appointments import counsellor_first_name
from bot.leads.models import Appointment, Lead, OutboxMessage, RelayMessage
from bot.leads.outbox import (
    APPOINTMENT_CANCELLED_TELEGRAM,
    APPOINTMENT_CONFIRMED,
    APPOINTMENT_DECLINED,
    APPOINTMENT_ICS_TELEGRAM,
    APPOINTMENT_OTHER_TELEGRAM,
    APPOINTMENT_REMINDER_TELEGRAM,
    LEAD_REMINDER,
    POSTED_ABOUT_THE_PERSON,
    REDACT,
    RELAY_COUNSELLORS,
    THREAD_POSTS,
    TOPIC_CLOSE,
    TOPIC_OPEN,
    UNPOST,
    Recipient,
    card_key,
    kinds_for,
    mark_reminded,
    notice_text,
    recipient_of,
)
from bot.leads.relay import card_message_id, counsellor_text, person_text
from bot.settings import Settings
from bot.telegram.cards import REDACTED, REDACTED_TOPIC, card_keyboard, card_text, reminder_text, topic_name
from bot.working_hours import WorkingHours

logger = structlog.get_logger(__name__)

MAX_BACKOFF_SECONDS = 300
PERMANENT_AFTER = 5
"""Attempts after which a permanent refusal marks the message ``failed``."""
DELIVERS_TO = (Recipient.COUNSELLORS, Recipient.PERSON_TELEGRAM)
"""Whose outbox messages the notifier sends (a web chat's are taken by its event stream)."""
NOTHING_TO_SEND = 0
"""What ``_deliver`` returns for a row that is done without a message (a topic in a chat that is
no forum)."""


@dataclass(frozen=True)
class Loaded:
    """An outbox row with what its delivery needs, read in one session."""

    message: OutboxMessage
    lead: Lead | None
    relay: RelayMessage | None = None
    thread_reply_to: int | None = None
    """The lead's card in the counsellors' chat (a relayed answer replies to it)."""
    appointment: Appointment | None = None
    """The appointment the row is about (with who proposed it)."""


APPOINTMENT_TEXTS = {
    APPOINTMENT_ICS_TELEGRAM: CONFIRMED,
    APPOINTMENT_OTHER_TELEGRAM: OTHER_TIME,
    APPOINTMENT_REMINDER_TELEGRAM: REMINDER,
    APPOINTMENT_CANCELLED_TELEGRAM: CANCELLED,
}
"""What the person's Telegram chat gets about an appointment, by kind (German msgids)."""


def _answer_keyboard(token: str, language: str) -> InlineKeyboardMarkup:
    """ "Passt" / "Anderer Termin" under a proposed appointment, in the person's language."""
    buttons = [InlineKeyboardButton(text=b.title, callback_data=b.data) for b in answer_buttons(token, language)]
    return InlineKeyboardMarkup(inline_keyboard=[buttons])


class NoLongerNeeded(Exception):
    """The message is not to be sent any more (a reminder of a lead that was taken meanwhile)."""


@dataclass
class Delivery:
    """What one round did (for tests, the benchmark and logs)."""

    sent: int = 0
    retried: int = 0
    failed: int = 0


class Notifier:
    """Outbox → Telegram for one chat."""

    def __init__(
        self,
        sessions: sessionmaker,
        bot: Bot,
        chat_id: int,
        inbox_url: str,
        shows_contact: bool = False,
        lease_seconds: float = 60.0,
        batch: int = 20,
        backoff_seconds: float = 2.0,
        office: WorkingHours | None = None,
    ) -> None:
        self.sessions = sessions
        self.bot = bot
        self.chat_id = chat_id
        self.inbox_url = inbox_url
        self.shows_contact = shows_contact
        self.lease = timedelta(seconds=lease_seconds)
        self.batch = batch
        self.backoff = backoff_seconds
        self.wakeup = asyncio.Event()
        self._forum: bool | None = None
        self.office = office or WorkingHours.from_settings(Settings())
        """The office's working hours: a reminder says how many the lead has waited."""

    def _claim(self) -> list[int]:
        now = utcnow()
        due = or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now)
        with self.sessions.begin() as session:
            candidates = list(
                session.scalars(
                    select(OutboxMessage.id)
                    .where(
                        OutboxMessage.status == "pending",
                        OutboxMessage.next_attempt_at <= now,
                        due,
                        OutboxMessage.kind.in_(kinds_for(*DELIVERS_TO)),
                    )
                    .order_by(OutboxMessage.id)
                    .limit(self.batch)
                    .with_for_update(skip_locked=True)
                )
            )
            claimed = []
            for message_id in candidates:
                taken = session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == message_id, due)
                    .values(claimed_until=now + self.lease)
                ).rowcount
                if taken:
                    claimed.append(message_id)
        return claimed

    def _backoff(self, attempts: int) -> float:
        return min(MAX_BACKOFF_SECONDS, self.backoff * 2 ** (attempts - 1))

    def _load(self, message_id: int) -> Loaded | None:
        with self.sessions() as session:
            message = session.get(OutboxMessage, message_id)
            if message is None:
                return None
            lead = session.get(Lead, message.lead_id) if message.lead_id is not None else None
            relay = session.get(RelayMessage, message.relay_message_id) if message.relay_message_id else None
            reply_to = card_message_id(session, lead.id) if lead is not None and message.kind in THREAD_POSTS else None
            appointment = (
                session.get(Appointment, message.appointment_id, options=[selectinload(Appointment.counsellor)])
                if message.appointment_id is not None
                else None
            )
            return Loaded(message, lead, relay, reply_to, appointment)

    def _set_topic(self, lead_id: str, topic_id: int) -> None:
        with self.sessions.begin() as session:
            session.execute(update(Lead).where(Lead.id == lead_id).values(topic_id=topic_id))

    async def _is_forum(self) -> bool:
        """Whether the counsellors' chat is a forum supergroup (asked once)."""
        if self._forum is None:
            self._forum = bool((await self.bot.get_chat(self.chat_id)).is_forum)
        return self._forum

    async def _open_topic(self, lead: Lead) -> int:
        """The lead's topic with its header (the card and the ready-made replies); the header's id."""
        if not await self._is_forum():
            return NOTHING_TO_SEND
        topic_id = lead.topic_id
        if topic_id is None:  # (a retry after the header failed finds the topic already open)
            topic = await self.bot.create_forum_topic(self.chat_id, topic_name(lead))
            topic_id = topic.message_thread_id
            await asyncio.to_thread(self._set_topic, lead.id, topic_id)
        header = await self.bot.send_message(
            self.chat_id,
            card_text(lead, self.inbox_url, self.shows_contact, "Schreib hier, um der Person zu antworten."),
            message_thread_id=topic_id,
            reply_markup=card_keyboard(lead.id, claimed=True),
        )
        return header.message_id

    async def _close_topic(self, topic_id: int) -> None:
        """Rename a gone lead's topic (its name named the person) and close it."""
        steps = (
            lambda: self.bot.edit_forum_topic(self.chat_id, topic_id, name=REDACTED_TOPIC),
            lambda: self.bot.close_forum_topic(self.chat_id, topic_id),
        )
        for step in steps:
            try:
                await step()
            except TelegramBadRequest as error:
                if "NOT_MODIFIED" not in error.message.upper() and "not found" not in error.message:
                    raise

    async def _unpost(self, telegram_message_id: int) -> None:
        """Delete a counsellor's message to a person who is gone; one that is gone already is fine."""
        try:
            await self.bot.delete_message(self.chat_id, telegram_message_id)
        except TelegramBadRequest as error:
            if "not found" not in error.message and "can't be deleted" not in error.message:
                raise

    async def _to_thread(self, loaded: Loaded, lead: Lead, text: str) -> int:
        """The person's answer into the lead's topic, or as a reply to its card."""
        if lead.topic_id is not None:
            sent = await self.bot.send_message(self.chat_id, text, message_thread_id=lead.topic_id)
        else:
            reply = (
                ReplyParameters(message_id=loaded.thread_reply_to, allow_sending_without_reply=True)
                if loaded.thread_reply_to is not None
                else None
            )
            sent = await self.bot.send_message(self.chat_id, text, reply_parameters=reply)
        return sent.message_id

    def _finish(self, message_id: int, reminded: int | None = None, **values: object) -> int:
        """Record a delivery's outcome; ``reminded``: the appointment whose reminder this was (sent)."""
        with self.sessions.begin() as session:
            recorded = (
                session.execute(
                    update(OutboxMessage).where(OutboxMessage.id == message_id).values(claimed_until=None, **values)
                ).rowcount
                or 0
            )
            if reminded is not None and recorded:
                mark_reminded(session, reminded)
            return recorded

    def _card_message_id(self, lead_id: str) -> int | None:
        with self.sessions() as session:
            return session.scalar(
                select(OutboxMessage.telegram_message_id).where(OutboxMessage.dedup_key == card_key(lead_id))
            )

    async def _remind(self, lead: Lead) -> int:
        """Raise a lead nobody has taken again, as a reply to its card (if that is in the chat)."""
        if lead.status != "new":
            raise NoLongerNeeded
        card = await asyncio.to_thread(self._card_message_id, lead.id)
        waited = self.office.working_time(lead.created_at, utcnow())
        sent = await self.bot.send_message(
            self.chat_id,
            reminder_text(lead, self.inbox_url, self.shows_contact, int(waited.total_seconds() // 3600)),
            reply_markup=card_keyboard(lead.id),
            reply_parameters=ReplyParameters(message_id=card, allow_sending_without_reply=True) if card else None,
        )
        return sent.message_id

    async def _to_person(self, loaded: Loaded, lead: Lead) -> int:
        """A message to the person's own Telegram chat, in their language: a counsellor's message
        (with "Passt" / "Anderer Termin" under a proposed appointment), a notice, or about an
        appointment (its calendar file as a document, its reminder)."""
        person, kind, language = int(lead.conversation_id.removeprefix("tg:")), loaded.message.kind, lead.language
        appointment = loaded.appointment
        markup = None
        if loaded.relay is not None:
            first = loaded.relay.created_at == lead.relay_since
            text = person_text(language, loaded.relay.author, loaded.relay.text, first)
            if appointment is not None and appointment.status == "proposed":
                markup = _answer_keyboard(appointment.token, language)
        elif kind in APPOINTMENT_TEXTS:
            if appointment is None:
                raise NoLongerNeeded  # (an appointment goes only with its lead: not reached)
            if kind == APPOINTMENT_REMINDER_TELEGRAM and not appointment.worth_reminding(utcnow()):
                raise NoLongerNeeded  # called off, or past, before the reminder went out
            text = said(APPOINTMENT_TEXTS[kind], appointment, language)
            if kind == APPOINTMENT_ICS_TELEGRAM:
                ics = calendar_file(appointment, language, counsellor_first_name(appointment))
                document = BufferedInputFile(ics, filename=CALENDAR_FILENAME)
                sent = await self.bot.send_document(person, document, caption=text)
                return sent.message_id
        else:
            text = translate(language, notice_text(kind))
        told = await self.bot.send_message(person, text, reply_markup=markup)
        return told.message_id

    async def _redact(self, telegram_message_id: int) -> None:
        """Overwrite a card in the chat; a card that is gone or already overwritten is fine."""
        try:
            await self.bot.edit_message_text(
                text=REDACTED, chat_id=self.chat_id, message_id=telegram_message_id, reply_markup=None
            )
        except TelegramBadRequest as error:
            if "not modified" not in error.message and "not found" not in error.message:
                raise

    async def _deliver(self, loaded: Loaded) -> int | None:
        """Send or overwrite one message; Telegram's message id (``NOTHING_TO_SEND`` when done
        without one), or ``None`` if there is nothing to do."""
        message, lead = loaded.message, loaded.lead
        if message.kind in (REDACT, UNPOST, TOPIC_CLOSE):
            if message.telegram_message_id is None:
                return NOTHING_TO_SEND
            cleanup = {REDACT: self._redact, UNPOST: self._unpost, TOPIC_CLOSE: self._close_topic}[message.kind]
            await cleanup(message.telegram_message_id)
            return message.telegram_message_id
        if lead is None:
            return None  # erased meanwhile (delete my data): nothing to send
        if message.kind == TOPIC_OPEN:
            return await self._open_topic(lead)
        if message.kind == RELAY_COUNSELLORS:
            return await self._to_thread(loaded, lead, counsellor_text(lead, loaded.relay.text if loaded.relay else ""))
        if message.kind in (APPOINTMENT_CONFIRMED, APPOINTMENT_DECLINED):
            if loaded.appointment is None:
                raise NoLongerNeeded  # (an appointment goes only with its lead: not reached)
            answered = confirmed_text if message.kind == APPOINTMENT_CONFIRMED else declined_text
            return await self._to_thread(loaded, lead, answered(lead, loaded.appointment))
        if message.kind == LEAD_REMINDER:
            return await self._remind(lead)
        if recipient_of(message.kind) is Recipient.PERSON_TELEGRAM:
            return await self._to_person(loaded, lead)
        sent = await self.bot.send_message(
            self.chat_id,
            card_text(lead, self.inbox_url, self.shows_contact),
            reply_markup=card_keyboard(lead.id),
        )
        return sent.message_id

    async def _send_one(self, message_id: int, delivery: Delivery) -> None:
        loaded = await asyncio.to_thread(self._load, message_id)
        if loaded is None:
            return  # erased meanwhile (delete my data): nothing to send
        message = loaded.message
        attempts = message.attempts + 1
        try:
            telegram_message_id = await self._deliver(loaded)
        except NoLongerNeeded:
            logger.info("notifier.cancelled", outbox=message_id, kind=message.kind)
            await asyncio.to_thread(self._finish, message_id, status="cancelled", attempts=attempts)
            return
        except TelegramRetryAfter as error:
            delivery.retried += 1
            logger.warning("notifier.rate_limited", outbox=message_id, retry_after=error.retry_after)
            await asyncio.to_thread(
                self._finish,
                message_id,
                attempts=attempts,
                last_error="429",
                next_attempt_at=utcnow() + timedelta(seconds=error.retry_after),
            )
            return
        except (TelegramBadRequest, TelegramForbiddenError, TelegramNotFound, TelegramUnauthorizedError) as error:
            permanent = attempts >= PERMANENT_AFTER
            delivery.failed += permanent
            delivery.retried += not permanent
            logger.error("notifier.refused", outbox=message_id, error=type(error).__name__, attempts=attempts)
            await asyncio.to_thread(
                self._finish,
                message_id,
                attempts=attempts,
                last_error=type(error).__name__,
                status="failed" if permanent else "pending",
                next_attempt_at=utcnow() + timedelta(seconds=self._backoff(attempts)),
            )
            return
        except Exception as error:  # noqa: BLE001 - 5xx, timeouts, network: try again later
            delivery.retried += 1
            logger.warning("notifier.retry", outbox=message_id, error=type(error).__name__, attempts=attempts)
            await asyncio.to_thread(
                self._finish,
                message_id,
                attempts=attempts,
                last_error=type(error).__name__[:200],
                next_attempt_at=utcnow() + timedelta(seconds=self._backoff(attempts)),
            )
            return
        if telegram_message_id is None:
            return
        delivery.sent += telegram_message_id != NOTHING_TO_SEND
        recorded = await asyncio.to_thread(
            self._finish,
            message_id,
            loaded.appointment.id if message.kind == APPOINTMENT_REMINDER_TELEGRAM and loaded.appointment else None,
            attempts=attempts,
            status="sent",
            sent_at=utcnow(),
            telegram_message_id=telegram_message_id or None,
            last_error=None,
        )
        if not recorded and message.kind in POSTED_ABOUT_THE_PERSON and telegram_message_id:
            # the lead was erased while its card was on the way: the card must not stay
            logger.info("notifier.erased_in_flight", outbox=message_id)
            await self._redact(telegram_message_id)
        logger.info("notifier.sent", outbox=message_id, kind=message.kind)

    async def deliver_due(self) -> Delivery:
        """One round: claim what is due and send it."""
        delivery = Delivery()
        for message_id in await asyncio.to_thread(self._claim):
            await self._send_one(message_id, delivery)
        return delivery

    async def run(self, poll_seconds: float = 1.0) -> None:
        """Deliver until cancelled; wakes up early when :attr:`wakeup` is set."""
        logger.info("notifier.started", chat="configured")
        while True:
            started = time.monotonic()
            try:
                await self.deliver_due()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - a database hiccup must not stop the worker
                # the type only: database errors carry the statement's parameters (personal data)
                logger.error("notifier.round_failed", error=type(error).__name__)
            self.wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wakeup.wait(), max(0.05, poll_seconds - (time.monotonic() - started)))
