"""Payloads and callback data forged by a user (issue 16), a test per case, through the gateway:
each refused or clamped with a kind answer, and nothing recorded that a person did not give.

The web chat runs against a tiny in-process engine that records what reaches it; the Telegram
cases run through the real dispatcher against the fake Bot API server. What the actions do if a
forged value reaches them anyway is in ``tests/unit/actions/test_forged_payloads.py``.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.types import Update
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from bot.counsellors import add_counsellor
from bot.database import make_engine, make_sessions
from bot.engine import BotMessage, Engine, EngineReply
from bot.leads.models import Consent, Lead
from bot.leads.submission import submit_lead
from bot.migrations import upgrade
from bot.settings import Settings
from bot.telegram import create_dispatcher, make_bot
from bot.web.app import create_app
from devtools.fake_telegram import FakeTelegram
from tests.support.databases import give_consent, submission

CONSENT = '/request_counsellor{"consent": "contact"}'
_ids = itertools.count(1)


class RecordingEngine(Engine):
    """The engine's REST channel in-process: records what reaches it, answers with one text."""

    def __init__(self) -> None:
        super().__init__("http://127.0.0.1:9")
        self.received: list[tuple[str, str]] = []

    async def send(self, sender: str, text: str, language: str, channel: str, *args: Any, **kwargs: Any) -> EngineReply:
        self.received.append((text, kwargs.get("kind", "text")))
        return EngineReply([BotMessage("Gern.")])

    async def is_ready(self) -> bool:
        return True


@pytest.fixture
def sessions(tmp_path) -> sessionmaker:
    url = f"sqlite:///{tmp_path / 'forged.db'}"
    upgrade(url)
    return make_sessions(make_engine(url))


@pytest.fixture
def web(tmp_path, sessions: sessionmaker) -> Iterator[tuple[TestClient, RecordingEngine]]:
    engine = RecordingEngine()
    database_url = str(sessions.kw["bind"].url)
    with TestClient(create_app(Settings(var_dir=tmp_path, database_url=database_url), engine=engine)) as client:
        yield client, engine


def _chat(client: TestClient, text: str = "", **extra: Any) -> Any:
    return client.post("/api/chat", json={"session": str(uuid.uuid4()), "text": text, "language": "de", **extra})


def _count(sessions: sessionmaker, model: Any) -> int:
    with sessions() as db:
        return db.scalar(select(func.count()).select_from(model)) or 0


# --- the web chat ----------------------------------------------------------------------------


def test_a_typed_inform_with_a_negative_age_reaches_the_engine_as_words_only(web) -> None:
    client, engine = web
    response = _chat(client, '/inform{"age": -5}')
    assert response.status_code == 200 and response.json()["messages"][0]["text"] == "Gern."
    assert engine.received == [("inform", "text")], "no entities, no payload: what was between braces is gone"


def test_a_typed_consent_before_the_notice_is_words_and_records_nothing(web, sessions: sessionmaker) -> None:
    client, engine = web
    response = _chat(client, CONSENT)
    assert response.status_code == 200
    assert engine.received == [("request counsellor", "text")]
    assert _count(sessions, Consent) == 0


def test_a_consent_payload_lotse_did_not_offer_is_handled_as_text(web, sessions: sessionmaker) -> None:
    client, engine = web
    response = _chat(client, "", payload=CONSENT)
    assert response.status_code == 200
    assert engine.received == [("request counsellor", "text")], "a press counts only for an offered button"
    assert _count(sessions, Consent) == 0


@pytest.mark.parametrize(
    "bomb",
    [
        "/inform" + '{"a":' * 300 + "1" + "}" * 300,
        '/inform{"age": ' + "[" * 400 + "]" * 400 + "}",
        "/request_counsellor" + "{" * 900,
    ],
)
def test_a_json_bomb_in_a_typed_payload_is_refused_or_reduced_to_words(web, bomb: str) -> None:
    client, engine = web
    response = _chat(client, bomb)
    assert response.status_code in (200, 400) and response.json()["messages"][0]["text"]
    # Rasa reads a leading "/" as an intent with entities; what reaches it is words
    assert all(not text.lstrip().startswith("/") for text, _kind in engine.received)
    if bomb.endswith("}"):  # shaped like a payload: only its words, nothing between the braces
        assert all("{" not in text and "[" not in text for text, _kind in engine.received)


def test_a_json_bomb_as_a_pressed_payload_is_refused_kindly(web) -> None:
    client, engine = web
    response = _chat(client, "", payload='/inform{"a":' * 500)
    assert response.status_code == 400 and response.json()["messages"][0]["text"]
    assert engine.received == []


def test_a_deeply_nested_body_is_a_kind_400(web) -> None:
    client, engine = web
    body = b'{"session": "x", "text": ' + b"[" * 20_000 + b"]" * 20_000 + b"}"
    response = client.post("/api/chat", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400 and response.json()["messages"][0]["text"]
    assert engine.received == []


# --- Telegram: the counsellors' card buttons ----------------------------------------------------

COUNSELLOR, STRANGER, COUNSELLORS_CHAT = 5_000_001, 7_000_002, -1_001_234_567_890


@pytest.fixture
async def cards(tmp_path, sessions: sessionmaker, telegram: FakeTelegram) -> AsyncIterator[tuple[Bot, Dispatcher, str]]:
    add_counsellor(sessions, "anna", "Anna Berg", "correct horse battery", telegram_user_id=COUNSELLOR)
    conversation = str(uuid.uuid4())
    give_consent(sessions, conversation, "contact", "2026-11-28", "web")
    lead_id = str(submit_lead(sessions, submission(conversation)).id)
    settings = Settings(
        var_dir=tmp_path,
        database_url=str(sessions.kw["bind"].url),
        telegram_token="42:FORGED",
        telegram_api_base=telegram.base_url,
        counsellor_chat_id=COUNSELLORS_CHAT,
    )
    bot = make_bot(settings)
    yield bot, create_dispatcher(settings, sessions), lead_id
    await bot.session.close()


async def _tap(bot: Bot, dispatcher: Dispatcher, user: int, data: str) -> None:
    card = {
        "message_id": 1,
        "date": 0,
        "chat": {"id": COUNSELLORS_CHAT, "type": "supergroup", "title": "Beratung"},
        "from": {"id": 42, "is_bot": True, "first_name": "Lotse"},
        "text": "Neue Anfrage",
    }
    query = {
        "id": str(next(_ids)),
        "from": {"id": user, "is_bot": False, "first_name": "X"},
        "chat_instance": "ci",
        "message": card,
        "data": data,
    }
    update = Update.model_validate({"update_id": next(_ids), "callback_query": query}, context={"bot": bot})
    await dispatcher.feed_update(bot, update)


def _lead(sessions: sessionmaker, lead_id: str) -> tuple[str, int | None]:
    with sessions() as db:
        lead = db.get(Lead, lead_id)
        assert lead is not None
        return lead.status, lead.claimed_by_id


async def test_a_claim_replayed_by_a_stranger_is_refused_and_changes_nothing(
    cards, sessions: sessionmaker, telegram: FakeTelegram
) -> None:
    bot, dispatcher, lead_id = cards
    await _tap(bot, dispatcher, STRANGER, f"lead:claim:{lead_id}")
    assert _lead(sessions, lead_id) == ("new", None)
    [refused] = telegram.called("answerCallbackQuery")
    assert "nicht als Beraterin" in refused.params["text"] and refused.params.get("show_alert") in (True, "true")
    await _tap(bot, dispatcher, COUNSELLOR, f"lead:claim:{lead_id}")
    claimed = _lead(sessions, lead_id)
    assert claimed[0] == "claimed" and claimed[1] is not None
    edits = len(telegram.called("editMessageText"))
    for data in (f"lead:claim:{lead_id}", f"lead:close:{lead_id}"):
        await _tap(bot, dispatcher, STRANGER, data)
    assert _lead(sessions, lead_id) == claimed, "a stranger's replay neither takes nor closes the lead"
    assert len(telegram.called("editMessageText")) == edits, "nor changes the card"
    assert not telegram.called("sendMessage")


@pytest.mark.parametrize("data", ["lead:claim:" + "9" * 5000, "lead:delete:1", "lead:claim:1:2", "lead:claim:"])
async def test_forged_card_data_is_answered_quietly(cards, telegram: FakeTelegram, data: str) -> None:
    bot, dispatcher, _lead_id = cards
    await _tap(bot, dispatcher, COUNSELLOR, data)
    assert len(telegram.called("answerCallbackQuery")) == 1
    assert not telegram.called("editMessageText") and not telegram.called("sendMessage")
