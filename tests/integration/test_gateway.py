"""The gateway in front of the real engine: what a browser sends, what it gets back."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from actions.nlg import render
from bot.engine import Engine
from bot.settings import Settings
from bot.starter import Stack
from bot.web.app import create_app


@pytest.fixture
def client(stack: Stack, tmp_path) -> Iterator[TestClient]:
    settings = Settings(var_dir=tmp_path, engine_url=stack.engine_url, engine_token=stack.token)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _chat(client: TestClient, session: str, text: str, language: str | None):
    return client.post("/api/chat", json={"session": session, "text": text, "language": language})


def _press(client: TestClient, session: str, button: dict, language: str | None):
    return client.post(
        "/api/chat",
        json={"session": session, "text": button["title"], "payload": button["payload"], "language": language},
    )


def test_a_browser_conversation_with_a_language_switch(client: TestClient) -> None:
    session = str(uuid.uuid4())
    first = _chat(client, session, "/start", "de")
    assert first.status_code == 200
    assert first.json()["messages"][0]["text"] == render("utter_greet", "de")["text"]
    switched = _chat(client, session, "english please", "de").json()
    assert switched["language"] == "en" and switched["dir"] == "ltr"
    assert [m["text"] for m in switched["messages"]] == ["OK, from now on I'll write in English."]


@pytest.mark.parametrize(
    "text",
    ["<img src=x onerror=alert(1)>", "'; DROP TABLE events; --", "\u202eevil", "😀" * 200, "x\n" * 300],
)
def test_odd_input_is_answered_not_crashed(client: TestClient, text: str) -> None:
    response = _chat(client, str(uuid.uuid4()), text, "en")
    assert response.status_code == 200
    assert response.json()["messages"], "every message gets an answer"


def test_a_language_without_catalog_is_answered_in_english(client: TestClient) -> None:
    body = _chat(client, str(uuid.uuid4()), "/start", "sw").json()
    assert body["language"] == "en"
    assert body["messages"][0]["text"] == render("utter_greet", "en")["text"]


def test_a_long_message_in_another_language_switches_the_conversation(client: TestClient) -> None:
    session = str(uuid.uuid4())
    _chat(client, session, "/start", "de")
    body = _chat(client, session, "Як мені отримати професійну освіту в Німеччині", "de").json()
    assert body["language"] == "uk"
    assert all(any("\u0400" <= ch <= "\u04ff" for ch in m["text"]) for m in body["messages"])
    # the browser now sends "uk"; short answers keep it
    assert _chat(client, session, "ok", "uk").json()["language"] == "uk"


def test_short_messages_never_flip_the_language(client: TestClient) -> None:
    session = str(uuid.uuid4())
    _chat(client, session, "/start", "de")
    for text in ("ok", "hi", "5", "ja", "merci", "salam"):
        body = _chat(client, session, text, "de").json()
        assert body["language"] == "de", text
        assert not any("weiterschreiben" in m["text"] for m in body["messages"])


def test_a_close_language_is_offered_with_one_tap(client: TestClient) -> None:
    session = str(uuid.uuid4())
    _chat(client, session, "/start", "uk")
    body = _chat(client, session, "Как мне получить профессию без обучения", "uk").json()
    assert body["language"] == "uk"
    offer = body["messages"][-1]
    assert "Русский" in offer["text"]
    assert offer["buttons"][0]["payload"] == '/change_language{"language": "ru"}'
    tapped = _press(client, session, offer["buttons"][0], "uk").json()
    assert tapped["language"] == "ru"
    # offered once per conversation and language, not on every message
    other = str(uuid.uuid4())
    _chat(client, other, "/start", "uk")
    first = _chat(client, other, "Как мне получить профессию без обучения", "uk").json()
    assert "Русский" in first["messages"][-1]["text"]
    again = _chat(client, other, "Как мне получить профессию без обучения", "uk").json()
    assert "Русский" not in again["messages"][-1]["text"]


async def test_the_engine_adapter_reads_the_real_conversation_back(client: TestClient, stack: Stack) -> None:
    """Slots and transcript (the inbox's history) come from the engine's HTTP API, sender ids with ':'."""
    session = str(uuid.uuid4())
    _chat(client, session, "/start", "uk")
    _chat(client, session, "що таке Umschulung?", "uk")
    engine = Engine(stack.engine_url, 30, token=stack.token)
    try:
        slots = await engine.conversation_slots(f"web:{session}")
        transcript = await engine.transcript(f"web:{session}")
    finally:
        await engine.aclose()
    assert slots["language"] == "uk" and slots["channel_language"] == "uk"
    assert ("user", "що таке Umschulung?") in transcript
    bot_texts = [text for who, text in transcript if who == "bot"]
    assert bot_texts[0] == render("utter_greet", "uk")["text"] and len(bot_texts) >= 2
