"""Telegram (aiogram 3): the Bot pointed at the configured Bot API server, and the dispatcher."""

from __future__ import annotations

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from sqlalchemy.orm import sessionmaker

from bot.conversation import Conversations
from bot.settings import Settings


def make_bot(settings: Settings, timeout: float = 10.0) -> Bot:
    """A Bot for ``LOTSE_TELEGRAM_TOKEN`` talking to ``LOTSE_TELEGRAM_API_BASE``."""
    if settings.telegram_token is None:
        raise ValueError("LOTSE_TELEGRAM_TOKEN is not set")
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_base), timeout=timeout)
    return Bot(settings.telegram_token.get_secret_value(), session=session)


def create_dispatcher(
    settings: Settings, sessions: sessionmaker, conversations: Conversations | None = None
) -> Dispatcher:
    """The dispatcher with every router; dependencies reach handlers as workflow data.

    Without ``conversations`` only the counsellors' card buttons and the people's answers to a
    proposed appointment are handled.
    """
    from bot.telegram.appointments import make_router as appointments
    from bot.telegram.chat import Payloads
    from bot.telegram.chat import make_router as chat
    from bot.telegram.counsellors import make_router as counsellors

    dispatcher = Dispatcher(settings=settings, sessions=sessions, conversations=conversations, payloads=Payloads())
    dispatcher.include_router(counsellors())
    dispatcher.include_router(appointments())
    if conversations is not None:
        dispatcher.include_router(chat())
    return dispatcher
