"""What the gateway remembers of a conversation's language, and the switches it offered — in
memory, and in Redis shared by several gateways."""

from __future__ import annotations

import uuid

from bot.remembered import (
    LANGUAGE_PREFIX,
    OFFERED_PREFIX,
    MemoryRememberedLanguages,
    RedisRememberedLanguages,
    remembered_languages,
)
from tests.support.redis import REDIS_URL, needs_redis


async def test_memory_remembers_the_language_and_offers_a_switch_once_per_language() -> None:
    languages = MemoryRememberedLanguages(remembered=2)
    assert await languages.language("web:a") is None
    await languages.remember("web:a", "de", "uk")
    assert await languages.language("web:a") == ("de", "uk")
    assert await languages.offer_once("web:a", "uk") and not await languages.offer_once("web:a", "uk")
    assert await languages.offer_once("web:a", "ar"), "another language may be offered once too"
    await languages.remember("web:b", "de", "de")
    await languages.remember("web:c", "en", "en")
    assert await languages.language("web:a") is None, "bounded: the oldest conversation was let go"


def test_memory_without_redis_redis_with_it() -> None:
    assert isinstance(remembered_languages(None, 60), MemoryRememberedLanguages)
    assert isinstance(remembered_languages(REDIS_URL, 60), RedisRememberedLanguages)


@needs_redis
async def test_redis_shares_the_language_and_the_offered_switches_between_gateways() -> None:
    sender = f"tg:{uuid.uuid4().int % 10**12}"
    one, two = RedisRememberedLanguages(REDIS_URL, 60), RedisRememberedLanguages(REDIS_URL, 60)
    try:
        assert await two.language(sender) is None
        await one.remember(sender, "de", "ar")
        assert await two.language(sender) == ("de", "ar")
        await two.remember(sender, "", "uk")  # after an erasure: no channel language
        assert await one.language(sender) == ("", "uk")
        assert await one.offer_once(sender, "uk")
        assert not await two.offer_once(sender, "uk"), "offered on one gateway: not again on the other"
        assert await two.offer_once(sender, "ru")
        for key in (LANGUAGE_PREFIX + sender, OFFERED_PREFIX + sender):
            assert 0 < await one._redis.ttl(key) <= 60, "forgotten with the conversation"
    finally:
        await one._redis.delete(LANGUAGE_PREFIX + sender, OFFERED_PREFIX + sender)
        await one.aclose()
        await two.aclose()


async def test_redis_down_means_unknown_and_no_switch_offered_not_a_crash() -> None:
    languages = RedisRememberedLanguages("redis://127.0.0.1:1/0", 60)  # nothing listens there
    try:
        await languages.remember("web:x", "de", "uk")
        assert await languages.language("web:x") is None, "unknown: the engine's tracker is asked"
        assert not await languages.offer_once("web:x", "uk")
    finally:
        await languages.aclose()
