"""The per-conversation rate limit: a burst, then a steady rate; told once per flood — in memory,
and in Redis shared by several gateways."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from bot.ratelimit import REDIS_PREFIX, RateLimiter, RedisRateLimiter, rate_limit
from tests.support.redis import REDIS_URL, needs_redis


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_burst_then_the_steady_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=6, burst=3, clock=clock)  # one message every 10 s
    assert [await limiter.take("a") for _ in range(3)] == [None, None, None]
    refused = await limiter.take("a")
    assert refused is not None and refused.first and refused.retry_after == 10
    clock.now += 4
    again = await limiter.take("a")
    assert again is not None and not again.first, "a flood is told once, not once per message"
    clock.now += 10
    assert await limiter.take("a") is None
    assert await limiter.take("a") is not None


async def test_after_a_pause_the_person_is_told_again_next_time() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=1, clock=clock)
    assert await limiter.take("a") is None
    assert (await limiter.take("a")).first  # type: ignore[union-attr]
    clock.now += 1
    assert await limiter.take("a") is None
    assert (await limiter.take("a")).first  # type: ignore[union-attr]


async def test_senders_do_not_share_a_bucket_and_memory_stays_bounded() -> None:
    limiter = RateLimiter(per_minute=1, burst=1, remembered=100)
    assert await limiter.take("a") is None
    assert await limiter.take("b") is None
    assert await limiter.take("a") is not None
    for number in range(1000):
        await limiter.take(f"x{number}")
    assert len(limiter._buckets) == 100
    assert await limiter.take("a") is None, "forgotten senders start with a full bucket"


def test_nonsense_limits_are_refused() -> None:
    with pytest.raises(ValueError):
        RateLimiter(per_minute=0, burst=1)
    with pytest.raises(ValueError):
        RedisRateLimiter(REDIS_URL, per_minute=6, burst=0)


def test_memory_without_redis_redis_with_it() -> None:
    assert isinstance(rate_limit(None, 20, 8), RateLimiter)
    assert isinstance(rate_limit(REDIS_URL, 20, 8), RedisRateLimiter)


@needs_redis
async def test_redis_counts_a_senders_messages_on_every_gateway_alike() -> None:
    sender, other = f"web:{uuid.uuid4()}", f"web:{uuid.uuid4()}"
    one = RedisRateLimiter(REDIS_URL, per_minute=60, burst=3)  # a message a second
    two = RedisRateLimiter(REDIS_URL, per_minute=60, burst=3)
    try:
        assert [await one.take(sender), await two.take(sender), await one.take(sender)] == [None, None, None]
        refused = await two.take(sender)
        assert refused is not None and refused.first and refused.retry_after == 1, "the burst is shared"
        again = await one.take(sender)
        assert again is not None and not again.first, "told once, whichever gateway refuses next"
        assert await two.take(other) is None, "senders do not share a bucket"
        ttl = await one._redis.ttl(REDIS_PREFIX + sender)
        assert 0 < ttl <= 4, "the bucket expires once it would be full again (3 s)"
        await asyncio.sleep(1.1)
        assert await two.take(sender) is None, "a token back after a second"
        assert (await one.take(sender)).first  # type: ignore[union-attr]
    finally:
        await one._redis.delete(REDIS_PREFIX + sender, REDIS_PREFIX + other)
        await one.aclose()
        await two.aclose()


@needs_redis
async def test_redis_runs_the_bucket_atomically_under_concurrent_messages() -> None:
    sender = f"web:{uuid.uuid4()}"
    gateways = [RedisRateLimiter(REDIS_URL, per_minute=1, burst=5) for _ in range(3)]
    try:
        results = await asyncio.gather(*(gateways[n % 3].take(sender) for n in range(30)))
        assert sum(result is None for result in results) == 5, "exactly the burst goes through"
        assert sum(bool(result and result.first) for result in results) == 1, "and the person is told once"
    finally:
        await gateways[0]._redis.delete(REDIS_PREFIX + sender)
        for limiter in gateways:
            await limiter.aclose()


async def test_redis_down_still_limits_on_each_gateway_and_does_not_crash() -> None:
    limiter = RedisRateLimiter("redis://127.0.0.1:1/0", per_minute=60, burst=2)  # nothing listens there
    try:
        assert [await limiter.take("web:x"), await limiter.take("web:x")] == [None, None]
        refused = await limiter.take("web:x")
        assert refused is not None and refused.first
    finally:
        await limiter.aclose()
