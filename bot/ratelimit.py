"""How many messages one conversation may send: a token bucket per sender.

A person typing, or tapping buttons, stays far below the limit; a script or a stuck key does not.
Every channel asks :class:`RateLimiter` through ``Conversations.handle`` before anything goes to
the engine, so the engine and the database never see a flood. Memory stays flat: the buckets live
in a bounded LRU map.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from cachetools import LRUCache


@dataclass(frozen=True)
class Limited:
    """A message over the limit."""

    retry_after: int
    """Whole seconds until the next message will be taken."""
    first: bool
    """The first refused message since the sender was last within the limit: tell them once."""


@dataclass
class _Bucket:
    tokens: float
    updated: float
    warned: bool = False


class RateLimiter:
    """``burst`` messages at once, then ``per_minute`` messages a minute, per sender."""

    def __init__(
        self, per_minute: int, burst: int, remembered: int = 50_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if per_minute < 1 or burst < 1:
            raise ValueError("per_minute and burst must be at least 1")
        self._rate = per_minute / 60.0
        self._burst = float(burst)
        self._clock = clock
        self._buckets: LRUCache[str, _Bucket] = LRUCache(maxsize=remembered)

    def take(self, sender: str) -> Limited | None:
        """Count one message of ``sender``; ``None`` if it may go on."""
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
        return Limited(retry_after=max(1, math.ceil((1.0 - bucket.tokens) / self._rate)), first=first)
