"""The engine adapter: how the bot talks to Rasa's REST channel.

``POST {LOTSE_ENGINE_URL}/webhooks/rest/webhook`` with ``sender``, ``message`` and
``metadata{language, channel}`` (DESIGN.md), plus ``metadata.detected`` (the language the
gateway detected, see ``bot.langid``). Rasa answers with a list of messages; a custom
message ``{"lotse_language": code}`` tells us the conversation switched language. The
conversation's language can also be read from the tracker (HTTP API, behind the token).

With several engines (``LOTSE_ENGINE_URLS``, README: *When one machine is not enough*) the
``EngineRouter`` sends each conversation to one of them by rendezvous hashing of its sender,
and to the next one of that sender's order while an engine does not take connections.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable, Sequence
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


NOT_DELIVERED = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""Errors after which the request certainly never reached the engine: safe to send elsewhere."""


def engine_urls(urls: str | Sequence[str]) -> list[str]:
    """The engines' base URLs from ``LOTSE_ENGINE_URLS`` (comma-separated) or a list."""
    items = urls.split(",") if isinstance(urls, str) else list(urls)
    found = [url.strip().rstrip("/") for url in items if url.strip()]
    if not found:
        raise ValueError("no engine URL")
    if len(set(found)) != len(found):
        raise ValueError("an engine URL is listed twice")
    return found


class EngineRouter:
    """Which engine serves a conversation: rendezvous (highest random weight) hashing.

    Every engine gets a score ``sha256(engine URL, sender)``; a sender's order is the engines by
    falling score. The first is its home, so a conversation stays on one engine (Rasa's lock store
    alone can race across engines), and removing an engine moves only the conversations whose
    home it was — each to the next engine of its own order, which spreads them over the rest.
    An engine that does not take connections is *down* for ``down_seconds``: it moves to the end
    of every order until then, so later messages skip it without waiting for a timeout.
    """

    def __init__(
        self, urls: Sequence[str], down_seconds: float = 5.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.urls = engine_urls(urls)
        self.down_seconds = down_seconds
        self._clock = clock
        self._down_until: dict[str, float] = {}

    @staticmethod
    def score(url: str, sender: str) -> int:
        """The weight of ``url`` for ``sender`` (stable across processes and restarts)."""
        digest = hashlib.sha256(f"{url}\n{sender}".encode()).digest()
        return int.from_bytes(digest[:8], "big")

    def order(self, sender: str) -> list[str]:
        """Every engine, the sender's home first, regardless of which are down."""
        return sorted(self.urls, key=lambda url: self.score(url, sender), reverse=True)

    def candidates(self, sender: str) -> list[str]:
        """The engines to try for ``sender``, in order: those up, then those down (a down engine
        may be back, and trying it beats giving up)."""
        ordered = self.order(sender)
        return [u for u in ordered if not self.is_down(u)] + [u for u in ordered if self.is_down(u)]

    def mark_down(self, url: str) -> None:
        """``url`` did not take a connection: skip it for ``down_seconds``."""
        self._down_until[url] = self._clock() + self.down_seconds

    def mark_up(self, url: str) -> None:
        """``url`` answered."""
        self._down_until.pop(url, None)

    def is_down(self, url: str) -> bool:
        """Whether ``url`` failed within the last ``down_seconds``."""
        return self._clock() < self._down_until.get(url, 0.0)


class Engine:
    """Client of the engines' REST channel and HTTP API (one ``httpx.AsyncClient`` per process).

    ``base_url`` is one engine's URL, several separated by commas, or a list (``EngineRouter``).
    """

    def __init__(
        self,
        base_url: str | Sequence[str],
        timeout: float = 30.0,
        token: str | None = None,
        down_seconds: float = 5.0,
    ) -> None:
        self.router = EngineRouter(engine_urls(base_url), down_seconds)
        self._client = httpx.AsyncClient(timeout=timeout)
        self._token = token

    async def _request(self, sender: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """``method path`` on the sender's engine; on the next of its order while one does not
        take connections. Only errors that prove the request never arrived move on: after a
        timeout or a broken answer the engine may have handled the message, and a second engine
        would handle it again (the error is raised; the engine is marked down for new messages)."""
        error: httpx.HTTPError | None = None
        for url in self.router.candidates(sender):
            try:
                response = await self._client.request(method, f"{url}{path}", **kwargs)
            except NOT_DELIVERED as failed:
                self.router.mark_down(url)
                logger.warning("engine.failover", engine=url, error=type(failed).__name__)
                error = failed
                continue
            except httpx.TransportError:
                self.router.mark_down(url)
                raise
            self.router.mark_up(url)
            return response
        assert error is not None
        raise error

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
            response = await self._request(sender, "POST", "/webhooks/rest/webhook", json=body)
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
            response = await self._request(
                sender,
                "GET",
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
        """Whether every engine answers (each answers ``/`` once its model is loaded)."""
        for url in self.router.urls:
            try:
                response = await self._client.get(f"{url}/")
            except httpx.HTTPError:
                return False
            if response.status_code != 200:
                return False
        return True

    async def health(self, timeout: float) -> str:
        """``ok`` when an engine answers ``/status`` (behind the token) with a model loaded — with
        several, one is enough: the gateway fails over to it; else why not (the first engine's
        reason): ``unavailable``, ``unauthorized``, ``no_model``. Without a token: ``/`` answers.
        Every engine is checked at once."""
        results = await asyncio.gather(*(self._health(url, timeout) for url in self.router.urls))
        return "ok" if "ok" in results else results[0]

    async def _health(self, url: str, timeout: float) -> str:
        try:
            if self._token is None:
                response = await self._client.get(f"{url}/", timeout=timeout)
                return "ok" if response.status_code == 200 else "unavailable"
            response = await self._client.get(f"{url}/status", params={"token": self._token}, timeout=timeout)
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
