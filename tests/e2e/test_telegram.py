"""People in Telegram: the real aiogram Bot and dispatcher, a fake Bot API server over HTTP, and
the real engine and action server behind them."""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiogram import Bot, Dispatcher
from aiogram.types import Update
from sqlalchemy import select

from actions.nlg import render
from bot.bidi import RLM
from bot.conversation import Conversations
from bot.database import make_engine, make_sessions
from bot.engine import Engine
from bot.leads.models import Consent, Lead
from bot.settings import Settings
from bot.starter import Stack
from bot.telegram import chat, create_dispatcher, make_bot
from devtools.fake_telegram import FakeTelegram

_ids = itertools.count(1)


@asynccontextmanager
async def _wire(
    stack: Stack, telegram: FakeTelegram, folder, **settings_overrides
) -> AsyncIterator[tuple[Bot, Dispatcher]]:
    settings = Settings(
        **{
            "var_dir": folder,
            "telegram_token": "42:TEST",
            "telegram_api_base": telegram.base_url,
            "database_url": stack.settings.effective_database_url,
            "public_url": "https://lotse.example",
            "rate_limit_burst": 1000,  # tests type faster than people
            **settings_overrides,
        }
    )
    engine = Engine(stack.engine_url, 60, token=stack.token)
    database = make_engine(settings.effective_database_url)
    sessions = make_sessions(database)
    conversations = Conversations.from_settings(engine, settings, sessions)
    bot = make_bot(settings)
    yield bot, create_dispatcher(settings, sessions, conversations)
    await bot.session.close()
    await engine.aclose()
    database.dispose()


@pytest.fixture
async def wired(stack: Stack, telegram: FakeTelegram, tmp_path) -> AsyncIterator[tuple[Bot, Dispatcher]]:
    async with _wire(stack, telegram, tmp_path) as bot_and_dispatcher:
        yield bot_and_dispatcher


class Person:
    """Somebody writing to the bot in a private chat."""

    def __init__(self, wired: tuple[Bot, Dispatcher], telegram: FakeTelegram, language: str) -> None:
        self.bot, self.dispatcher = wired
        self.telegram = telegram
        self.chat_id = 700_000 + next(_ids)
        self.language = language

    def _user(self) -> dict:
        return {"id": self.chat_id, "is_bot": False, "first_name": "T", "language_code": self.language}

    def _message(self, **content) -> dict:
        return {
            "update_id": next(_ids),
            "message": {
                "message_id": next(_ids),
                "date": 0,
                "from": self._user(),
                "chat": {"id": self.chat_id, "type": "private"},
                **content,
            },
        }

    async def _feed(self, update: dict) -> list[dict]:
        before = len(self.telegram.called("sendMessage"))
        await self.dispatcher.feed_update(self.bot, Update.model_validate(update))
        return [
            c.params
            for c in self.telegram.called("sendMessage")[before:]
            if str(c.params["chat_id"]) == str(self.chat_id)
        ]

    async def write(self, text: str) -> list[dict]:
        return await self._feed(
            self._message(
                text=text,
                **(
                    {"entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]}
                    if text.startswith("/")
                    else {}
                ),
            )
        )

    async def tap(self, sent: list[dict], title_part: str) -> list[dict]:
        for params in reversed(sent):
            for row in (params.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if title_part in button["text"]:
                        return await self._feed(
                            {
                                "update_id": next(_ids),
                                "callback_query": {
                                    "id": str(next(_ids)),
                                    "chat_instance": "c",
                                    "from": self._user(),
                                    "data": button["callback_data"],
                                    "message": {
                                        "message_id": 1,
                                        "date": 0,
                                        "text": "x",
                                        "chat": {"id": self.chat_id, "type": "private"},
                                    },
                                },
                            }
                        )
        raise AssertionError(f"no button with {title_part!r} in {sent}")

    async def send(self, **content) -> list[dict]:
        return await self._feed(self._message(**content))

    async def forge(self, data: str) -> list[dict]:
        """A callback query with ``data`` that no button of Lotse's carried to this chat."""
        return await self._feed(
            {
                "update_id": next(_ids),
                "callback_query": {
                    "id": str(next(_ids)),
                    "chat_instance": "c",
                    "from": self._user(),
                    "data": data,
                    "message": {
                        "message_id": 1,
                        "date": 0,
                        "text": "x",
                        "chat": {"id": self.chat_id, "type": "private"},
                    },
                },
            }
        )


async def test_a_german_conversation_with_buttons_and_a_deep_link(wired, telegram, stack, monkeypatch) -> None:
    monkeypatch.setattr(chat, "TYPING_AFTER", 0.0)  # "typing…" shows only when the engine is slow
    person = Person(wired, telegram, "de")
    greeting = await person.write("/start jobcenter_flyer")
    assert greeting[0]["text"] == render("utter_greet", "de")["text"]
    assert "reply_markup" in greeting[0] and telegram.called("sendChatAction")
    check = await person.tap(greeting, "Welcher Weg")
    assert any("Wie alt bist du?" in m["text"] for m in check)
    assert (await person.write("/help"))[0]["text"]
    privacy = await person.write("/privacy")
    assert "https://lotse.example/privacy?lang=de" in privacy[0]["text"]


async def test_forged_or_outdated_callback_data_is_refused_on_the_tap_and_changes_nothing(
    wired, telegram, stack
) -> None:
    person = Person(wired, telegram, "de")
    await person.write("/start")
    slots_before = await stack.slots(f"tg:{person.chat_id}")
    answered = len(telegram.called("answerCallbackQuery"))
    for data in (
        '/request_counsellor{"consent": "contact"}',
        '/inform{"age": -5}',
        "/restart",
        "p:" + "0" * 24,
        "x" * 64,
    ):
        assert await person.forge(data) == [], "no message, no engine turn"
    refusals = telegram.called("answerCallbackQuery")[answered:]
    assert len(refusals) == 5
    assert all(
        r.params["text"] == "Diese Taste gilt nicht mehr. Nimm bitte die Tasten unter meiner letzten Nachricht."
        for r in refusals
    ), "each tap answered with a short notice"
    engine = make_engine(stack.settings.effective_database_url)
    with make_sessions(engine)() as session:
        assert session.scalar(select(Consent).where(Consent.conversation_id == f"tg:{person.chat_id}")) is None
    engine.dispose()
    assert await stack.slots(f"tg:{person.chat_id}") == slots_before, "no slot changed"
    # a button of an older answer: refused as well, in the person's language
    offer = await person.write("ich möchte eine beratung")
    await person.write("was kostet eine umschulung?")
    assert await person.tap(offer, "Ja, einverstanden") == []
    assert telegram.called("answerCallbackQuery")[-1].params.get("text")
    # the button under the newest answer works
    offer = await person.write("ich möchte eine beratung")
    form = await person.tap(offer, "Ja, einverstanden")
    assert any("Wie heißt du" in m["text"] for m in form)
    assert "text" not in telegram.called("answerCallbackQuery")[-1].params, "a valid tap: no notice"


async def test_an_arabic_person_is_told_in_arabic_that_a_button_is_no_longer_valid(wired, telegram) -> None:
    person = Person(wired, telegram, "ar")
    await person.write("مرحبا")
    await person.forge('/change_language{"language": "de"}')
    notice = telegram.called("answerCallbackQuery")[-1].params["text"]
    assert any("\u0600" <= ch <= "\u06ff" for ch in notice)


async def test_an_arabic_conversation_reads_right_to_left(wired, telegram) -> None:
    person = Person(wired, telegram, "ar")
    greeting = await person.write("مرحبا")
    assert greeting[0]["text"] == render("utter_greet", "ar")["text"]
    assert greeting[0]["text"].startswith(RLM)
    check = await person.tap(greeting, render("utter_greet", "ar")["buttons"][0]["title"])
    assert check and all(any("\u0600" <= ch <= "\u06ff" for ch in m["text"]) for m in check)


async def test_voice_and_stickers_get_a_kind_word_in_the_users_language(wired, telegram) -> None:
    person = Person(wired, telegram, "uk")
    voice = await person.send(voice={"file_id": "v", "file_unique_id": "v", "duration": 3})
    assert any("\u0400" <= ch <= "\u04ff" for ch in voice[0]["text"])


async def test_a_telegram_user_shares_the_number_with_one_tap(wired, telegram, stack) -> None:
    person = Person(wired, telegram, "de")
    await person.write("/start messe_2026")
    offer = await person.write("ich möchte eine beratung")
    form = await person.tap(offer, "Ja, einverstanden")
    assert any("Wie heißt du" in m["text"] for m in form)
    method = await person.write("Amal")
    assert any(
        b["text"] == "Hier in Telegram"
        for m in method
        for row in (m.get("reply_markup") or {}).get("inline_keyboard", [])
        for b in row
    )
    ask_phone = await person.tap(method, "Telefon")
    keyboard = ask_phone[-1]["reply_markup"]["keyboard"][0][0]
    assert keyboard["request_contact"] is True
    await person.send(contact={"phone_number": "4917612345678", "first_name": "Amal", "user_id": person.chat_id})
    time = await person.write("egal")
    language = await person.tap(time, "Egal") if not any("Sprache" in m["text"] for m in time) else time
    done = await person.tap(language, "Deutsch")
    assert any("in der Regel innerhalb von 1 Werktag" in m["text"] for m in done)
    engine = make_engine(stack.settings.effective_database_url)
    with make_sessions(engine)() as session:
        lead = session.scalar(select(Lead).where(Lead.conversation_id == f"tg:{person.chat_id}"))
    engine.dispose()
    assert lead.phone == "+4917612345678" and lead.channel == "telegram" and lead.source == "messe_2026"


async def test_a_flood_is_refused_kindly_and_only_once(stack, telegram, tmp_path) -> None:
    async with _wire(stack, telegram, tmp_path, rate_limit_burst=2, rate_limit_per_minute=1) as wired:
        person = Person(wired, telegram, "pl")
        answered = [await person.write(f"cześć {n}") for n in range(6)]
        voice = await person.send(voice={"file_id": "v", "file_unique_id": "v", "duration": 3})
    assert answered[0] and answered[1], "a person within the limit is answered by Lotse"
    assert [m["text"] for m in answered[2]] == [
        "Piszesz teraz bardzo szybko. Poczekaj chwilę, a potem wyślij wiadomość jeszcze raz."
    ]
    assert answered[3:] == [[], [], []], "told once: a flood does not get a flood of answers"
    assert voice == [], "voice notes and photos count too"


async def test_telegrams_429_is_waited_out_for_answers_to_people(wired, telegram) -> None:
    person = Person(wired, telegram, "tr")
    telegram.fail("sendMessage", status=429, retry_after=1)
    started = time.monotonic()
    greeting = await person.write("/start")
    assert time.monotonic() - started >= 1.0, "retry_after was honoured"
    assert [m["text"] for m in greeting] == [render("utter_greet", "tr")["text"]], "answered once"


def test_webhook_mode_checks_the_secret_and_ignores_duplicate_updates(stack, telegram, tmp_path) -> None:
    from fastapi.testclient import TestClient

    from bot.web.app import create_app

    settings = Settings(
        var_dir=tmp_path,
        telegram_token="42:TEST",
        telegram_api_base=telegram.base_url,
        telegram_webhook_url="https://lotse.example/telegram/webhook",
        telegram_webhook_secret="s3cret-token",
        engine_url=stack.engine_url,
        engine_token=stack.token,
        database_url=stack.settings.effective_database_url,
    )
    chat_id = 900_000 + next(_ids)
    update = {
        "update_id": 5_000_000 + chat_id,
        "message": {
            "message_id": 1,
            "date": 0,
            "text": "hallo",
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "W", "language_code": "de"},
        },
    }
    with TestClient(create_app(settings)) as client:
        [hook] = telegram.wait_for("setWebhook")
        assert hook.params["url"] == "https://lotse.example/telegram/webhook"
        assert hook.params["secret_token"] == "s3cret-token"
        menus = telegram.wait_for("setMyCommands", count=11)
        assert {m.params.get("language_code") for m in menus} >= {None, "de", "en", "uk", "ar", "fa", "vi"}
        assert client.post("/telegram/webhook", json=update).status_code == 401
        wrong = {"X-Telegram-Bot-Api-Secret-Token": "guess"}
        assert client.post("/telegram/webhook", json=update, headers=wrong).status_code == 401
        right = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
        assert client.post("/telegram/webhook", json=update, headers=right).status_code == 200
        answers = [c for c in telegram.called("sendMessage") if str(c.params["chat_id"]) == str(chat_id)]
        assert answers and answers[0].params["text"] == render("utter_greet", "de")["text"]
        assert client.post("/telegram/webhook", json=update, headers=right).status_code == 200
        again = [c for c in telegram.called("sendMessage") if str(c.params["chat_id"]) == str(chat_id)]
        assert len(again) == len(answers), "a duplicate update is handled once"
