"""News for open web chats across gateways on PostgreSQL *without* Redis (issue 14): PostgreSQL's own
``NOTIFY`` / ``LISTEN`` on ``lotse_news`` (``bot.news.PostgresNewsBell``).

Two gateway instances under uvicorn on one fresh PostgreSQL database: a counsellor's claim made in
the inbox of one reaches the person's web chat open on the other at once, not at its next look.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy.orm import sessionmaker

from bot.counsellors import add_counsellor
from bot.i18n import translate
from bot.leads.outbox import CLAIMED_NOTICE
from bot.leads.submission import submit_lead
from bot.news import PG_CHANNEL, PostgresNewsBell, libpq_url, news_bell
from bot.settings import Settings
from devtools.servers import Gateway, start_gateway
from tests.support.databases import give_consent, submission
from tests.support.gateways import claim_seen_on_other_gateway
from tests.support.inbox import PASSWORD

only_postgresql = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture
def gateways(database_url: str, sessions: sessionmaker, tmp_path) -> Iterator[tuple[Gateway, Gateway]]:
    def settings(port: int) -> Settings:
        return Settings(
            var_dir=tmp_path,
            database_url=database_url,
            redis_url=None,
            engine_url="http://127.0.0.1:9",  # nothing listens: nothing here needs the engine
            engine_token="unused",
            public_url=f"http://localhost:{port}",
        )

    one = start_gateway(settings)
    try:
        two = start_gateway(settings)
        try:
            yield one, two
        finally:
            two.stop()
    finally:
        one.stop()


@only_postgresql
def test_a_claim_on_one_gateway_reaches_the_web_chat_open_on_the_other_through_postgresql(
    gateways: tuple[Gateway, Gateway], sessions: sessionmaker
) -> None:
    one, two = gateways
    chat = str(uuid.uuid4())
    give_consent(sessions, f"web:{chat}", "contact", "2026-12", "web")
    lead = submit_lead(sessions, submission(f"web:{chat}", language="ar"))
    add_counsellor(sessions, "carl", "Carl Meier", PASSWORD)
    bell = two.server.config.app.state.news
    assert isinstance(bell, PostgresNewsBell)
    bell.poll_seconds = 30  # its own looks (every second) cannot be what brings the news in time

    # settle: its first look (nothing yet) is over, and its LISTEN is in place
    event, latency = claim_seen_on_other_gateway(one, two, bell, chat, lead.id, settle=0.5)
    assert event["messages"][0]["text"] == translate("ar", CLAIMED_NOTICE)
    assert latency < 1.0, f"on the other gateway's open chat after {latency:.2f} s"
    print(f"claim on gateway one → web chat open on gateway two (PostgreSQL NOTIFY): {latency * 1000:.0f} ms")


@only_postgresql
def test_many_chats_go_out_in_notifications_postgresql_accepts_and_a_dead_database_costs_no_turn(
    database_url: str,
) -> None:
    """A ``NOTIFY`` payload must stay under 8,000 bytes: 250 chats go out as three notifications,
    each valid JSON naming the sender; a bell whose database does not answer still wakes its own
    streams and raises nothing (the others find the news at their next look)."""
    chats = [f"web:{uuid.uuid4()}" for _ in range(250)]
    bell = PostgresNewsBell(database_url)
    with psycopg.connect(libpq_url(database_url), autocommit=True) as listener:
        listener.execute(f"LISTEN {PG_CHANNEL}")
        bell.ring(chats)
        heard = [json.loads(n.payload) for n in listener.notifies(timeout=5, stop_after=3)]
    with bell._publisher_lock:
        bell._close_publisher()
    assert [len(message["chats"]) for message in heard] == [100, 100, 50]
    assert [chat for message in heard for chat in message["chats"]] == chats
    assert {message["from"] for message in heard} == {bell._instance}

    dead = news_bell(None, "postgresql+psycopg://root@127.0.0.1:9/nothing")
    assert isinstance(dead, PostgresNewsBell)
    dead.ring(chats[:1])  # logs news.postgres_unavailable; no exception
    assert news_bell(None, "sqlite:///x.db").__class__.__name__ == "NewsBell"
