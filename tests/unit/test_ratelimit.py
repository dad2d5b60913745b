"""The per-conversation rate limit: a burst, then a steady rate; told once per flood."""

from __future__ import annotations

import pytest

from bot.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_the_steady_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=6, burst=3, clock=clock)  # one message every 10 s
    assert [limiter.take("a") for _ in range(3)] == [None, None, None]
    refused = limiter.take("a")
    assert refused is not None and refused.first and refused.retry_after == 10
    clock.now += 4
    again = limiter.take("a")
    assert again is not None and not again.first, "a flood is told once, not once per message"
    clock.now += 10
    assert limiter.take("a") is None
    assert limiter.take("a") is not None


def test_after_a_pause_the_person_is_told_again_next_time() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=1, clock=clock)
    assert limiter.take("a") is None
    assert limiter.take("a").first  # type: ignore[union-attr]
    clock.now += 1
    assert limiter.take("a") is None
    assert limiter.take("a").first  # type: ignore[union-attr]


def test_senders_do_not_share_a_bucket_and_memory_stays_bounded() -> None:
    limiter = RateLimiter(per_minute=1, burst=1, remembered=100)
    assert limiter.take("a") is None
    assert limiter.take("b") is None
    assert limiter.take("a") is not None
    for number in range(1000):
        limiter.take(f"x{number}")
    assert len(limiter._buckets) == 100
    assert limiter.take("a") is None, "forgotten senders start with a full bucket"


def test_nonsense_limits_are_refused() -> None:
    with pytest.raises(ValueError):
        RateLimiter(per_minute=0, burst=1)
