"""Telegram updates that arrived already: a webhook may deliver one twice; it is handled once."""

from __future__ import annotations

import time

from cachetools import TTLCache

DAY_SECONDS = 24 * 3600


class SeenUpdates:
    """``update_id``s seen in the last 24 hours (bounded, oldest forgotten first)."""

    def __init__(self, ttl: float = DAY_SECONDS, size: int = 200_000) -> None:
        self._now = 0.0
        self._seen: TTLCache[int, bool] = TTLCache(maxsize=size, ttl=ttl, timer=lambda: self._now)

    def first_time(self, update_id: int, now: float | None = None) -> bool:
        """True the first time an id is seen within the TTL; records it."""
        self._now = time.monotonic() if now is None else now
        if update_id in self._seen:
            return False
        self._seen[update_id] = True
        return True
