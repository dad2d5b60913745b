"""Background work of the bot process: Telegram (polling, the notifier and the reminders of leads
nobody has taken), the reminders of appointments, the end of quiet relays, and retention.

Telegram runs only when ``LOTSE_TELEGRAM_TOKEN`` is set; the notifier and the reminders only when
``LOTSE_COUNSELLOR_CHAT_ID`` is set too. ``make demo`` without a token runs neither — leads then
wait in the outbox and are worked in the inbox. Appointment reminders are queued either way (a web
chat takes its own; Telegram's wait for the notifier).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import structlog
from aiogram import Bot, Dispatcher
from sqlalchemy.orm import sessionmaker

from bot.conversation import Conversations
from bot.inbox.throttle import LoginThrottler
from bot.leads.appointments import queue_reminders as queue_appointment_reminders
from bot.leads.erasure import purge_expired
from bot.leads.relay import end_quiet_relays
from bot.leads.reminders import queue_reminders
from bot.settings import Settings
from bot.telegram.updates import SeenUpdates, Updates, seen_updates
from bot.working_hours import WorkingHours

logger = structlog.get_logger(__name__)

RETENTION_INTERVAL_SECONDS = 3600
RELAY_QUIET_INTERVAL_SECONDS = 30
REMINDER_INTERVAL_SECONDS = 60
APPOINTMENT_REMINDER_INTERVAL_SECONDS = 60


async def run_retention(
    sessions: sessionmaker, settings: Settings, interval: float = RETENTION_INTERVAL_SECONDS
) -> None:
    """Purge what is past its retention time, once an hour (also ``python -m bot.cli purge``): leads,
    conversations, and the inbox's stale login-throttle rows (typed names, client addresses)."""
    await asyncio.sleep(min(60.0, interval))  # not while everything is still starting
    while True:
        try:
            await asyncio.to_thread(
                purge_expired, sessions, settings.lead_retention_days, settings.conversation_retention_days
            )
            await asyncio.to_thread(LoginThrottler(sessions).forget_stale)
        except Exception as error:  # noqa: BLE001 - try again next round; the database may be back
            # the type only: database errors carry the statement's parameters (personal data)
            logger.error("retention.failed", error=type(error).__name__)
        await asyncio.sleep(interval)


async def run_relay_quiet(
    sessions: sessionmaker, settings: Settings, interval: float = RELAY_QUIET_INTERVAL_SECONDS
) -> None:
    """Hand people back to Lotse whose conversation with a counsellor has been quiet for
    ``LOTSE_RELAY_QUIET_MINUTES`` (they are told), every half minute."""
    while True:
        await asyncio.sleep(interval)
        try:
            await asyncio.to_thread(end_quiet_relays, sessions, settings.relay_quiet_minutes)
        except Exception as error:  # noqa: BLE001 - try again next round; the database may be back
            logger.error("relay.quiet_failed", error=type(error).__name__)


async def run_reminders(
    sessions: sessionmaker,
    settings: Settings,
    wakeup: asyncio.Event | None = None,
    interval: float = REMINDER_INTERVAL_SECONDS,
) -> None:
    """Raise leads nobody has taken again, looked at once a minute; wakes the notifier (``wakeup``)
    when it queued some."""
    office = WorkingHours.from_settings(settings)
    every = timedelta(hours=settings.remind_after_working_hours)
    while True:
        try:
            queued = await asyncio.to_thread(queue_reminders, sessions, office, every, settings.reminders)
            if queued and wakeup is not None:
                wakeup.set()
        except Exception as error:  # noqa: BLE001 - try again next round; the database may be back
            # the type only: database errors carry the statement's parameters (personal data)
            logger.error("reminders.failed", error=type(error).__name__)
        await asyncio.sleep(interval)


async def run_appointment_reminders(
    sessions: sessionmaker,
    wakeup: asyncio.Event | None = None,
    interval: float = APPOINTMENT_REMINDER_INTERVAL_SECONDS,
) -> None:
    """Queue the reminders of confirmed appointments the day before (``bot.leads.appointments``),
    looked at once a minute; wakes the notifier (``wakeup``) when it queued some."""
    while True:
        try:
            queued = await asyncio.to_thread(queue_appointment_reminders, sessions)
            if queued and wakeup is not None:
                wakeup.set()
        except Exception as error:  # noqa: BLE001 - try again next round; the database may be back
            # the type only: database errors carry the statement's parameters (personal data)
            logger.error("appointments.reminders_failed", error=type(error).__name__)
        await asyncio.sleep(interval)


@dataclass
class Telegram:
    """The running Telegram tasks, and in webhook mode the dispatcher the webhook route feeds."""

    bot: Bot | None = None
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    dispatcher: Dispatcher | None = None
    seen: Updates = field(default_factory=SeenUpdates)
    wakeup: asyncio.Event | None = None
    """Wakes the notifier early (it runs when the counsellors' chat is configured)."""

    async def close(self) -> None:
        if self.bot is not None:
            await self.bot.session.close()
        close = getattr(self.seen, "aclose", None)
        if close is not None:
            await close()


async def _register(bot: Bot, settings: Settings) -> None:
    from bot.telegram.commands import register_commands

    try:
        await register_commands(bot, settings.default_language)
    except Exception as error:  # noqa: BLE001 - the menu is a convenience; chats work without it
        logger.warning("telegram.commands_not_set", error=type(error).__name__)


def start_telegram(settings: Settings, sessions: sessionmaker, conversations: Conversations | None = None) -> Telegram:
    """Start long polling (people's chats, counsellors' card buttons) and the notifier, when configured."""
    if settings.telegram_token is None:
        logger.info("telegram.off", reason="LOTSE_TELEGRAM_TOKEN is not set")
        return Telegram()
    from bot.notifier import Notifier
    from bot.telegram import create_dispatcher, make_bot

    bot = make_bot(settings)
    dispatcher = create_dispatcher(settings, sessions, conversations)
    running = Telegram(bot, seen=seen_updates(settings.redis_url, bot.id))
    running.tasks.append(asyncio.create_task(_register(bot, settings)))
    if settings.telegram_webhook_url:
        if settings.telegram_webhook_secret is None:
            raise SystemExit("LOTSE_TELEGRAM_WEBHOOK_SECRET is required with LOTSE_TELEGRAM_WEBHOOK_URL")
        running.dispatcher = dispatcher
        running.tasks.append(
            asyncio.create_task(
                bot.set_webhook(
                    settings.telegram_webhook_url,
                    secret_token=settings.telegram_webhook_secret.get_secret_value(),
                    drop_pending_updates=False,
                )
            )
        )
    elif settings.redis_url:  # several gateways may run: only the holder of the lease polls
        from bot.telegram.poller import PollerLease

        lease = PollerLease(settings.redis_url, bot.id)
        running.tasks.append(
            asyncio.create_task(
                lease.run(lambda: dispatcher.start_polling(bot, handle_signals=False, close_bot_session=False))
            )
        )
    else:
        running.tasks.append(
            asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False, close_bot_session=False))
        )
    if settings.counsellor_chat_id is not None:
        notifier = Notifier(
            sessions,
            bot,
            settings.counsellor_chat_id,
            settings.public_url,
            shows_contact=settings.card_shows_contact,
            office=WorkingHours.from_settings(settings),
        )
        running.wakeup = notifier.wakeup
        dispatcher["outbox_wakeup"] = notifier.wakeup  # a counsellor's message goes out at once
        running.tasks.append(asyncio.create_task(notifier.run()))
        running.tasks.append(asyncio.create_task(run_reminders(sessions, settings, notifier.wakeup)))
    else:
        logger.warning("notifier.off", reason="LOTSE_COUNSELLOR_CHAT_ID is not set")
    return running
