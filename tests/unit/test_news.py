"""News for open web chats: a commit that queues news rings the bell of that chat's open event
stream — on this gateway, and through Redis on every other one."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import sessionmaker

from bot.counsellors import add_counsellor
from bot.database import make_engine, make_sessions
from bot.leads.claims import claim_lead
from bot.leads.models import Lead, OutboxMessage
from bot.leads.submission import submit_lead
from bot.migrations import upgrade
from bot.news import CHANNEL, NewsBell, RedisNewsBell, news_bell, ring_on_commit
from tests.support.databases import give_consent, submission
from tests.support.redis import REDIS_URL, needs_redis


@pytest.fixture
def sessions(tmp_path) -> Iterator[sessionmaker]:
    url = f"sqlite:///{tmp_path / 'lotse.db'}"
    upgrade(url)
    engine = make_engine(url)
    yield make_sessions(engine)
    engine.dispose()


def _lead(sessions: sessionmaker, conversation: str) -> Lead:
    give_consent(sessions, conversation, "contact", "2026-12", "web")
    return submit_lead(sessions, submission(conversation))


async def test_a_claim_rings_the_bell_of_that_web_chat_only_once_committed(sessions: sessionmaker) -> None:
    bell = NewsBell()
    ring_on_commit(sessions, bell)
    chat, other = f"web:{uuid.uuid4()}", f"web:{uuid.uuid4()}"
    lead = _lead(sessions, chat)
    add_counsellor(sessions, "anna", "Anna Berg", "a-long-password-1", telegram_user_id=501)
    with bell.listening(chat) as door, bell.listening(other) as elsewhere:
        assert not await door.wait(0.05), "a new lead is not news for the person's chat"
        assert (await asyncio.to_thread(claim_lead, sessions, lead.id, 501)).reason == "claimed"
        assert await door.wait(1.0), "the claim's notice rang at once"
        assert not await elsewhere.wait(0.05), "only the chat the news is for"

        door.clear()
        with sessions() as session:  # news queued, then rolled back: no ring, also at the next commit
            session.add(OutboxMessage(lead_id=lead.id, kind="notice_web", dedup_key="rolled-back"))
            session.flush()
            session.rollback()
            session.add(OutboxMessage(lead_id=lead.id, kind="lead_reminder", dedup_key="not-for-the-person"))
            session.commit()
        assert not await door.wait(0.1)


async def test_a_telegram_persons_news_rings_no_web_chat(sessions: sessionmaker) -> None:
    bell = NewsBell()
    ring_on_commit(sessions, bell)
    lead = _lead(sessions, "tg:777003")
    add_counsellor(sessions, "anna", "Anna Berg", "a-long-password-1", telegram_user_id=501)
    with bell.listening("tg:777003") as door:
        await asyncio.to_thread(claim_lead, sessions, lead.id, 501)
        assert not await door.wait(0.1), "the notifier sends it to Telegram"


async def test_a_closed_stream_lets_go_of_its_doorbell() -> None:
    bell = NewsBell()
    with bell.listening("web:a"):
        pass
    assert bell._open == {}
    bell.ring(["web:a"])  # nobody listens: nothing happens


def test_memory_without_redis_redis_with_it() -> None:
    assert type(news_bell(None)) is NewsBell
    assert isinstance(news_bell(REDIS_URL), RedisNewsBell)


@needs_redis
async def test_redis_rings_the_open_chat_on_another_gateway() -> None:
    one, two = RedisNewsBell(REDIS_URL), RedisNewsBell(REDIS_URL)
    before = await _listeners(one)  # (pub/sub channels are server-wide: others may listen too)
    listening = [asyncio.create_task(bell.run()) for bell in (one, two)]
    chat = f"web:{uuid.uuid4()}"
    try:
        await _subscribed(one, before + 2)
        with two.listening(chat) as door, one.listening(chat) as here:
            await asyncio.to_thread(one.ring, [chat])
            # generous: a loaded machine may be slow; how fast it is belongs in `make bench`
            assert await door.wait(5.0), "heard on the other gateway"
            assert await here.wait(5.0), "and on this one"
    finally:
        for task in listening:
            task.cancel()
        await asyncio.gather(*listening, return_exceptions=True)
        await one.aclose()
        await two.aclose()


async def _listeners(bell: RedisNewsBell) -> int:
    return int(dict(await bell._subscriber.pubsub_numsub(CHANNEL)).get(CHANNEL, 0))


async def _subscribed(bell: RedisNewsBell, count: int) -> None:
    """Until ``count`` listeners are on the channel (subscribing takes a moment)."""
    for _ in range(500):
        if await _listeners(bell) >= count:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the bells did not subscribe")


async def test_redis_down_still_rings_here_and_keeps_trying() -> None:
    bell = RedisNewsBell("redis://127.0.0.1:1/0")  # nothing listens there
    listening = asyncio.create_task(bell.run())
    try:
        with bell.listening("web:a") as door:
            await asyncio.to_thread(bell.ring, ["web:a"])
            assert await door.wait(1.0), "this gateway's streams hear it anyway"
        await asyncio.sleep(0.1)
        assert not listening.done(), "the listener waits and tries again"
    finally:
        listening.cancel()
        await asyncio.gather(listening, return_exceptions=True)
        await bell.aclose()
