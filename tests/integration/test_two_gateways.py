"""Two gateway instances sharing one Redis and one database (SQLite file, PostgreSQL) — what
several gateways behind a load balancer must agree on (issue 14):

- a sender's messages count against one rate limit, whichever instance takes them;
- a Telegram update delivered to both instances' webhooks is handled once;
- a counsellor's claim made on one instance (the inbox's real claim code) reaches the person's web
  chat whose event stream is open on the other at once (Redis pub/sub), not at its next look.

Each gateway runs under uvicorn on its own port (real HTTP, as behind a load balancer). The
engine is not needed: the rate limit and ``/privacy`` are answered before it, and the engine URL
points where nothing listens.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import redis
from sqlalchemy.orm import sessionmaker

from bot.counsellors import add_counsellor
from bot.i18n import translate
from bot.leads.outbox import CLAIMED_NOTICE
from bot.leads.submission import submit_lead
from bot.news import RedisNewsBell
from bot.settings import Settings
from devtools.fake_telegram import FakeTelegram
from devtools.servers import Gateway, start_gateway
from tests.support.databases import give_consent, submission
from tests.support.gateways import claim_seen_on_other_gateway
from tests.support.inbox import PASSWORD
from tests.support.redis import REDIS_URL, needs_redis

pytestmark = needs_redis

SECRET = "s3cret-token"


@pytest.fixture
def bot_id() -> int:
    """A bot of its own per test: Telegram's update ids (kept a day in Redis) do not collide."""
    return random.randrange(10**9, 10**10)


@pytest.fixture
def gateways(
    database_url: str, sessions: sessionmaker, telegram: FakeTelegram, bot_id: int, tmp_path
) -> Iterator[tuple[Gateway, Gateway]]:
    def settings(port: int) -> Settings:
        return Settings(
            var_dir=tmp_path,
            database_url=database_url,
            redis_url=REDIS_URL,
            engine_url="http://127.0.0.1:9",  # nothing listens: nothing here needs the engine
            engine_token="unused",
            public_url=f"http://localhost:{port}",
            rate_limit_per_minute=1,
            rate_limit_burst=2,
            telegram_token=f"{bot_id}:TEST",
            telegram_api_base=telegram.base_url,
            telegram_webhook_url="https://lotse.example/telegram/webhook",
            telegram_webhook_secret=SECRET,
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


@pytest.fixture
def keys() -> Iterator[list[str]]:
    """Redis keys a test made; deleted afterwards."""
    made: list[str] = []
    yield made
    client = redis.Redis.from_url(REDIS_URL)
    try:
        for pattern in made:
            for key in client.scan_iter(match=pattern):
                client.delete(key)
    finally:
        client.close()


def _say(gateway: Gateway, chat: str, text: str) -> httpx.Response:
    return httpx.post(f"{gateway.url}/api/chat", json={"session": chat, "text": text, "language": "de"}, timeout=10)


def test_the_rate_limit_counts_a_senders_messages_on_both_gateways(
    gateways: tuple[Gateway, Gateway], keys: list[str]
) -> None:
    one, two = gateways
    chat, other = str(uuid.uuid4()), str(uuid.uuid4())
    keys += [f"lotse:*web:{chat}*", f"lotse:*web:{other}*"]
    # /privacy is answered by the gateway itself: the engine is not asked
    assert [_say(one, chat, "/privacy").status_code, _say(two, chat, "/privacy").status_code] == [200, 200]
    refused = _say(one, chat, "/privacy")
    assert refused.status_code == 429, "the burst of two was used up across both gateways"
    assert refused.json()["error"] == "too_fast" and int(refused.headers["Retry-After"]) >= 1
    assert _say(two, chat, "/privacy").status_code == 429, "and the other gateway knows it too"
    assert _say(two, other, "/privacy").status_code == 200, "another person is not limited"


def _update(update_id: int, chat_id: int) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 0,
            "text": "/privacy",
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "W", "language_code": "de"},
        },
    }


def test_an_update_delivered_to_both_webhooks_is_handled_once(
    gateways: tuple[Gateway, Gateway], telegram: FakeTelegram, bot_id: int, keys: list[str]
) -> None:
    chat_id = random.randrange(10**8, 10**9)
    keys += [f"lotse:tg-update:{bot_id}:*", f"lotse:*tg:{chat_id}*"]
    update = _update(random.randrange(10**6, 10**9), chat_id)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    for gateway in (*gateways, *gateways):  # Telegram retrying, and a load balancer spreading it
        response = httpx.post(f"{gateway.url}/telegram/webhook", json=update, headers=headers, timeout=10)
        assert response.status_code == 200
    answers = [c for c in telegram.called("sendMessage") if str(c.params["chat_id"]) == str(chat_id)]
    assert len(answers) == 1, "handled once, by one gateway"
    assert "/privacy?lang=de" in answers[0].params["text"]

    following = _update(update["update_id"] + 1, chat_id)
    httpx.post(f"{gateways[1].url}/telegram/webhook", json=following, headers=headers, timeout=10)
    answers = [c for c in telegram.called("sendMessage") if str(c.params["chat_id"]) == str(chat_id)]
    assert len(answers) == 2, "the next update is handled"


def test_a_claim_on_one_gateway_reaches_the_web_chat_open_on_the_other_at_once(
    gateways: tuple[Gateway, Gateway], sessions: sessionmaker, keys: list[str]
) -> None:
    one, two = gateways
    chat = str(uuid.uuid4())
    keys.append(f"lotse:*web:{chat}*")
    give_consent(sessions, f"web:{chat}", "contact", "2026-12", "web")
    lead = submit_lead(sessions, submission(f"web:{chat}", language="uk"))
    add_counsellor(sessions, "carl", "Carl Meier", PASSWORD)
    bell = two.server.config.app.state.news
    assert isinstance(bell, RedisNewsBell) and bell.poll_seconds >= 5, "the other gateway looks only now and then"

    event, latency = claim_seen_on_other_gateway(one, two, bell, chat, lead.id, settle=0.2)
    assert event["messages"][0]["text"] == translate("uk", CLAIMED_NOTICE)
    assert latency < 1.0, f"on the other gateway's open chat after {latency:.2f} s"
    print(f"claim on gateway one → web chat open on gateway two: {latency * 1000:.0f} ms")
