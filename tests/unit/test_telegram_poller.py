"""Exactly one gateway polls Telegram: the lease in the real Redis (bot.telegram.poller)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from redis.asyncio import Redis

from bot.telegram.poller import PollerLease
from tests.support.redis import REDIS_URL, needs_redis

pytestmark = needs_redis

LEASE, RENEW = 1.0, 0.1


def _lease(bot_id: str) -> PollerLease:
    return PollerLease(REDIS_URL, bot_id, lease_seconds=LEASE, renew_seconds=RENEW)


async def _until(condition, seconds: float = 3.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("not within the time")


async def test_of_two_gateways_one_polls_and_the_other_takes_over_when_it_stops() -> None:
    bot_id = f"test-{uuid.uuid4().hex}"
    first, second = _lease(bot_id), _lease(bot_id)
    polls: list[str] = []

    def poller(name: str):
        async def poll() -> None:
            polls.append(name)
            await asyncio.Event().wait()  # polls until cancelled, as aiogram's start_polling does

        return poll

    one = asyncio.create_task(first.run(poller("first")))
    await _until(lambda: first.polling)
    two = asyncio.create_task(second.run(poller("second")))
    await asyncio.sleep(LEASE * 1.5)  # longer than a lease: renewed by the holder, never taken
    assert polls == ["first"] and first.polling and not second.polling

    one.cancel()  # the first gateway stops: its lease is given back, the second polls at once
    await asyncio.gather(one, return_exceptions=True)
    await _until(lambda: second.polling, seconds=RENEW * 10)
    assert polls == ["first", "second"]
    two.cancel()
    await asyncio.gather(two, return_exceptions=True)


async def test_a_holder_that_lost_its_lease_stops_polling() -> None:
    bot_id = f"test-{uuid.uuid4().hex}"
    lease = _lease(bot_id)
    cancelled = asyncio.Event()

    async def poll() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    task = asyncio.create_task(lease.run(poll))
    await _until(lambda: lease.polling)
    redis = Redis.from_url(REDIS_URL, decode_responses=True)
    try:  # as if it expired while this process hung, and another instance took it
        await redis.set(lease.key, "another-instance", px=int(LEASE * 1000))
        await _until(cancelled.is_set)
        assert not lease.polling
        await asyncio.sleep(RENEW * 3)
        assert not lease.polling  # the other holds it: no second poller
        assert await redis.get(lease.key) == "another-instance"  # and its lease was not touched
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await redis.delete(lease.key)
        await redis.aclose()


async def test_a_poller_that_crashed_gives_the_lease_back() -> None:
    bot_id = f"test-{uuid.uuid4().hex}"
    crashing, waiting = _lease(bot_id), _lease(bot_id)
    started: list[str] = []

    async def crash() -> None:
        started.append("crashing")
        raise RuntimeError("network gone")

    async def poll() -> None:
        started.append("waiting")
        await asyncio.Event().wait()

    one = asyncio.create_task(crashing.run(crash))
    await _until(lambda: "crashing" in started)
    two = asyncio.create_task(waiting.run(poll))
    await _until(lambda: waiting.polling, seconds=LEASE * 2)  # the crashed one steps back
    assert started[0] == "crashing" and started.count("waiting") == 1
    for task in (one, two):
        task.cancel()
    await asyncio.gather(one, two, return_exceptions=True)


@pytest.mark.parametrize("bot_id", [123456])
async def test_the_lease_is_per_bot(bot_id: int) -> None:
    assert _lease(str(bot_id)).key != _lease(str(bot_id + 1)).key
