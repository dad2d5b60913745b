"""The engine adapter: how the bot talks to Rasa's REST channel.

``POST {LOTSE_ENGINE_URL}/webhooks/rest/webhook`` with ``sender``, ``message`` and
``metadata{language, channel}`` (DESIGN.md), plus ``metadata.detected`` (the language the
gateway detected, see ``bot.langid``). Rasa answers with a list of messages; a custom
message ``{"lotse_language": code}`` tells us the conversation switched language. The
conversation's language can also be read from the tracker (HTTP API, behind the token).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypedDict
from urllib.parse import quote

import httpx
import structlog

from bot.protocol import ERASE_CUSTOM_KEY, LANGUAGE_CUSTOM_KEY

logger = structlog.get_logger(__name__)


class Button(TypedDict):
    """A quick reply of a bot message."""

    title: str
    payload: str


@dataclass
class BotMessage:
    """One message of the bot to show to the user."""

    text: str
    buttons: list[Button] = field(default_factory=list)


@dataclass
class EngineReply:
    """Everything the engine answered to one user message."""

    messages: list[BotMessage]
    language: str | None = None
    """The conversation's language, when the engine switched it during this turn."""
    erase: bool = False
    """The person asked to delete their data: erase the conversation once this turn is stored."""


class EngineUnavailable(Exception):
    """The engine did not answer, or answered with an error."""


def parse_reply(payload: Any) -> EngineReply:
    """Turn Rasa's REST answer into an ``EngineReply``; junk items are skipped."""
    messages: list[BotMessage] = []
    language: str | None = None
    erase = False
    if not isinstance(payload, list):
        raise EngineUnavailable("the engine answered with something other than a list")
    for item in payload:
        if not isinstance(item, dict):
            continue
        custom = item.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get(LANGUAGE_CUSTOM_KEY), str):
            language = custom[LANGUAGE_CUSTOM_KEY]
        if isinstance(custom, dict) and custom.get(ERASE_CUSTOM_KEY) is True:
            erase = True
        text = item.get("text")
        if not isinstance(text, str) or not text:
            continue
        buttons: list[Button] = [
            {"title": str(b["title"]), "payload": str(b["payload"])}
            for b in item.get("buttons") or []
            if isinstance(b, dict) and "title" in b and "payload" in b
        ]
        messages.append(BotMessage(text=text, buttons=buttons))
    return EngineReply(messages=messages, language=language, erase=erase)


class Engine:
    """Client of the engine's REST channel (one ``httpx.AsyncClient`` per process)."""

    def __init__(self, base_url: str, timeout: float = 30.0, token: str | None = None) -> None:
        self._client = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout)
        self._token = token

    async def send(
        self,
        sender: str,
        text: str,
        language: str,
        channel: str,
        detected: dict[str, Any] | None = None,
        source: str | None = None,
        kind: str = "text",
    ) -> EngineReply:
        """Send one user message and return the engine's reply.

        ``kind`` travels as ``metadata.input``: ``text`` (typed), ``button`` (a payload Lotse
        offered and the person pressed) or ``command`` (``/start``, ``/help`` …). Actions that
        must only follow a pressed button (consent) check it.
        """
        metadata: dict[str, Any] = {"language": language, "channel": channel, "input": kind}
        if detected is not None:
            metadata["detected"] = detected
        if source:
            metadata["source"] = source[:64]
        body = {"sender": sender, "message": text, "metadata": metadata}
        try:
            response = await self._client.post("/webhooks/rest/webhook", json=body)
            response.raise_for_status()
            reply = parse_reply(response.json())
        except (httpx.HTTPError, ValueError) as error:
            logger.error("engine.unavailable", error=type(error).__name__, channel=channel)
            raise EngineUnavailable(str(type(error).__name__)) from error
        logger.info("engine.reply", channel=channel, messages=len(reply.messages))
        return reply

    async def _tracker(self, sender: str, include_events: str) -> dict[str, Any]:
        """The tracker of a conversation from the HTTP API (empty if the engine cannot tell)."""
        if self._token is None:
            return {}
        try:
            response = await self._client.get(
                f"/conversations/{quote(sender, safe=':')}/tracker",
                params={"include_events": include_events, "token": self._token},
            )
            response.raise_for_status()
            tracker = response.json()
        except (httpx.HTTPError, ValueError):
            logger.warning("engine.tracker_unavailable")
            return {}
        return tracker if isinstance(tracker, dict) else {}

    async def transcript(self, sender: str) -> list[tuple[str, str]]:
        """The messages of a conversation as (``user`` | ``bot``, text), oldest first."""
        events = (await self._tracker(sender, "ALL")).get("events") or []
        return [
            (str(e["event"]), str(e["text"]))
            for e in events
            if isinstance(e, dict) and e.get("event") in ("user", "bot") and e.get("text")
        ]

    async def last_buttons(self, sender: str) -> frozenset[str] | None:
        """The payloads of the buttons of the engine's last answer to ``sender``.

        ``None`` when the engine cannot tell (no token, not reachable); an empty set when the
        conversation is new or its last answer had no buttons.
        """
        tracker = await self._tracker(sender, "AFTER_RESTART")
        if not tracker:
            return None
        payloads: set[str] = set()
        for event in reversed(tracker.get("events") or []):
            if not isinstance(event, dict) or event.get("event") == "user":
                break
            if event.get("event") == "bot":
                buttons = (event.get("data") or {}).get("buttons") or []
                payloads |= {str(b["payload"]) for b in buttons if isinstance(b, dict) and "payload" in b}
        return frozenset(payloads)

    async def conversation_slots(self, sender: str) -> dict[str, Any]:
        """The slots of a conversation (empty if the engine cannot tell)."""
        slots = (await self._tracker(sender, "NONE")).get("slots")
        return slots if isinstance(slots, dict) else {}

    async def is_ready(self) -> bool:
        """Whether the engine answers and has a model loaded."""
        try:
            response = await self._client.get("/")
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def health(self, timeout: float) -> str:
        """``ok`` when the engine answers ``/status`` (behind the token) with a model loaded; else
        why not: ``unavailable``, ``unauthorized``, ``no_model``. Without a token: ``/`` answers."""
        try:
            if self._token is None:
                response = await self._client.get("/", timeout=timeout)
                return "ok" if response.status_code == 200 else "unavailable"
            response = await self._client.get("/status", params={"token": self._token}, timeout=timeout)
            if response.status_code in (401, 403):
                return "unauthorized"
            response.raise_for_status()
            status = response.json()
        except (httpx.HTTPError, ValueError):
            return "unavailable"
        loaded = isinstance(status, dict) and bool(status.get("model_id") or status.get("model_file"))
        return "ok" if loaded else "no_model"

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()
