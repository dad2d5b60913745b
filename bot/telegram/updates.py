"""Telegram updates that arrived already: a webhook may deliver one twice; it is handled once.

Kept in memory by default; in Redis when ``LOTSE_REDIS_URL`` is set (one key per update id, set
only if absent, expiring after a day), so that an update delivered to two gateway instances is
handled by one. While Redis fails, each instance remembers on its own.
"""

from __future__ import annotations

import time
from typing import Protocol

import structlog
from cachetools import TTLCache

logger = structlog.get_logger(__name__)

DAY_SECONDS = 24 * 3600
REDIS_PREFIX = "lotse:tg-update:"


class Updates(Protocol):
    """The update ids seen in the last day."""

    async def first_time(self, update_id: int) -> bool:
        """True the first time an id is seen within the TTL; records it."""


class SeenUpdates:
    """``update_id``s seen in the last 24 hours in this process (bounded, oldest forgotten first)."""

    def __init__(self, ttl: float = DAY_SECONDS, size: int = 200_000) -> None:
        self._now = 0.0
        self._seen: TTLCache[int, bool] = TTLCache(maxsize=size, ttl=ttl, timer=lambda: self._now)

    async def first_time(self, update_id: int) -> bool:
        """True the first time an id is seen within the TTL; records it."""
        return self.first_time_at(update_id, time.monotonic())

    def first_time_at(self, update_id: int, now: float) -> bool:
        """:meth:`first_time` at the monotonic time ``now``."""
        self._now = now
        if update_id in self._seen:
            return False
        self._seen[update_id] = True
        return True


class RedisSeenUpdates:
    """Seen by any gateway instance: ``SET … NX EX`` per update id."""

    def __init__(self, url: str, bot_id: int | str, ttl_seconds: int = DAY_SECONDS) -> None:
        from redis.asyncio import Redis  # only imported where Redis is configured

        # a turn waits for it: a slow Redis counts as a failing one
        self._redis = Redis.from_url(url, decode_responses=True, socket_timeout=1.0, socket_connect_timeout=1.0)
        self._prefix = f"{REDIS_PREFIX}{bot_id}:"  # update ids count per bot
        self._ttl = ttl_seconds
        self._fallback = SeenUpdates(ttl_seconds)

    async def first_time(self, update_id: int) -> bool:
        from redis.exceptions import RedisError

        try:
            added = await self._redis.set(self._prefix + str(update_id), "1", nx=True, ex=self._ttl)
        except RedisError as error:  # remembered here alone until Redis is back
            logger.error("telegram.redis_unavailable", error=type(error).__name__)
            return await self._fallback.first_time(update_id)
        return bool(added)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._redis.aclose()


def seen_updates(redis_url: str | None, bot_id: int | str) -> Updates:
    """Redis when configured, memory otherwise."""
    if redis_url:
        return RedisSeenUpdates(redis_url, bot_id)
    return SeenUpdates()
