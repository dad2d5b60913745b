"""Typed text is text; a payload counts only if Lotse offered it (issue 17): the parts without an engine.

The engine-backed proof (consent, forged and replayed payloads through the gateway) is in
``tests/integration/test_buttons.py``; Telegram's in ``tests/e2e/test_telegram.py``.
"""

from __future__ import annotations

import uuid

import pytest

from bot.buttons import MemoryOfferedButtons, RedisOfferedButtons
from bot.conversation import Command, as_text, command_of
from bot.telegram.chat import Payloads

REDIS_URL = "redis://127.0.0.1:6379/15"  # the machine's Redis (CI has it too); a database of its own


@pytest.mark.parametrize(
    ("typed", "engine_reads"),
    [
        ('/request_counsellor{"consent": "contact"}', "request counsellor"),
        ('/request_counsellor{"consent":"contact_statistics"}', "request counsellor"),
        ('/inform{"age": -5}', "inform"),
        ('/change_language{"language": "ar"}', "change language"),
        ("/delete_my_data", "delete my data"),
        ("//hilfe", "hilfe"),
        ("/ich brauche hilfe", "ich brauche hilfe"),
        ("  /  was kostet das", "was kostet das"),
        ("Kosten 1/2 Jahr", "Kosten 1/2 Jahr"),
        ("<b>/inform</b>", "<b>/inform</b>"),
    ],
)
def test_typed_text_never_reaches_the_engine_as_an_intent(typed: str, engine_reads: str) -> None:
    assert as_text(typed) == engine_reads
    assert not as_text(typed).startswith("/")


@pytest.mark.parametrize(
    ("typed", "payload", "source"),
    [
        ("/start", "/greet", None),
        ("/start jobcenter_flyer", "/greet", "jobcenter_flyer"),
        ("/start <script>", "/greet", None),
        ("/help", "/help", None),
        ("/help@LotseBot", "/help", None),
        ("/HELP", "/help", None),
        ("/language", "/change_language", None),
        ("/language uk", '/change_language{"language": "uk"}', None),
        ("/language klingon", "/change_language", None),
        ("/delete", "/delete_my_data", None),
        ("/privacy", None, None),
    ],
)
def test_the_documented_commands_map_to_their_intents(typed: str, payload: str | None, source: str | None) -> None:
    command = command_of(typed)
    assert isinstance(command, Command)
    assert command.payload == payload and command.source == source


@pytest.mark.parametrize(
    "typed",
    ["/greet", "/restart", "/delete_my_data", '/help{"x": 1}', "/starting", "hello /start", "/request_counsellor"],
)
def test_anything_else_with_a_slash_is_not_a_command(typed: str) -> None:
    assert command_of(typed) is None


async def test_memory_keeps_the_last_answers_buttons_per_conversation_and_stays_bounded() -> None:
    offered = MemoryOfferedButtons(remembered=2)
    assert await offered.offered("web:a") is None, "unknown, not empty: the tracker is asked then"
    await offered.remember("web:a", ["/help", "/start_check"])
    await offered.remember("web:a", ['/inform{"age_group": "25_plus"}'])
    assert await offered.offered("web:a") == {'/inform{"age_group": "25_plus"}'}, "the last answer only"
    await offered.remember("web:b", [])
    assert await offered.offered("web:b") == frozenset(), "an answer without buttons: nothing to press"
    await offered.remember("web:c", ["/help"])
    assert await offered.offered("web:a") is None, "the oldest conversation was let go"


async def test_redis_shares_the_buttons_between_gateways_and_forgets_them_with_the_conversation() -> None:
    sender = f"web:{uuid.uuid4()}"
    one, two = RedisOfferedButtons(REDIS_URL, ttl_seconds=60), RedisOfferedButtons(REDIS_URL, ttl_seconds=60)
    try:
        assert await two.offered(sender) is None
        await one.remember(sender, ['/request_counsellor{"consent": "contact"}', "/help"])
        assert await two.offered(sender) == {'/request_counsellor{"consent": "contact"}', "/help"}
        await two.remember(sender, [])
        assert await one.offered(sender) == frozenset(), "known, and nothing to press"
        ttl = await one._redis.ttl("lotse:offered:" + sender)
        assert 0 < ttl <= 60
    finally:
        await one._redis.delete("lotse:offered:" + sender)
        await one.aclose()
        await two.aclose()


async def test_redis_down_means_unknown_not_a_crash() -> None:
    offered = RedisOfferedButtons("redis://127.0.0.1:1/0", ttl_seconds=60)  # nothing listens there
    try:
        await offered.remember("web:x", ["/help"])
        assert await offered.offered("web:x") is None
    finally:
        await offered.aclose()


def test_telegram_callback_data_is_read_back_only_against_offered_buttons() -> None:
    payloads = Payloads()
    long = '/ask_externenpruefung{"aspect": "requirements", "route": "externenpruefung"}'
    assert len(long.encode()) > 64
    data = payloads.pack(long)
    assert data.startswith("p:") and len(data.encode()) <= 64
    assert payloads.resolve(data, frozenset({long, "/help"})) == long
    assert payloads.resolve("/help", frozenset({long, "/help"})) == "/help"
    assert payloads.resolve(data, frozenset({"/help"})) is None, "a key of a button not offered"
    assert payloads.resolve('/request_counsellor{"consent": "contact"}', frozenset({"/help"})) is None
