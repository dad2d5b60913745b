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
from aiogram.types import ReplyParameters
from sqlalchemy import or_, select, update
from sqlalchemy.orm import sessionmaker

from bot.database import utcnow
from bot.i18n import translate
from bot.leads.models import Lead, OutboxMessage
from bot.leads.outbox import (
    COUNSELLOR_POSTS,
    LEAD_REMINDER,
    REDACT,
    Recipient,
    card_key,
    kinds_for,
    notice_text,
    recipient_of,
)
from bot.settings import Settings
from bot.telegram.cards import REDACTED, card_keyboard, card_text, reminder_text
from bot.working_hours import WorkingHours

logger = structlog.get_logger(__name__)

MAX_BACKOFF_SECONDS = 300
PERMANENT_AFTER = 5
"""Attempts after which a permanent refusal marks the message ``failed``."""
DELIVERS_TO = (Recipient.COUNSELLORS, Recipient.PERSON_TELEGRAM)
"""Whose outbox messages the notifier sends (a web chat's are taken by its event stream)."""


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

    def _load(self, message_id: int) -> tuple[OutboxMessage, Lead | None] | None:
        with self.sessions() as session:
            message = session.get(OutboxMessage, message_id)
            if message is None:
                return None
            lead = session.get(Lead, message.lead_id) if message.lead_id is not None else None
            return message, lead

    def _finish(self, message_id: int, **values: object) -> int:
        with self.sessions.begin() as session:
            return (
                session.execute(
                    update(OutboxMessage).where(OutboxMessage.id == message_id).values(claimed_until=None, **values)
                ).rowcount
                or 0
            )

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

    async def _redact(self, telegram_message_id: int) -> None:
        """Overwrite a card in the chat; a card that is gone or already overwritten is fine."""
        try:
            await self.bot.edit_message_text(
                text=REDACTED, chat_id=self.chat_id, message_id=telegram_message_id, reply_markup=None
            )
        except TelegramBadRequest as error:
            if "not modified" not in error.message and "not found" not in error.message:
                raise

    async def _deliver(self, message: OutboxMessage, lead: Lead | None) -> int | None:
        """Send a card or overwrite one; Telegram's message id, or ``None`` if there is nothing to do."""
        if message.kind == REDACT:
            if message.telegram_message_id is not None:
                await self._redact(message.telegram_message_id)
            return message.telegram_message_id
        if lead is None:
            return None  # erased meanwhile (delete my data): nothing to send
        if message.kind == LEAD_REMINDER:
            return await self._remind(lead)
        if recipient_of(message.kind) is Recipient.PERSON_TELEGRAM:
            person = int(lead.conversation_id.removeprefix("tg:"))
            told = await self.bot.send_message(person, translate(lead.language, notice_text(message.kind)))
            return told.message_id
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
        message, lead = loaded
        attempts = message.attempts + 1
        try:
            telegram_message_id = await self._deliver(message, lead)
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
        delivery.sent += 1
        recorded = await asyncio.to_thread(
            self._finish,
            message_id,
            attempts=attempts,
            status="sent",
            sent_at=utcnow(),
            telegram_message_id=telegram_message_id,
            last_error=None,
        )
        if not recorded and message.kind in COUNSELLOR_POSTS:
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
