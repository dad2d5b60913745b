"""Conversations through the real engine, action server and NLG endpoint, over REST."""

from __future__ import annotations

import sqlite3
import uuid

import httpx

from actions.nlg import render
from actions.understanding import ASK_BACK, NOT_MINE_UNSURE, SMALL_TALK
from bot.i18n import translate
from bot.starter import Stack


def _sender() -> str:
    return f"test:{uuid.uuid4()}"


def _texts(messages: list[dict]) -> list[str]:
    return [m["text"] for m in messages if "text" in m]


def test_german_conversation(stack: Stack) -> None:
    sender = _sender()
    greeting = stack.say(sender, "hallo", "de")
    assert _texts(greeting) == [render("utter_greet", "de")["text"]]
    assert {"title": "Was kannst du?", "payload": "/help"} in greeting[0]["buttons"]
    assert _texts(stack.say(sender, "was kannst du alles", "de")) == [render("utter_help", "de")["text"]]
    assert _texts(stack.say(sender, "danke dir", "de")) == [render("utter_thank", "de")["text"]]
    assert _texts(stack.say(sender, "tschüss", "de")) == [render("utter_goodbye", "de")["text"]]


def test_english_conversation(stack: Stack) -> None:
    sender = _sender()
    assert _texts(stack.say(sender, "hello", "en")) == [render("utter_greet", "en")["text"]]
    assert _texts(stack.say(sender, "are you a bot?", "en")) == [render("utter_bot_challenge", "en")["text"]]
    assert _texts(stack.say(sender, "tell me a joke", "en")) == [render("utter_out_of_scope", "en")["text"]]


def test_switching_language_in_words_then_back_by_button(stack: Stack) -> None:
    sender = _sender()
    stack.say(sender, "hallo", "de")
    switched = stack.say(sender, "auf englisch bitte", "de")
    assert _texts(switched) == ["OK, from now on I'll write in English."]
    assert {"custom": {"lotse_language": "en"}, "recipient_id": sender} in switched
    # the channel still says "de", but the user's choice wins
    assert _texts(stack.say(sender, "danke", "de")) == [render("utter_thank", "en")["text"]]
    back = stack.say(sender, '/change_language{"language": "de"}', "de")
    assert _texts(back) == ["Gut, ab jetzt schreibe ich auf Deutsch."]
    assert _texts(stack.say(sender, "hi", "de")) == [render("utter_greet", "de")["text"]]


def test_asking_for_another_language_offers_buttons(stack: Stack) -> None:
    sender = _sender()
    asked = stack.say(sender, "sprache wechseln", "de")
    assert _texts(asked) == [render("utter_ask_language", "de")["text"]]
    assert {"Deutsch", "English"} <= {b["title"] for b in asked[0]["buttons"]}


def test_a_language_we_do_not_have_yet_is_answered_in_english(stack: Stack) -> None:
    sender = _sender()
    assert _texts(stack.say(sender, "/greet", "sw")) == [render("utter_greet", "en")["text"]]
    assert _texts(stack.say(sender, "/greet", "<script>")) == [render("utter_greet", "en")["text"]]
    assert _texts(stack.say(_sender(), "/greet", None)) == [render("utter_greet", "de")["text"]]


def test_the_channel_changing_its_language_switches_the_conversation(stack: Stack) -> None:
    sender = _sender()
    stack.say(sender, "hallo", "de")
    assert _texts(stack.say(sender, "/greet", "en")) == [render("utter_greet", "en")["text"]]


def test_junk_gets_a_kind_answer(stack: Stack) -> None:
    answers = ("utter_default", "utter_out_of_scope", "utter_what_next", *SMALL_TALK.values())
    kind = {render(name, "de")["text"] for name in answers}
    kind |= {translate("de", ASK_BACK), translate("de", NOT_MINE_UNSURE)}
    for junk in ["\x00\x01\ufffd\ufffd\x7f", "qwrtzp xkcd vbnm", "<script>alert(1)</script>", "a" * 10_000]:
        texts = _texts(stack.say(_sender(), junk, "de"))
        assert len(texts) == 1 and texts[0] in kind, junk[:40]


def test_conversations_are_kept_in_the_database_not_in_memory(stack: Stack) -> None:
    sender = _sender()
    stack.say(sender, "hallo", "de")
    database = stack.settings.var_dir / "lotse.db"
    with sqlite3.connect(database) as connection:
        (count,) = connection.execute("SELECT count(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()
    assert count >= 3  # session start, user message, bot message …


def test_the_http_api_needs_the_token(stack: Stack) -> None:
    sender = _sender()
    stack.say(sender, "hello", "en")
    url = f"{stack.engine_url}/conversations/{sender}/tracker"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, params={"token": "wrong"}).status_code == 401
    tracker = httpx.get(url, params={"token": stack.token}).json()
    assert tracker["slots"]["language"] == "en"


def test_message_texts_do_not_reach_the_logs(stack: Stack) -> None:
    marker = f"geheim{uuid.uuid4().hex[:10]}"
    stack.say(_sender(), f"mein name ist {marker}", "de")
    assert marker not in stack.logs()
