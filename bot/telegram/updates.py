"""Telegram updates that arrived already: a webhook may deliver one twice; it is handled once."""

from __future__ import annotations

import time
from collections import OrderedDict

DAY_SECONDS = 24 * 3600


class SeenUpdates:
    """``update_id``s seen in the last 24 hours (bounded, oldest forgotten first)."""

    def __init__(self, ttl: float = DAY_SECONDS, size: int = 200_000) -> None:
        self._seen: OrderedDict[int, float] = OrderedDict()
        self._ttl, self._size = ttl, size

    def first_time(self, update_id: int, now: float | None = None) -> bool:
        """True the first time an id is seen within the TTL; records it."""
        now = time.monotonic() if now is None else now
        while self._seen and (len(self._seen) > self._size or next(iter(self._seen.values())) < now - self._ttl):
            self._seen.popitem(last=False)
        if update_id in self._seen:
            return False
        self._seen[update_id] = now
        return True
