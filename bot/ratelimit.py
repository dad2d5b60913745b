"""How many messages one conversation may send: a token bucket per sender.

A person typing, or tapping buttons, stays far below the limit; a script or a stuck key does not.
Every channel asks the limit through ``Conversations.throttle`` before anything goes to the
engine, so the engine and the database never see a flood. The buckets are kept

- in memory by default (:class:`RateLimiter`, a bounded LRU map: memory stays flat);
- in Redis when ``LOTSE_REDIS_URL`` is set (:class:`RedisRateLimiter`), so that a sender's
  messages count on every gateway instance alike; the bucket is updated atomically by a Lua
  script on Redis' own clock, and expires once it would be full again. While Redis fails, each
  gateway counts on its own (in memory) rather than letting a flood through.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, cast

import structlog
from cachetools import LRUCache

logger = structlog.get_logger(__name__)

REDIS_PREFIX = "lotse:rate:"


@dataclass(frozen=True)
class Limited:
    """A message over the limit."""

    retry_after: int
    """Whole seconds until the next message will be taken."""
    first: bool
    """The first refused message since the sender was last within the limit: tell them once."""


class SenderLimit(Protocol):
    """Counts the messages of each sender against the limit."""

    async def take(self, sender: str) -> Limited | None:
        """Count one message of ``sender``; ``None`` if it may go on."""


@dataclass
class _Bucket:
    tokens: float
    updated: float
    warned: bool = False


def _checked(per_minute: int, burst: int) -> None:
    if per_minute < 1 or burst < 1:
        raise ValueError("per_minute and burst must be at least 1")


def _retry_after(tokens: float, rate: float) -> int:
    """Whole seconds until the bucket holds one token again."""
    return max(1, math.ceil((1.0 - tokens) / rate))


class RateLimiter:
    """``burst`` messages at once, then ``per_minute`` messages a minute, per sender (in this process)."""

    def __init__(
        self, per_minute: int, burst: int, remembered: int = 50_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        _checked(per_minute, burst)
        self._rate = per_minute / 60.0
        self._burst = float(burst)
        self._clock = clock
        self._buckets: LRUCache[str, _Bucket] = LRUCache(maxsize=remembered)

    async def take(self, sender: str) -> Limited | None:
        """Count one message of ``sender``; ``None`` if it may go on."""
        return self.take_now(sender)

    def take_now(self, sender: str) -> Limited | None:
        """:meth:`take`, for callers without an event loop."""
        now = self._clock()
        bucket = self._buckets.get(sender)  # the least recently used sender is forgotten first
        if bucket is None:
            bucket = _Bucket(self._burst, now)
            self._buckets[sender] = bucket
        else:
            bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.updated) * self._rate)
            bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            bucket.warned = False
            return None
        first = not bucket.warned
        bucket.warned = True
        return Limited(retry_after=_retry_after(bucket.tokens, self._rate), first=first)


TAKE_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'updated', 'warned')
local tokens, updated, warned = tonumber(bucket[1]), tonumber(bucket[2]), bucket[3] == '1'
if tokens == nil or updated == nil then
  tokens, warned = burst, false
else
  tokens = math.min(burst, tokens + math.max(0, now - updated) * rate)
end
local taken, first = 0, 0
if tokens >= 1 then
  tokens, warned, taken = tokens - 1, false, 1
else
  if not warned then first = 1 end
  warned = true
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'updated', string.format('%.6f', now),
  'warned', warned and '1' or '0')
redis.call('EXPIRE', KEYS[1], ARGV[3])
return {taken, first, string.format('%.6f', tokens)}
"""
"""One message against the bucket in ``KEYS[1]``: refill by the time passed, take a token if there
is one; returns (taken, first refusal, tokens left). Atomic: Redis runs a script alone."""


class RedisRateLimiter:
    """The same limit, shared by every gateway instance: one small hash per sender in Redis."""

    def __init__(self, url: str, per_minute: int, burst: int) -> None:
        from redis.asyncio import Redis  # only imported where Redis is configured

        _checked(per_minute, burst)
        # a turn waits for it: a slow Redis counts as a failing one
        self._redis = Redis.from_url(url, decode_responses=True, socket_timeout=1.0, socket_connect_timeout=1.0)
        self._script = self._redis.register_script(TAKE_SCRIPT)
        self._rate = per_minute / 60.0
        self._burst = burst
        self._ttl = math.ceil(burst / self._rate) + 1
        """A bucket left alone this long is full again: the same as no bucket."""
        self._fallback = RateLimiter(per_minute, burst)

    async def take(self, sender: str) -> Limited | None:
        """Count one message of ``sender``; ``None`` if it may go on."""
        from redis.exceptions import RedisError

        try:
            # redis-py types a script call for its sync and async clients at once
            taken, first, tokens = await cast(
                "Awaitable[list[int | str]]",
                self._script(keys=[REDIS_PREFIX + sender], args=[self._rate, self._burst, self._ttl]),
            )
        except RedisError as error:  # count here alone until Redis is back
            logger.error("ratelimit.redis_unavailable", error=type(error).__name__)
            return self._fallback.take_now(sender)
        if int(taken):
            return None
        return Limited(retry_after=_retry_after(float(tokens), self._rate), first=bool(int(first)))

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._redis.aclose()


def rate_limit(redis_url: str | None, per_minute: int, burst: int) -> SenderLimit:
    """Redis when configured, memory otherwise."""
    if redis_url:
        return RedisRateLimiter(redis_url, per_minute, burst)
    return RateLimiter(per_minute, burst)
