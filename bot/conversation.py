"""One user message, whatever the channel: clean it, check it, ask the engine, mind the language.

Every channel (the web chat, Telegram) hands a message to :meth:`Conversations.handle` and shows
the :class:`Outcome`. Besides passing the text to the engine this

- answers bad input kindly in the user's language instead of sending it (``bot.inbound``);
- detects the message's language (``bot.langid``) and sends the detection along, so that
  ``action_extract_language`` can switch a conversation when the detection is sure;
- when the detection is unsure, adds one question with two buttons ("Shall we continue in
  Українська?") — at most once per conversation and language.

To judge, it needs the conversation's current language: it keeps the last one it learned per
conversation (bounded), and asks the engine's tracker only when it does not know.
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import structlog
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from bot.engine import BotMessage, Button, Engine, EngineUnavailable
from bot.i18n import LANGUAGES, N_, is_rtl, resolve_language, translate
from bot.inbound import Rejection, check_text, clean_text
from bot.leads.service import erase_conversation
from bot.ratelimit import RateLimiter
from bot.settings import Settings
from bot.langid import (
    SUGGESTION,
    SUGGESTION_NO,
    SUGGESTION_YES,
    Detection,
    Verdict,
    detect,
    judge,
)

logger = structlog.get_logger(__name__)

SHARE_CONTACT_PAYLOAD = "/share_contact"
"""A button with this payload is Telegram's "share my phone number" button (other channels drop it)."""
SHARE_NUMBER = N_("Meine Nummer teilen")

K = TypeVar("K")
V = TypeVar("V")


class _Bounded(Generic[K, V]):
    """A small LRU map, so that memory stays flat however many people chat."""

    def __init__(self, size: int) -> None:
        self._items: OrderedDict[K, V] = OrderedDict()
        self._size = size

    def get(self, key: K) -> V | None:
        if key not in self._items:
            return None
        self._items.move_to_end(key)
        return self._items[key]

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)


@dataclass
class Outcome:
    """What to show the user for one message."""

    messages: list[BotMessage]
    language: str
    status: int = 200
    rejection: Rejection | None = None
    detected: Detection = field(default_factory=lambda: Detection(None))
    erased: bool = False
    """Everything about the conversation was deleted: a channel should forget its session id."""
    retry_after: int | None = None
    """Over the rate limit: seconds until the next message is taken."""
    quiet: bool = False
    """The user was already told this (a flood): channels that push messages stay silent."""

    @property
    def direction(self) -> str:
        """``rtl`` or ``ltr``, for the channel's layout."""
        return "rtl" if is_rtl(self.language) else "ltr"


def change_language_payload(code: str) -> str:
    """The payload of a button that switches to language ``code``."""
    return "/change_language" + json.dumps({"language": code})


def suggestion(detected: str, current: str) -> BotMessage:
    """ "Shall we continue in <detected>?", asked in the detected language, with two buttons."""
    new, old = LANGUAGES[detected].endonym, LANGUAGES[current].endonym
    buttons: list[Button] = [
        {"title": translate(detected, SUGGESTION_YES, language=new),
         "payload": change_language_payload(detected)},
        {"title": translate(detected, SUGGESTION_NO, language=old),
         "payload": change_language_payload(current)},
    ]
    return BotMessage(text=translate(detected, SUGGESTION, language=new), buttons=buttons)


class Conversations:
    """The channels' way into the engine."""

    def __init__(self, engine: Engine, default_language: str, max_chars: int,
                 sessions: sessionmaker | None = None, remembered: int = 50_000,
                 limiter: RateLimiter | None = None) -> None:
        self.engine = engine
        self._limiter = limiter
        self._sessions = sessions
        self._default = default_language
        self._max_chars = max_chars
        self._languages: _Bounded[str, tuple[str, str]] = _Bounded(remembered)
        """sender → (channel language it came with, conversation language)."""
        self._offered: _Bounded[tuple[str, str], bool] = _Bounded(remembered)

    @classmethod
    def from_settings(cls, engine: Engine, settings: Settings,
                      sessions: sessionmaker | None = None) -> Conversations:
        """Default language, size cap and rate limit as configured."""
        limiter = RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
        return cls(engine, settings.default_language, settings.max_message_chars,
                   sessions=sessions, limiter=limiter)

    def _rejected(self, rejection: Rejection, language: str, status: int) -> Outcome:
        text = rejection.text(language, self._max_chars)
        return Outcome([BotMessage(text=text)], language, status, rejection)

    def _remembered(self, sender: str, channel_language: str) -> str | None:
        known = self._languages.get(sender)
        return known[1] if known is not None and known[0] == channel_language else None

    async def _current_language(self, sender: str, channel_language: str) -> str:
        remembered = self._remembered(sender, channel_language)
        if remembered is not None:
            return remembered
        slots = await self.engine.conversation_slots(sender)
        if slots.get("channel_language") != channel_language:
            # action_extract_language will adopt the channel's (new) language first
            return resolve_language(channel_language, self._default)
        return resolve_language(slots.get("language") or channel_language, self._default)

    async def _erase(self, sender: str, messages: list[BotMessage], language: str) -> Outcome:
        """Delete the conversation now that Rasa has stored this turn (see actions/handoff.py)."""
        self._languages.put(sender, ("", language))
        if self._sessions is None:
            logger.error("erase.no_database")
            return self._rejected(Rejection.NO_ANSWER, language, 503)
        try:
            await asyncio.to_thread(erase_conversation, self._sessions, sender)
        except SQLAlchemyError as error:
            # the type only: database errors carry the statement's parameters (personal data)
            logger.error("erase.failed", error=type(error).__name__)
            return self._rejected(Rejection.NO_ANSWER, language, 503)
        return Outcome(list(messages), language, erased=True)

    def throttle(self, sender: str, language: str, channel: str) -> Outcome | None:
        """Count one message of ``sender``: the kind refusal if it is over the rate limit.

        ``handle`` calls this; channels call it themselves for what never reaches the engine
        (Telegram's photos and voice notes), so that no kind of message escapes the limit.
        """
        limited = self._limiter.take(sender) if self._limiter is not None else None
        if limited is None:
            return None
        if limited.first:
            logger.info("chat.rate_limited", channel=channel, retry_after=limited.retry_after)
        outcome = self._rejected(Rejection.TOO_FAST, self._remembered(sender, language) or language, 429)
        outcome.retry_after, outcome.quiet = limited.retry_after, not limited.first
        return outcome

    async def handle(self, sender: str, raw_text: str, channel_language: str | None,
                     channel: str, source: str | None = None) -> Outcome:
        """Answer one message of ``sender`` (``web:<uuid>``, ``tg:<chat id>``).

        ``source`` is where the person came from (a deep link, the widget's start payload); it
        becomes the lead's source.
        """
        language = resolve_language(channel_language, self._default)
        throttled = self.throttle(sender, language, channel)
        if throttled is not None:
            return throttled
        text = clean_text(raw_text)
        rejection = check_text(text, self._max_chars)
        if rejection is not None:
            logger.info("chat.rejected", reason=rejection.name, length=len(text), channel=channel)
            return self._rejected(rejection, language, 400)
        detection = detect(text)
        worth_judging = judge(detection, text, None) is not Verdict.KEEP
        before = await self._current_language(sender, language) if worth_judging else None
        try:
            reply = await self.engine.send(
                sender, text, language, channel,
                detected=detection.as_metadata() if detection.language else None, source=source,
            )
        except EngineUnavailable:
            return self._rejected(Rejection.ENGINE_DOWN, before or language, 503)
        if not reply.messages:
            logger.warning("chat.no_answer", channel=channel)
            return self._rejected(Rejection.NO_ANSWER, reply.language or before or language, 503)

        if reply.erase:
            return await self._erase(sender, reply.messages, reply.language or before or language)
        current = reply.language or before or self._remembered(sender, language)
        messages = list(reply.messages)
        if before is not None and reply.language is None:
            verdict = judge(detection, text, before)
            if verdict is Verdict.SWITCH and detection.language:
                current = detection.language  # action_extract_language switched, by the same rule
            elif verdict is Verdict.ASK and detection.language:
                key = (sender, detection.language)
                if not self._offered.get(key):
                    self._offered.put(key, True)
                    messages.append(suggestion(detection.language, before))
                    logger.info("chat.language_offered", language=detection.language, channel=channel)
        if current is not None:
            self._languages.put(sender, (language, current))
        return Outcome(messages, current or language, detected=detection)
