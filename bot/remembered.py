"""What the gateway remembers of a conversation's language between its messages.

Per conversation: the language the channel sent with its last message and the conversation's
language (the engine's, as last learned), so that the gateway's own short notices (the rate limit,
``/privacy``, an expired button) come in the right language without asking the engine's tracker;
and the languages a switch to which was already offered ("Shall we continue in Українська?" —
at most once per conversation and language). Kept

- in memory by default (bounded LRU maps);
- in Redis when ``LOTSE_REDIS_URL`` is set, so that every gateway instance knows them, expiring
  with the conversation. While Redis fails a language is unknown (the engine's tracker is asked)
  and no switch is offered (better once too few than once per message).
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Protocol, cast

import structlog
from cachetools import LRUCache

logger = structlog.get_logger(__name__)

LANGUAGE_PREFIX = "lotse:language:"
OFFERED_PREFIX = "lotse:switch-offered:"


class RememberedLanguages(Protocol):
    """Where the gateway keeps each conversation's language, and the switches it offered."""

    async def language(self, sender: str) -> tuple[str, str] | None:
        """(channel language it came with, conversation language); ``None`` when not known."""

    async def remember(self, sender: str, channel_language: str, language: str) -> None:
        """The conversation's language, as learned with a message sent in ``channel_language``."""

    async def offer_once(self, sender: str, language: str) -> bool:
        """``True`` the first time a switch to ``language`` may be offered to ``sender``; records it."""


class MemoryRememberedLanguages:
    """The default: in this process, for the ``remembered`` most recent conversations."""

    def __init__(self, remembered: int = 50_000) -> None:
        self._languages: LRUCache[str, tuple[str, str]] = LRUCache(maxsize=remembered)
        self._offered: LRUCache[tuple[str, str], bool] = LRUCache(maxsize=remembered)

    async def language(self, sender: str) -> tuple[str, str] | None:
        return self._languages.get(sender)

    async def remember(self, sender: str, channel_language: str, language: str) -> None:
        self._languages[sender] = (channel_language, language)

    async def offer_once(self, sender: str, language: str) -> bool:
        if self._offered.get((sender, language)):
            return False
        self._offered[(sender, language)] = True
        return True


class RedisRememberedLanguages:
    """Shared by every gateway instance: a small hash and a set per conversation, expiring with it."""

    def __init__(self, url: str, ttl_seconds: int) -> None:
        from redis.asyncio import Redis  # only imported where Redis is configured

        # a turn waits for it: a slow Redis counts as a failing one
        self._redis = Redis.from_url(url, decode_responses=True, socket_timeout=1.0, socket_connect_timeout=1.0)
        self._ttl = ttl_seconds

    async def language(self, sender: str) -> tuple[str, str] | None:
        from redis.exceptions import RedisError

        try:
            # redis-py types a command for its sync and async clients at once
            known = await cast(
                "Awaitable[list[str | None]]", self._redis.hmget(LANGUAGE_PREFIX + sender, ["channel", "language"])
            )
        except RedisError as error:  # unknown: the engine's tracker is asked
            logger.error("languages.redis_unavailable", error=type(error).__name__)
            return None
        channel, language = known
        return (channel, language) if channel is not None and language is not None else None

    async def remember(self, sender: str, channel_language: str, language: str) -> None:
        from redis.exceptions import RedisError

        key = LANGUAGE_PREFIX + sender
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.hset(key, mapping={"channel": channel_language, "language": language})
                pipe.expire(key, self._ttl)
                await pipe.execute()
        except RedisError as error:
            logger.error("languages.redis_unavailable", error=type(error).__name__)

    async def offer_once(self, sender: str, language: str) -> bool:
        from redis.exceptions import RedisError

        key = OFFERED_PREFIX + sender
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.sadd(key, language)
                pipe.expire(key, self._ttl)
                added, _ = await pipe.execute()
        except RedisError as error:  # not offered: once too few rather than once per message
            logger.error("languages.redis_unavailable", error=type(error).__name__)
            return False
        return bool(added)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._redis.aclose()


def remembered_languages(redis_url: str | None, ttl_seconds: int, remembered: int = 50_000) -> RememberedLanguages:
    """Redis when configured, memory otherwise."""
    if redis_url:
        return RedisRememberedLanguages(redis_url, ttl_seconds)
    return MemoryRememberedLanguages(remembered)
