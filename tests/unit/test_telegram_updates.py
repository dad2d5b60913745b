"""Telegram webhook updates: each update_id is handled once within a day — in memory, and in Redis
across gateways."""

from __future__ import annotations

import random

from bot.telegram.updates import REDIS_PREFIX, RedisSeenUpdates, SeenUpdates, seen_updates
from tests.support.redis import REDIS_URL, needs_redis


def test_an_update_id_is_handled_once_within_a_day() -> None:
    seen = SeenUpdates(ttl=100)
    assert seen.first_time_at(1, now=0) and not seen.first_time_at(1, now=50)
    assert seen.first_time_at(1, now=200), "forgotten after the TTL"


async def test_memory_without_redis() -> None:
    seen = seen_updates(None, 123)
    assert isinstance(seen, SeenUpdates)
    assert await seen.first_time(7) and not await seen.first_time(7)


@needs_redis
async def test_redis_handles_an_update_once_whichever_gateway_gets_it() -> None:
    bot_id = random.randrange(10**9, 10**10)  # a bot of its own: keys unique to this test
    one, two = RedisSeenUpdates(REDIS_URL, bot_id), RedisSeenUpdates(REDIS_URL, bot_id)
    other_bot = RedisSeenUpdates(REDIS_URL, bot_id + 1)
    try:
        assert await one.first_time(42)
        assert not await two.first_time(42) and not await one.first_time(42)
        assert await two.first_time(43)
        assert await other_bot.first_time(42), "update ids count per bot"
        ttl = await one._redis.ttl(f"{REDIS_PREFIX}{bot_id}:42")
        assert 86_000 < ttl <= 86_400, "remembered for a day"
    finally:
        await one._redis.delete(f"{REDIS_PREFIX}{bot_id}:42", f"{REDIS_PREFIX}{bot_id}:43")
        await one._redis.delete(f"{REDIS_PREFIX}{bot_id + 1}:42")
        for seen in (one, two, other_bot):
            await seen.aclose()


async def test_redis_down_still_drops_duplicates_on_each_gateway() -> None:
    seen = RedisSeenUpdates("redis://127.0.0.1:1/0", 123)  # nothing listens there
    try:
        assert await seen.first_time(1) and not await seen.first_time(1)
    finally:
        await seen.aclose()
