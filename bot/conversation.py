"""One user message, whatever the channel: clean it, check it, ask the engine, mind the language.

Every channel (the web chat, Telegram) hands typed text to :meth:`Conversations.handle` and a
pressed button to :meth:`Conversations.press`, and shows the :class:`Outcome`. The two never mix:

- **Typed text is text.** Rasa reads a message that starts with ``/`` as an intent with entities
  (``/request_counsellor{"consent": "contact"}``), so typed text never reaches the engine that
  way: the documented commands (``/start``, ``/help``, ``/language``, ``/privacy``, ``/delete``)
  map to their intents, any other leading ``/`` is dropped.
- **A payload counts only if Lotse offered it**: the buttons of the last answer to this
  conversation (``bot.buttons``). Anything else is refused, logged without its content, and the
  channel handles it as text (web) or answers the tap with a short notice (Telegram).
- The engine learns which it was (``metadata.input``: ``text``, ``button``, ``command``), so an
  action can insist on a pressed button (consent, ``actions/handoff/consent.py``).

While a counsellor holds the conversation (``bot.leads.relay``), typed text goes to the
counsellor instead, and Lotse stays silent (``Outcome.relayed``); commands and Lotse's own buttons
still reach Lotse.

Besides passing the message to the engine this

- answers bad input kindly in the user's language instead of sending it (``bot.inbound``);
- detects the message's language (``bot.langid``) and sends the detection along, so that
  ``action_validate_slot_mappings`` can switch a conversation when the detection is sure;
- when the detection is unsure, adds one question with two buttons ("Shall we continue in
  Українська?") — at most once per conversation and language.

To judge, it needs the conversation's current language: it keeps the last one it learned per
conversation (``bot.remembered``: in memory, or in Redis shared by every gateway), and asks the
engine's tracker only when it does not know.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass, field

import structlog
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from bot.buttons import MemoryOfferedButtons, OfferedButtons, offered_buttons
from bot.engine import BotMessage, Button, Engine, EngineUnavailable
from bot.i18n import LANGUAGES, N_, resolve_language, text_direction, translate
from bot.inbound import Rejection, check_text, clean_text
from bot.langid import (
    SUGGESTION,
    SUGGESTION_NO,
    SUGGESTION_YES,
    Detection,
    Verdict,
    detect,
    judge,
)
from bot.leads.erasure import erase_conversation
from bot.leads.relay import take_from_person
from bot.metrics import observe_language_suggestion, observe_turn
from bot.ratelimit import SenderLimit, rate_limit
from bot.remembered import MemoryRememberedLanguages, RememberedLanguages, remembered_languages
from bot.settings import Settings

logger = structlog.get_logger(__name__)

PRIVACY = N_("So gehen wir mit deinen Daten um: {privacy_url}")
BUTTON_EXPIRED = N_("Diese Taste gilt nicht mehr. Nimm bitte die Tasten unter meiner letzten Nachricht.")

COMMANDS = {"start": "/greet", "help": "/help", "language": "/change_language", "delete": "/delete_my_data"}
"""Typed commands (Telegram's menu, and the same typed anywhere) → the payload they stand for.
``/privacy`` is answered by the gateway itself (the link to the notice)."""
PRIVACY_COMMAND = "privacy"
_COMMAND = re.compile(r"/(?P<name>[A-Za-z]+)(?:@\w+)?(?:\s+(?P<argument>\S.*))?", re.DOTALL)
SOURCE = re.compile(r"[A-Za-z0-9_.-]{1,64}")


@dataclass(frozen=True)
class Command:
    """A documented command the person typed."""

    name: str
    argument: str = ""

    @property
    def payload(self) -> str | None:
        """What the engine gets; ``None`` for ``/privacy`` (the gateway answers it)."""
        if self.name == "language" and self.argument in LANGUAGES:
            return change_language_payload(self.argument)
        return COMMANDS.get(self.name)

    @property
    def source(self) -> str | None:
        """``/start <source>`` (a Telegram deep link): where the person came from."""
        return self.argument if self.name == "start" and SOURCE.fullmatch(self.argument) else None


def command_of(text: str) -> Command | None:
    """The documented command ``text`` is, if it is one."""
    match = _COMMAND.fullmatch(text.strip())
    if match is None or match["name"].lower() not in {*COMMANDS, PRIVACY_COMMAND}:
        return None
    return Command(match["name"].lower(), (match["argument"] or "").strip())


_PAYLOAD_SHAPED = re.compile(r"/+\s*(?P<intent>[A-Za-z_]+)\s*(?:\{.*\})?(?:@[\w.]*)?", re.DOTALL)


def payload_shaped(text: str) -> bool:
    """Whether typed ``text`` looks like a button payload (``/intent{…}``) rather than words."""
    return _PAYLOAD_SHAPED.fullmatch(text.strip()) is not None


def as_text(text: str) -> str:
    """Typed text as the engine must read it: as words, never as an intent with entities.

    Rasa takes a leading ``/`` for an intent. Text shaped like a payload
    (``/request_counsellor{"consent": "contact"}``) keeps only its words ("request counsellor"):
    what the person seems to want is understood as if written, and what they put between braces
    (entities, slot values) is dropped. Any other leading ``/`` is dropped.
    """
    shaped = _PAYLOAD_SHAPED.fullmatch(text.strip())
    if shaped is not None:
        return shaped["intent"].replace("_", " ").strip()
    return text.lstrip().lstrip("/").lstrip()


@dataclass
class Outcome:
    """What to show the user for one message."""

    messages: list[BotMessage]
    language: str
    status: int = 200
    rejection: Rejection | None = None
    detected: Detection = field(default_factory=lambda: Detection(None))
    erased: bool = False
    """Everything about the conversation was deleted: a channel should forget its chat id."""
    retry_after: int | None = None
    """Over the rate limit: seconds until the next message is taken."""
    quiet: bool = False
    """The user was already told this (a flood): channels that push messages stay silent."""
    relayed: bool = False
    """The message went to the counsellor who holds the conversation; Lotse says nothing."""

    @property
    def direction(self) -> str:
        """``rtl`` or ``ltr``, for the channel's layout."""
        return text_direction(self.language)


def _outcome_name(outcome: Outcome) -> str:
    """``ok``, or the rejection's name (``engine_down``, ``no_answer``), for ``/metrics``."""
    return outcome.rejection.name.lower() if outcome.rejection is not None else "ok"


def change_language_payload(code: str) -> str:
    """The payload of a button that switches to language ``code``."""
    return "/change_language" + json.dumps({"language": code})


def suggestion(detected: str, current: str) -> BotMessage:
    """ "Shall we continue in <detected>?", asked in the detected language, with two buttons."""
    new, old = LANGUAGES[detected].endonym, LANGUAGES[current].endonym
    buttons: list[Button] = [
        {"title": translate(detected, SUGGESTION_YES, language=new), "payload": change_language_payload(detected)},
        {"title": translate(detected, SUGGESTION_NO, language=old), "payload": change_language_payload(current)},
    ]
    return BotMessage(text=translate(detected, SUGGESTION, language=new), buttons=buttons)


class Conversations:
    """The channels' way into the engine."""

    def __init__(
        self,
        engine: Engine,
        default_language: str,
        max_chars: int,
        sessions: sessionmaker | None = None,
        remembered: int = 50_000,
        limiter: SenderLimit | None = None,
        offered: OfferedButtons | None = None,
        languages: RememberedLanguages | None = None,
        public_url: str = "http://localhost:8080",
        relay_quiet_minutes: int = 60,
    ) -> None:
        self.engine = engine
        self._limiter = limiter
        self._offered_buttons = offered or MemoryOfferedButtons(remembered)
        self._public_url = public_url.rstrip("/")
        self._sessions = sessions
        self._relay_quiet_minutes = relay_quiet_minutes
        self._default = default_language
        self._max_chars = max_chars
        self._languages = languages or MemoryRememberedLanguages(remembered)
        """sender → (channel language it came with, conversation language), and the switches offered."""

    @classmethod
    def from_settings(cls, engine: Engine, settings: Settings, sessions: sessionmaker | None = None) -> Conversations:
        """Default language, size cap and rate limit as configured."""
        limiter = rate_limit(settings.redis_url, settings.rate_limit_per_minute, settings.rate_limit_burst)
        retention = settings.conversation_retention_days * 86_400
        offered = offered_buttons(settings.redis_url, retention)
        languages = remembered_languages(settings.redis_url, retention)
        return cls(
            engine,
            settings.default_language,
            settings.max_message_chars,
            sessions=sessions,
            limiter=limiter,
            offered=offered,
            languages=languages,
            public_url=settings.public_url,
            relay_quiet_minutes=settings.relay_quiet_minutes,
        )

    def _rejected(self, rejection: Rejection, language: str, status: int) -> Outcome:
        text = rejection.text(language, self._max_chars)
        return Outcome([BotMessage(text=text)], language, status, rejection)

    async def _remembered(self, sender: str, channel_language: str) -> str | None:
        known = await self._languages.language(sender)
        return known[1] if known is not None and known[0] == channel_language else None

    async def _current_language(self, sender: str, channel_language: str) -> str:
        remembered = await self._remembered(sender, channel_language)
        if remembered is not None:
            return remembered
        slots = await self.engine.conversation_slots(sender)
        if slots.get("channel_language") != channel_language:
            # action_validate_slot_mappings will adopt the channel's (new) language first
            return resolve_language(channel_language, self._default)
        return resolve_language(slots.get("language") or channel_language, self._default)

    async def _erase(self, sender: str, messages: list[BotMessage], language: str) -> Outcome:
        """Delete the conversation now that Rasa has stored this turn (see actions/handoff/rights.py)."""
        await self._languages.remember(sender, "", language)
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

    async def throttle(self, sender: str, language: str, channel: str) -> Outcome | None:
        """Count one message of ``sender``: the kind refusal if it is over the rate limit.

        ``handle`` calls this; channels call it themselves for what never reaches the engine
        (Telegram's photos and voice notes), so that no kind of message escapes the limit.
        """
        limited = await self._limiter.take(sender) if self._limiter is not None else None
        if limited is None:
            return None
        if limited.first:
            logger.info("chat.rate_limited", channel=channel, retry_after=limited.retry_after)
        outcome = self._rejected(Rejection.TOO_FAST, await self._remembered(sender, language) or language, 429)
        outcome.retry_after, outcome.quiet = limited.retry_after, not limited.first
        return outcome

    async def aclose(self) -> None:
        """Close the shared-state connection (Redis), if any."""
        for state in (self._offered_buttons, self._limiter, self._languages):
            close = getattr(state, "aclose", None)
            if close is not None:
                await close()

    async def language_for(self, sender: str, channel_language: str | None) -> str:
        """The conversation's language as far as the gateway knows it (for its own short notices)."""
        language = resolve_language(channel_language, self._default)
        return await self._remembered(sender, language) or language

    async def offered(self, sender: str) -> frozenset[str]:
        """The payloads ``sender`` may press now: the buttons of Lotse's last answer."""
        known = await self._offered_buttons.offered(sender)
        if known is None:  # a restart without Redis: the engine's tracker still knows
            known = await self.engine.last_buttons(sender)
            if known is not None:
                await self._offered_buttons.remember(sender, known)
        return known or frozenset()

    async def handle(
        self, sender: str, raw_text: str, channel_language: str | None, channel: str, source: str | None = None
    ) -> Outcome:
        """Answer one typed message of ``sender`` (``web:<uuid>``, ``tg:<chat id>``).

        ``source`` is where the person came from (a deep link, the widget's start payload); it
        becomes the lead's source. Typed text is always text: a documented command maps to its
        intent, any other leading ``/`` is dropped (see the module's docstring).
        """
        language = resolve_language(channel_language, self._default)
        throttled = await self.throttle(sender, language, channel)
        if throttled is not None:
            return throttled
        text = clean_text(raw_text)
        command = command_of(text)
        if command is not None:
            return await self._command(sender, command, language, channel, source)
        shaped = payload_shaped(text)
        text = as_text(text)
        rejection = check_text(text, self._max_chars)
        if rejection is not None:
            logger.info("chat.rejected", reason=rejection.name, length=len(text), channel=channel)
            return self._rejected(rejection, language, 400)
        if not shaped and await self._relayed(sender, text, channel):
            return Outcome([], await self._remembered(sender, language) or language, relayed=True)
        # a payload's words ("request counsellor") say nothing about the person's language
        detection = Detection(None) if shaped else detect(text)
        return await self._turn(sender, text, language, channel, source, "text", detection)

    async def _relayed(self, sender: str, text: str, channel: str) -> bool:
        """Pass typed text to the counsellor who holds the conversation, if one does."""
        if self._sessions is None:
            return False
        try:
            return await asyncio.to_thread(
                take_from_person, self._sessions, sender, text, channel, self._relay_quiet_minutes
            )
        except SQLAlchemyError as error:  # Lotse answers rather than nobody
            logger.error("relay.failed", error=type(error).__name__)
            return False

    async def press(
        self, sender: str, payload: str, channel_language: str | None, channel: str, source: str | None = None
    ) -> Outcome | None:
        """Answer a pressed button; ``None`` if Lotse did not offer ``payload`` to ``sender``.

        A refused payload is logged without its content and changes nothing: the channel then
        treats the press as text, or tells the person the button is no longer valid.
        """
        language = resolve_language(channel_language, self._default)
        throttled = await self.throttle(sender, language, channel)
        if throttled is not None:
            return throttled
        if payload not in await self.offered(sender):
            logger.warning("chat.payload_refused", channel=channel)
            return None
        return await self._turn(sender, payload, language, channel, source, "button", Detection(None))

    async def _command(self, sender: str, command: Command, language: str, channel: str, source: str | None) -> Outcome:
        payload = command.payload
        if payload is None:  # /privacy
            current = await self._remembered(sender, language) or language
            url = f"{self._public_url}/privacy?lang={current}"
            return Outcome([BotMessage(text=translate(current, PRIVACY, privacy_url=url))], current)
        return await self._turn(
            sender, payload, language, channel, source or command.source, "command", Detection(None)
        )

    async def _turn(
        self,
        sender: str,
        message: str,
        language: str,
        channel: str,
        source: str | None,
        kind: str,
        detection: Detection,
    ) -> Outcome:
        """Send ``message`` (text, an offered payload, or a command's payload) and shape the
        answer; counted for ``/metrics`` (``bot.metrics``) by channel, language and outcome."""
        started = time.perf_counter()
        outcome = await self._exchange(sender, message, language, channel, source, kind, detection)
        observe_turn(channel, outcome.language, time.perf_counter() - started, _outcome_name(outcome))
        return outcome

    async def _exchange(
        self,
        sender: str,
        message: str,
        language: str,
        channel: str,
        source: str | None,
        kind: str,
        detection: Detection,
    ) -> Outcome:
        worth_judging = kind == "text" and judge(detection, message, None) is not Verdict.KEEP
        before = await self._current_language(sender, language) if worth_judging else None
        try:
            reply = await self.engine.send(
                sender,
                message,
                language,
                channel,
                detected=detection.as_metadata() if detection.language else None,
                source=source,
                kind=kind,
            )
        except EngineUnavailable:
            return self._rejected(Rejection.ENGINE_DOWN, before or language, 503)
        if not reply.messages:
            logger.warning("chat.no_answer", channel=channel)
            return self._rejected(Rejection.NO_ANSWER, reply.language or before or language, 503)

        if reply.erase:
            await self._offered_buttons.remember(sender, ())
            return await self._erase(sender, reply.messages, reply.language or before or language)
        current = reply.language or before or await self._remembered(sender, language)
        messages = list(reply.messages)
        if before is not None and reply.language is None:
            verdict = judge(detection, message, before)
            if verdict is Verdict.SWITCH and detection.language:
                current = detection.language  # action_validate_slot_mappings switched, by the same rule
            elif (
                verdict is Verdict.ASK
                and detection.language
                and await self._languages.offer_once(sender, detection.language)  # once per language
            ):
                messages.append(suggestion(detection.language, before))
                logger.info("chat.language_offered", language=detection.language, channel=channel)
                observe_language_suggestion(channel, detection.language)
        if current is not None:
            await self._languages.remember(sender, language, current)
        await self._offered_buttons.remember(sender, [b["payload"] for m in messages for b in m.buttons])
        return Outcome(messages, current or language, detected=detection)
