"""Two real engines on one PostgreSQL tracker store with Rasa's Redis lock store, one action server,
and the gateway's router over both (README: *When one machine is not enough*).

Conversations spread over both engines; one engine is killed (SIGKILL) in the middle of the
contact form: its conversations go on on the other engine — the form where it was, because the
tracker is in PostgreSQL — each user message is handled once and in order, and the lead of a
conversation that moved is stored once. Engines are slow to start (10–20 seconds, 0.75 GB each):
both start at once, once for this module.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import time
from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import sessionmaker

from bot.database import make_engine, make_sessions
from bot.engine import Engine, EngineRouter
from bot.leads.models import Lead, OutboxMessage
from bot.settings import Settings
from bot.starter import ScaledStack, start_scaled
from bot.web.app import create_app
from tests.support.chat import Chat
from tests.support.databases import fresh_postgres

REDIS_URL = "redis://127.0.0.1:6379/14"
CONSENT = '/request_counsellor{"consent": "contact"}'
PER_ENGINE = 2


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    with fresh_postgres("lotse_scale") as url:
        yield url


@pytest.fixture(scope="module")
def scaled(tmp_path_factory: pytest.TempPathFactory, database_url: str) -> Iterator[ScaledStack]:
    redis.Redis.from_url(REDIS_URL).ping()  # fail here, clearly, without Redis
    running = start_scaled(tmp_path_factory.mktemp("scale"), database_url, REDIS_URL, engines=2)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def client(scaled: ScaledStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(
        var_dir=tmp_path_factory.mktemp("gateway"),
        engine_urls=",".join(scaled.engine_urls),
        engine_token=scaled.token,
        database_url=scaled.database_url,
        public_url="https://lotse.example",
        rate_limit_burst=1000,  # tests type faster than people
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def db(scaled: ScaledStack) -> Iterator[sessionmaker]:
    engine = make_engine(scaled.database_url)
    yield make_sessions(engine)
    engine.dispose()


class Person(Chat):
    """A web chat that remembers what it sent, to compare with the tracker."""

    def __init__(self, client: TestClient) -> None:
        super().__init__(client)
        self.sent: list[str] = []

    def say(self, text: str) -> dict:
        self.sent.append(text)
        return self._answered(super().say(text))

    def press(self, payload: str, title: str = "") -> dict:
        self.sent.append(payload)
        return self._answered(super().press(payload, title))

    @staticmethod
    def _answered(body: dict) -> dict:
        assert body["status"] == 200 and body["messages"], body
        return body


def _user_and_bot_events(db: sessionmaker, sender: str) -> list[tuple[str, str]]:
    """The conversation's user and bot events in Rasa's SQL tracker store, in stored order."""
    with db() as session:
        rows = session.execute(
            text("SELECT type_name, data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender}
        ).all()
    found = []
    for type_name, data in rows:
        if type_name in ("user", "bot"):
            event = json.loads(data)
            found.append((type_name, str(event.get("text") or "")))
    return found


def test_conversations_go_on_on_the_other_engine_when_one_is_killed(
    scaled: ScaledStack, client: TestClient, db: sessionmaker
) -> None:
    router = EngineRouter(scaled.engine_urls)
    people: dict[str, list[Person]] = {url: [] for url in scaled.engine_urls}
    while any(len(group) < PER_ENGINE for group in people.values()):  # spread over both engines
        person = Person(client)
        home = router.order(person.sender)[0]
        if len(people[home]) < PER_ENGINE:
            people[home].append(person)
    everyone = [p for group in people.values() for p in group]
    for person in everyone:  # into the contact form, up to the first question
        person.say("hallo")
        assert CONSENT in Chat.payloads(person.say("ich möchte eine beratung"))
        assert "Vorname" in Chat.texts(person.press(CONSENT))

    victim = scaled.engine_urls[0]
    process = scaled.engine_of(victim).popen
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)

    moved, stayed = people[victim], people[scaled.engine_urls[1]]
    for person in moved + stayed:  # the form goes on where it was
        started = time.monotonic()
        method = person.say("Olena")
        took = time.monotonic() - started
        assert took < 5, f"the conversation did not go on within 5 s ({took:.1f} s)"
        assert '/inform{"contact_method": "phone"}' in Chat.payloads(method)

    lead_maker = moved[0]
    lead_maker.press('/inform{"contact_method": "phone"}')
    lead_maker.say("0176 12345678")
    lead_maker.press('/inform{"contact_time": "morning"}')
    done = lead_maker.press('/inform{"contact_language": "interpreter"}')
    assert "+4917612345678" in Chat.texts(done)
    with db() as session:
        leads = session.scalars(select(Lead).where(Lead.conversation_id == lead_maker.sender)).all()
        assert len(leads) == 1 and leads[0].phone == "+4917612345678"
        outbox = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.lead_id == leads[0].id)
        assert session.scalar(outbox) == 1

    for person in everyone:  # every message handled once, in order, each answered before the next
        events = _user_and_bot_events(db, person.sender)
        said = [t for kind, t in events if kind == "user"]
        assert said == person.sent, person.sender
        for (kind, _), (following, _) in itertools.pairwise(events):
            assert not (kind == "user" and following == "user"), f"a message went unanswered: {events}"
        assert events[-1][0] == "bot"

    # the gateway reads a moved conversation's tracker (offered buttons, language) from the
    # engine it failed over to
    assert asyncio.run(_transcript(scaled, lead_maker.sender)) == [
        (kind, t) for kind, t in _user_and_bot_events(db, lead_maker.sender) if t
    ]


async def _transcript(scaled: ScaledStack, sender: str) -> list[tuple[str, str]]:
    engine = Engine(scaled.engine_urls, 30, token=scaled.token)
    try:
        return await engine.transcript(sender)
    finally:
        await engine.aclose()
