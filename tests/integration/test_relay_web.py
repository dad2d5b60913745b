"""The relay with a person in the web chat: the counsellor writes from Telegram (a reply to the
card, real aiogram Bot against the fake Bot API) or from the inbox; the person gets it live on the
open chat's event stream (real HTTP, the gateway under uvicorn), or on the next visit; their answer
goes back to the thread; Lotse (the real engine) stays silent meanwhile and answers again after
``/done``."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from aiogram import Bot
from aiogram.types import Update
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.counsellors import add_counsellor
from bot.engine import Engine
from bot.i18n import translate
from bot.leads.claims import claim_lead
from bot.leads.models import AuditEvent, Lead, OutboxMessage, RelayMessage
from bot.leads.outbox import CLAIMED_NOTICE, RELAY_ENDED, WebNotice, take_web_notices
from bot.leads.relay import FIRST_HINT, HEADER, TEMPLATES
from bot.leads.submission import submit_lead
from bot.notifier import Notifier
from bot.settings import Settings
from bot.starter import Stack
from bot.telegram import create_dispatcher, make_bot
from bot.web.app import create_app
from devtools.events import Stream
from devtools.fake_telegram import FakeTelegram
from devtools.servers import Gateway, start_gateway
from tests.support.databases import give_consent, submission
from tests.support.inbox import PASSWORD, login

CHAT = -100888
ANNA = 601
BOT_ID = 123


def _web_lead(sessions: sessionmaker, language: str, first_name: str = "Amal") -> tuple[str, Lead]:
    chat = str(uuid.uuid4())
    give_consent(sessions, f"web:{chat}", "contact", "2026-12", "web")
    lead = submit_lead(sessions, submission(f"web:{chat}", language=language, first_name=first_name))
    return chat, lead


# --- the inbox ------------------------------------------------------------------------------------


@pytest.fixture
def inbox(database_url: str, sessions: sessionmaker, tmp_path) -> Iterator[TestClient]:
    add_counsellor(sessions, "carl", "Carl Meier", PASSWORD)
    add_counsellor(sessions, "ben", "Ben Kraus", PASSWORD)
    settings = Settings(var_dir=tmp_path, database_url=database_url, public_url="http://testserver")
    with TestClient(create_app(settings, engine=Engine("http://127.0.0.1:9"))) as client:
        yield client


def test_the_inbox_writes_to_the_person_in_their_language_and_shows_both_sides(
    inbox: TestClient, sessions: sessionmaker
) -> None:
    chat, lead = _web_lead(sessions, "uk", "Olena")
    page = f"/inbox/leads/{lead.id}"
    login(inbox, "carl")
    inbox.post(f"{page}/status", data={"status": "claimed", "csrf": login(inbox, "carl")})

    csrf = login(inbox, "ben")  # not the one who holds the lead
    assert "Schreiben kann, wer die Anfrage übernommen hat (Carl Meier)" in inbox.get(page).text
    refused = inbox.post(f"{page}/message", data={"text": "Hallo", "csrf": csrf})
    assert refused.status_code == 403 and "Carl Meier übernommen" in refused.text

    csrf = login(inbox, "carl")
    assert inbox.post(f"{page}/message", data={"text": "Hallo", "csrf": "forged"}).status_code == 403
    wakeup = inbox.app.state.telegram.wakeup = asyncio.Event()  # the notifier's, when Telegram runs
    sent = inbox.post(f"{page}/message", data={"text": "Guten Tag, ich rufe Sie morgen an.", "csrf": csrf})
    assert wakeup.is_set(), "a message for a Telegram person would go out now, not at the next look"
    assert sent.status_code == 200 and "sieht nach Deutsch aus" in sent.text, "a hint: the person chose Ukrainian"
    inbox.post(f"{page}/message", data={"template": "documents", "values": "Диплом, трудова книжка", "csrf": csrf})
    missing = inbox.post(f"{page}/message", data={"template": "call", "values": "12.01.", "csrf": csrf})
    assert missing.status_code == 400 and "fehlen Angaben" in missing.text

    [taken, first, second] = take_web_notices(sessions, f"web:{chat}")
    assert taken == WebNotice("uk", CLAIMED_NOTICE)
    assert first == WebNotice("uk", None, "Carl", "Guten Tag, ich rufe Sie morgen an.", True)
    expected = translate("uk", TEMPLATES["documents"].msgid, documents="Диплом, трудова книжка")
    assert second.text == expected and not second.first and "Unterlagen" not in expected

    answered = inbox.post("/api/chat", json={"session": chat, "text": "Дякую! До завтра.", "language": "uk"})
    assert answered.status_code == 200
    assert answered.json()["messages"] == [] and answered.json()["relayed"] is True, "Lotse stays silent"
    shown = inbox.get(page).text
    assert "Дякую! До завтра." in shown and "Guten Tag, ich rufe Sie morgen an." in shown
    assert "Vorlage 📄 Unterlagen mitbringen" in shown and "relay--from_person" in shown

    ended = inbox.post(f"{page}/relay-end", data={"csrf": csrf})
    assert "Gespräch beendet" in ended.text
    assert take_web_notices(sessions, f"web:{chat}") == [WebNotice("uk", RELAY_ENDED)]
    with sessions() as session:
        audit = [(a.action, a.detail) for a in session.scalars(select(AuditEvent).where(AuditEvent.actor == "carl"))]
        thread = session.scalars(select(OutboxMessage.kind).where(OutboxMessage.kind == "relay_counsellors")).all()
    assert ("relay", {"via": "inbox", "template": None}) in audit
    assert ("relay", {"via": "inbox", "template": "documents"}) in audit and ("relay_end", {}) in audit
    assert thread == ["relay_counsellors"], "the person's answer also goes to the Telegram thread"


# --- live, over the event stream -------------------------------------------------------------------


@pytest.fixture
def gateway(stack: Stack, database_url: str, tmp_path) -> Iterator[Gateway]:
    def settings(port: int) -> Settings:
        return Settings(
            var_dir=tmp_path,
            database_url=database_url,
            engine_url=stack.engine_url,
            engine_token=stack.token,
            public_url=f"http://localhost:{port}",
        )

    running = start_gateway(settings)
    yield running
    running.stop()


@pytest.fixture
async def telegram_side(
    telegram: FakeTelegram, sessions: sessionmaker, tmp_path
) -> AsyncIterator[tuple[Bot, Any, Notifier]]:
    settings = Settings(
        var_dir=tmp_path, telegram_token=f"{BOT_ID}:TEST", telegram_api_base=telegram.base_url, counsellor_chat_id=CHAT
    )
    bot = make_bot(settings, timeout=2.0)
    add_counsellor(sessions, "anna", "Anna Berg", "a-long-password-1", telegram_user_id=ANNA)
    yield bot, create_dispatcher(settings, sessions), Notifier(sessions, bot, CHAT, "https://lotse.example")
    await bot.session.close()


def _reply_to_card(card: int, text: str) -> Update:
    message_id = int(time.monotonic() * 1000) % 1_000_000
    chat = {"id": CHAT, "type": "supergroup"}
    return Update.model_validate(
        {
            "update_id": message_id,
            "message": {
                "message_id": message_id,
                "date": 0,
                "chat": chat,
                "from": {"id": ANNA, "is_bot": False, "first_name": "Anna"},
                "text": text,
                "reply_to_message": {
                    "message_id": card,
                    "date": 0,
                    "chat": chat,
                    "from": {"id": BOT_ID, "is_bot": True, "first_name": "Lotse"},
                    "text": "card",
                },
            },
        }
    )


async def test_a_reply_to_the_card_reaches_the_open_web_chat_live_and_lotse_answers_again_after_done(
    gateway: Gateway, sessions: sessionmaker, telegram: FakeTelegram, telegram_side
) -> None:
    bot, dispatcher, notifier = telegram_side
    chat, lead = _web_lead(sessions, "ar")
    post = httpx.AsyncClient(base_url=gateway.url, timeout=30)
    greeting = (await post.post("/api/chat", json={"session": chat, "text": "/start", "language": "ar"})).json()
    assert greeting["messages"], "Lotse answers before the counsellor writes"
    assert claim_lead(sessions, lead.id, ANNA).reason == "claimed"
    await notifier.deliver_due()
    with sessions() as session:
        card = session.scalar(select(OutboxMessage.telegram_message_id).where(OutboxMessage.kind == "lead_card"))

    stream = Stream(f"{gateway.url}/api/events?session={chat}")
    try:
        assert stream.next()["messages"][0].get("kind") is None  # "a counsellor has taken your request"
        written_at = time.monotonic()
        await dispatcher.feed_update(bot, _reply_to_card(card, "مرحبا أمل، أنا آنا. سأتصل بك غدًا."))
        event = await asyncio.to_thread(stream.next)
        latency = time.monotonic() - written_at
        [message] = event["messages"]
        assert message["kind"] == "counsellor" and message["author"] == translate("ar", HEADER, name="Anna")
        assert message["text"].startswith("مرحبا أمل، أنا آنا. سأتصل بك غدًا.")
        assert translate("ar", FIRST_HINT) in message["text"]
        assert latency < 2.0, f"on the person's screen after {latency:.2f} s"
        print(f"counsellor message → open web chat: {latency * 1000:.0f} ms")

        answer = await post.post("/api/chat", json={"session": chat, "text": "شكرا، أنا متاحة غدًا.", "language": "ar"})
        assert answer.json()["messages"] == [] and answer.json()["relayed"] is True, "Lotse stays silent"
        await notifier.deliver_due()
        back = [c.params for c in telegram.called("sendMessage") if "شكرا، أنا متاحة غدًا." in c.params["text"]]
        assert len(back) == 1 and back[0]["reply_parameters"]["message_id"] == card

        await dispatcher.feed_update(bot, _reply_to_card(card, "/done"))
        ended = await asyncio.to_thread(stream.next)
        assert ended["messages"][0]["text"] == translate("ar", RELAY_ENDED)
        again = (await post.post("/api/chat", json={"session": chat, "text": "شكرا", "language": "ar"})).json()
        assert again["messages"] and "relayed" not in again, "Lotse answers again"
    finally:
        stream.close()

    # the chat is closed: the next message waits for the next visit
    await asyncio.sleep(1.0)  # (the server notices the closed stream)
    await dispatcher.feed_update(bot, _reply_to_card(card, "أمل، هل ما زال الموعد مناسبًا؟"))
    await asyncio.sleep(1.5)
    with sessions() as session:
        [waiting] = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "relay_web", OutboxMessage.status == "pending")
        ).all()
        assert session.scalar(select(RelayMessage.text).where(RelayMessage.id == waiting.relay_message_id)).startswith(
            "أمل"
        )
    visit = Stream(f"{gateway.url}/api/events?session={chat}")
    try:
        kept = await asyncio.to_thread(visit.next)
        assert kept["messages"][0]["text"].startswith("أمل، هل ما زال الموعد مناسبًا؟")
        assert kept["messages"][0]["kind"] == "counsellor"
    finally:
        visit.close()
    await post.aclose()
