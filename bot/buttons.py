"""Which buttons Lotse offered each conversation: only those count as pressed.

A button's payload (``/inform{"age_group": …}``, ``/request_counsellor{"consent": "contact"}``)
is an instruction to the engine: Rasa reads any message that starts with ``/`` as an intent with
entities. So a payload may reach the engine only when Lotse itself offered that button in its
last answer to this conversation; anything else a person sends is text (``bot.conversation``).

The buttons of the last answer are kept per conversation:

- in memory by default (a bounded LRU map: memory stays flat however many people chat);
- in Redis when ``LOTSE_REDIS_URL`` is set, so that every gateway instance sees the same buttons
  and a restart forgets nothing;
- when neither knows the conversation (a restart without Redis), the gateway reads the buttons
  of the last answer from the engine's tracker (``Engine.last_buttons``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from typing import Protocol, cast

import structlog
from cachetools import LRUCache

logger = structlog.get_logger(__name__)

REDIS_PREFIX = "lotse:offered:"
NONE_OFFERED = ""
"""Stored for an answer without buttons: "known, and nothing to press" (Redis has no empty set)."""


class OfferedButtons(Protocol):
    """Where the payloads of a conversation's last answer are kept."""

    async def remember(self, sender: str, payloads: Iterable[str]) -> None:
        """The payloads of the answer just given to ``sender`` (replacing the earlier ones)."""

    async def offered(self, sender: str) -> frozenset[str] | None:
        """The payloads ``sender`` may press now; ``None`` when this store does not know."""


class MemoryOfferedButtons:
    """The default: in this process, for the ``remembered`` most recent conversations."""

    def __init__(self, remembered: int = 50_000) -> None:
        self._items: LRUCache[str, frozenset[str]] = LRUCache(maxsize=remembered)

    async def remember(self, sender: str, payloads: Iterable[str]) -> None:
        self._items[sender] = frozenset(payloads)

    async def offered(self, sender: str) -> frozenset[str] | None:
        return self._items.get(sender)


class RedisOfferedButtons:
    """Shared by every gateway instance: one Redis set per conversation, expiring with it."""

    def __init__(self, url: str, ttl_seconds: int) -> None:
        from redis.asyncio import Redis  # only imported where Redis is configured

        # a turn waits for it: a slow Redis counts as a failing one (as for the rate limit)
        self._redis = Redis.from_url(url, decode_responses=True, socket_timeout=1.0, socket_connect_timeout=1.0)
        self._ttl = ttl_seconds

    async def remember(self, sender: str, payloads: Iterable[str]) -> None:
        from redis.exceptions import RedisError

        key = REDIS_PREFIX + sender
        members = sorted(set(payloads)) or [NONE_OFFERED]
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.delete(key)
                pipe.sadd(key, *members)
                pipe.expire(key, self._ttl)
                await pipe.execute()
        except RedisError as error:  # the gateway then asks the engine's tracker
            logger.error("offered.redis_unavailable", error=type(error).__name__)

    async def offered(self, sender: str) -> frozenset[str] | None:
        from redis.exceptions import RedisError

        try:
            # redis-py types a command for its sync and async clients at once (a set, or an awaitable of one)
            members = await cast("Awaitable[set[str]]", self._redis.smembers(REDIS_PREFIX + sender))
        except RedisError as error:
            logger.error("offered.redis_unavailable", error=type(error).__name__)
            return None
        if not members:
            return None
        return frozenset(m for m in members if m != NONE_OFFERED)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._redis.aclose()


def offered_buttons(redis_url: str | None, ttl_seconds: int) -> OfferedButtons:
    """Redis when configured, memory otherwise."""
    if redis_url:
        return RedisOfferedButtons(redis_url, ttl_seconds)
    return MemoryOfferedButtons()
