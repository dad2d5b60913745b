"""People chatting with Lotse in Telegram: text, button presses, commands, a shared phone number.

Every message goes through the same ``Conversations`` as the web chat (sender ``tg:<chat id>``,
language from the user's ``language_code`` — the conversation keeps a choice made in the chat).
Texts are sent without a parse mode, so nothing a user or a translation writes is interpreted as
markup; long texts are split below Telegram's limit; buttons become inline keyboards whose
callbacks carry the button's payload. A tap counts only if Lotse offered that button in its last
answer (``Conversations.press``); forged or outdated callback data is answered with a short notice
and changes nothing. Typed text — commands included — goes through ``Conversations.handle``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator
from typing import Any

import structlog
from aiogram import Bot, F, Router
from aiogram.enums import ChatAction, ChatType
from aiogram.exceptions import TelegramAPIError, TelegramRetryAfter
from aiogram.filters import Command, CommandStart
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from bot.conversation import BUTTON_EXPIRED, Conversations, Outcome
from bot.engine import Button
from bot.i18n import N_, resolve_language, translate
from bot.leads.appointment_texts import ANSWER_PREFIX
from bot.protocol import SHARE_CONTACT_PAYLOAD, SHARE_NUMBER
from bot.settings import Settings

logger = structlog.get_logger(__name__)

TELEGRAM_LIMIT = 4096
SPLIT_AT = 3800
RETRY_AFTER_CAP = 60
"""Longest wait (seconds) for Telegram's flood control before an answer is given up."""
SEND_ATTEMPTS = 3
TYPING_AFTER = 0.3
"""Seconds before "typing…" shows: quick answers (and refused floods) cost no extra request."""
TYPING_EVERY = 4.5
"""Telegram shows the typing indicator for 5 s."""
ONLY_TEXT = N_("Ich kann bisher nur Text lesen. Schreib mir bitte, was du wissen möchtest.")


class Payloads:
    """Callback data for button payloads: the payload itself, or a short hash key for payloads
    longer than Telegram's 64 bytes. A tap is read back against the buttons Lotse offered, so no
    table of keys is needed and every gateway instance reads any key."""

    @staticmethod
    def pack(payload: str) -> str:
        if len(payload.encode()) <= 64:
            return payload
        return "p:" + hashlib.sha256(payload.encode()).hexdigest()[:24]

    def resolve(self, data: str, offered: frozenset[str]) -> str | None:
        """The offered payload behind callback ``data``; ``None`` if none of them is."""
        return next((payload for payload in offered if self.pack(payload) == data), None)


def split_text(text: str, limit: int = SPLIT_AT) -> list[str]:
    """Pieces below Telegram's limit, cut at paragraph, then line, then word boundaries."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = max(rest.rfind("\n\n", 0, limit), rest.rfind("\n", 0, limit), rest.rfind(" ", 0, limit))
        cut = cut if cut > limit // 2 else limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return pieces + ([rest] if rest else [])


def _keyboard(
    buttons: list[Button], payloads: Payloads, language: str
) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | None:
    if not buttons:
        return None
    if any(b["payload"] == SHARE_CONTACT_PAYLOAD for b in buttons):
        return ReplyKeyboardMarkup(
            keyboard=[[KeyboardButton(text=translate(language, SHARE_NUMBER), request_contact=True)]],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
    rows: list[list[InlineKeyboardButton]] = []
    for button in buttons:
        item = InlineKeyboardButton(text=button["title"][:64], callback_data=payloads.pack(button["payload"]))
        if rows and len(rows[-1]) == 1 and len(button["title"]) <= 14 and len(rows[-1][0].text) <= 14:
            rows[-1].append(item)
        else:
            rows.append([item])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _asked_wait(state: RetryCallState) -> int:
    """The seconds Telegram's 429 of the last attempt asks to wait."""
    error = state.outcome.exception() if state.outcome is not None else None
    return error.retry_after if isinstance(error, TelegramRetryAfter) else 0


def _waiting(state: RetryCallState) -> None:
    logger.warning("telegram.retry_after", retry_after=_asked_wait(state))


async def send(bot: Bot, chat_id: int, text: str, **kwargs: Any) -> None:
    """``sendMessage``, waiting as long as Telegram's 429 ``retry_after`` asks (up to a minute)."""
    retrying = AsyncRetrying(
        stop=stop_after_attempt(SEND_ATTEMPTS),
        wait=_asked_wait,
        before_sleep=_waiting,
        reraise=True,
        retry=retry_if_exception(lambda e: isinstance(e, TelegramRetryAfter) and e.retry_after <= RETRY_AFTER_CAP),
    )
    try:
        async for attempt in retrying:
            with attempt:
                await bot.send_message(chat_id, text, **kwargs)
    except TelegramRetryAfter as error:
        logger.error("telegram.flood_control", retry_after=error.retry_after)
        raise


async def show(bot: Bot, chat_id: int, outcome: Outcome, payloads: Payloads) -> None:
    """Send an outcome's messages, with their buttons on the last piece of each.

    A refused flood is answered once, not once per message (``Outcome.quiet``).
    """
    if outcome.quiet:
        return
    for message in outcome.messages:
        pieces = split_text(message.text) or [""]
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            markup = _keyboard(message.buttons, payloads, outcome.language) if last else None
            await send(bot, chat_id, piece, reply_markup=markup)


def _language(message: Message | CallbackQuery) -> str | None:
    user = message.from_user
    return user.language_code if user is not None else None


async def _answer(
    bot: Bot, chat_id: int, text: str, language: str | None, conversations: Conversations, payloads: Payloads
) -> None:
    """Typed text (commands included) → the answer in the chat."""
    async with _typing_while(bot, chat_id):
        outcome = await conversations.handle(f"tg:{chat_id}", text, language, "telegram")
    await show(bot, chat_id, outcome, payloads)


@contextlib.asynccontextmanager
async def _typing_while(bot: Bot, chat_id: int) -> AsyncIterator[None]:
    typing = asyncio.create_task(_typing(bot, chat_id))
    try:
        yield
    finally:
        typing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await typing


async def _typing(bot: Bot, chat_id: int) -> None:
    """ "typing…" while the engine thinks, renewed until the answer is there."""
    await asyncio.sleep(TYPING_AFTER)
    while True:
        with contextlib.suppress(TelegramAPIError):  # only a hint: never let it break the answer
            await bot.send_chat_action(chat_id, ChatAction.TYPING)
        await asyncio.sleep(TYPING_EVERY)


async def on_command(message: Message, bot: Bot, conversations: Conversations, payloads: Payloads) -> None:
    """``/start [source]`` (``t.me/<bot>?start=<source>``: the source goes with the lead),
    ``/language``, ``/help``, ``/delete``, ``/privacy``: ``Conversations`` knows them all."""
    await _answer(bot, message.chat.id, message.text or "", _language(message), conversations, payloads)


async def on_text(message: Message, bot: Bot, conversations: Conversations, payloads: Payloads) -> None:
    await _answer(bot, message.chat.id, message.text or "", _language(message), conversations, payloads)


async def on_contact(message: Message, bot: Bot, conversations: Conversations, payloads: Payloads) -> None:
    """A phone number shared with the button: only the person's own number is taken."""
    contact = message.contact
    own = contact is not None and message.from_user is not None and contact.user_id == message.from_user.id
    if not own or contact is None:
        await on_other(message, bot, conversations, payloads)
        return
    await send(bot, message.chat.id, "✓", reply_markup=ReplyKeyboardRemove())
    number = contact.phone_number.strip()
    number = number if number.startswith("+") else "+" + number  # Telegram often leaves out the +
    await _answer(bot, message.chat.id, number, _language(message), conversations, payloads)


async def on_other(
    message: Message, bot: Bot, conversations: Conversations, payloads: Payloads, settings: Settings | None = None
) -> None:
    """Voice notes, photos, stickers, documents …: a kind word that only text works for now."""
    language = resolve_language(_language(message), settings.default_language if settings else "de")
    throttled = await conversations.throttle(f"tg:{message.chat.id}", language, "telegram")
    if throttled is not None:
        await show(bot, message.chat.id, throttled, payloads)
        return
    await send(bot, message.chat.id, translate(language, ONLY_TEXT))


async def on_button(query: CallbackQuery, bot: Bot, conversations: Conversations, payloads: Payloads) -> None:
    """A tap on an inline button: its payload, if Lotse offered that button in its last answer.

    Forged callback data, or a button of an older answer, is refused with a short notice on the
    tap (``answerCallbackQuery``) and changes nothing.
    """
    if query.message is None:
        await query.answer()
        return
    chat_id = query.message.chat.id
    sender = f"tg:{chat_id}"
    payload = payloads.resolve(query.data or "", await conversations.offered(sender))
    if payload is None:
        logger.warning("chat.payload_refused", channel="telegram")
        language = await conversations.language_for(sender, _language(query))
        await query.answer(text=translate(language, BUTTON_EXPIRED))
        return
    await query.answer()  # at once: the engine may take a moment
    async with _typing_while(bot, chat_id):
        outcome = await conversations.press(sender, payload, _language(query), "telegram")
    if outcome is not None:
        await show(bot, chat_id, outcome, payloads)


def make_router() -> Router:
    """The people's chat router (private chats only)."""
    router = Router(name="chat")
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.message.register(on_command, CommandStart())
    router.message.register(on_command, Command("language", "help", "delete", "privacy"))
    router.message.register(on_contact, F.contact)
    router.message.register(on_text, F.text)
    router.message.register(on_other)
    router.callback_query.register(on_button, ~F.data.startswith("lead:"), ~F.data.startswith(ANSWER_PREFIX))
    return router
