"""Exactly one Telegram receiver, whatever the number of gateway instances.

Telegram hands each update to one ``getUpdates`` caller and answers a second one with
*409 Conflict*; in webhook mode it posts each update to one URL (the load balancer), and the
update dedup (``bot.telegram.updates``) covers a delivery twice. So in polling mode with several
gateways, only one may poll: with ``LOTSE_REDIS_URL`` set, an instance polls only while it holds
a lease in Redis (``SET NX`` with an expiry, renewed by its holder well before it runs out). When
the holder stops, or cannot renew (Redis gone, the process hangs), polling stops there, and
another instance takes the lease after it expired. Without Redis there is one gateway, which
polls as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable

import structlog

logger = structlog.get_logger(__name__)

LEASE_PREFIX = "lotse:tg-poller:"
LEASE_SECONDS = 30
"""How long a lease lasts without renewal: the longest time no instance polls after a holder died."""
RENEW_SECONDS = 10
"""How often the holder renews, and how often the others try to take it."""

# Renew (or give back) only a lease this instance still holds: compare and act in one step.
_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


class PollerLease:
    """Runs ``poll`` only while this instance holds the lease of ``bot_id`` in Redis."""

    def __init__(
        self,
        url: str,
        bot_id: int | str,
        lease_seconds: float = LEASE_SECONDS,
        renew_seconds: float = RENEW_SECONDS,
    ) -> None:
        from redis.asyncio import Redis  # only imported where Redis is configured

        self._redis = Redis.from_url(url, decode_responses=True, socket_timeout=2.0, socket_connect_timeout=2.0)
        self.key = f"{LEASE_PREFIX}{bot_id}"
        self.holder = uuid.uuid4().hex
        self._lease_ms = int(lease_seconds * 1000)
        self._renew_seconds = renew_seconds
        self.polling = False

    async def _take(self) -> bool:
        return bool(await self._redis.set(self.key, self.holder, nx=True, px=self._lease_ms))

    async def _renew(self) -> bool:
        return bool(await self._redis.eval(_RENEW, 1, self.key, self.holder, str(self._lease_ms)))  # type: ignore[misc]

    async def run(self, poll: Callable[[], Awaitable[object]]) -> None:
        """Until cancelled: wait for the lease, poll while it is held, stop when it is lost."""
        from redis.exceptions import RedisError

        try:
            while True:
                try:
                    taken = await self._take()
                except RedisError as error:
                    logger.error("telegram.poller_redis_unavailable", error=type(error).__name__)
                    taken = False
                if not taken:
                    await asyncio.sleep(self._renew_seconds)
                    continue
                logger.info("telegram.poller_lease_taken")
                if await self._poll_while_held(poll):
                    # polling ended here on its own (it failed): give the others the first chance
                    await asyncio.sleep(self._lease_ms / 1000)
                else:
                    logger.warning("telegram.poller_lease_lost")
        finally:
            with contextlib.suppress(RedisError, OSError):
                await self._redis.eval(_RELEASE, 1, self.key, self.holder)  # type: ignore[misc]
            await self._redis.aclose()

    async def _poll_while_held(self, poll: Callable[[], Awaitable[object]]) -> bool:
        """Poll until the lease is lost (``False``) or polling ends on its own (``True``; the lease
        is given back)."""
        from redis.exceptions import RedisError

        polling = asyncio.ensure_future(poll())
        self.polling = True
        try:
            while not polling.done():
                await asyncio.wait({polling}, timeout=self._renew_seconds)
                if polling.done():
                    break
                try:
                    held = await self._renew()
                except RedisError as error:  # cannot prove the lease: another may take it soon
                    logger.error("telegram.poller_redis_unavailable", error=type(error).__name__)
                    held = False
                if not held:
                    return False
            if not polling.cancelled() and polling.exception() is not None:
                logger.error("telegram.polling_failed", error=type(polling.exception()).__name__)
            with contextlib.suppress(RedisError, OSError):  # polling ended here: let another instance poll
                await self._redis.eval(_RELEASE, 1, self.key, self.holder)  # type: ignore[misc]
            return True
        finally:
            self.polling = False
            polling.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await polling
