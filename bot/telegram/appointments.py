"""The person's answer to a proposed appointment in Telegram: the buttons "Passt" / "Anderer Termin"
under the counsellor's message (``bot.leads.appointments``).

The callback data (``appt:<token>:yes|other``, ``bot.leads.appointment_texts``) is read only from
a private chat, and counts only if the appointment belongs to the lead of that very chat; anything
else gets "this proposal is no longer valid" and changes nothing. What follows the answer — the
calendar file, "the counsellor will propose another", the answer in the counsellors' thread — goes
through the outbox (the notifier's retries). The pressed message of that person's proposal loses
its buttons (also when the proposal was void: they would not work again); forged data touches no
message.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Message
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from bot.i18n import resolve_language, translate
from bot.leads.appointment_texts import ALREADY_ANSWERED, ANSWER_PREFIX, NO_LONGER_VALID, parse_answer
from bot.leads.appointments import answer_proposal
from bot.settings import Settings

logger = structlog.get_logger(__name__)


def make_router() -> Router:
    """The router of the answer buttons (a new one per dispatcher: aiogram attaches a router once)."""
    router = Router(name="appointments")
    router.callback_query.register(on_answer, F.data.startswith(ANSWER_PREFIX))
    return router


async def on_answer(query: CallbackQuery, sessions: sessionmaker, settings: Settings) -> None:
    """ "Passt" or "Anderer Termin" pressed: the answer is stored and what follows is queued."""
    message = query.message
    parsed = parse_answer(query.data)
    fallback = resolve_language(query.from_user.language_code, settings.default_language)
    if parsed is None or message is None or message.chat.type != ChatType.PRIVATE:
        await query.answer(translate(fallback, NO_LONGER_VALID))
        return
    token, answer = parsed
    try:
        answered = await asyncio.to_thread(
            answer_proposal, sessions, f"tg:{message.chat.id}", token, answer, "telegram"
        )
    except SQLAlchemyError as error:  # the type only: errors carry parameters
        logger.error("appointment.answer_failed", error=type(error).__name__)
        await query.answer()  # the buttons stay: the person can press again
        return
    language = answered.language or fallback
    if not answered.ok:
        await query.answer(translate(language, ALREADY_ANSWERED if answered.reason == "answered" else NO_LONGER_VALID))
    else:
        await query.answer("✓")
    if answered.reason != "unknown" and isinstance(message, Message):  # (not one too old to edit)
        with contextlib.suppress(TelegramAPIError):  # the buttons only: the answer is stored
            await message.edit_reply_markup(reply_markup=None)
