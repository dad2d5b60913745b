"""Lead cards reach the counsellors' chat exactly once — through the real aiogram Bot talking to a
fake Bot API server over HTTP — also when Telegram fails, limits or hangs, and when the worker
dies mid-delivery. Counsellors claim a card once; nobody else can."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiogram import Bot
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.counsellors import add_counsellor
from bot.database import utcnow
from bot.i18n import translate
from bot.leads.claims import claim_lead
from bot.leads.erasure import erase_conversation, purge_expired
from bot.leads.models import AuditEvent, Lead, OutboxMessage
from bot.leads.outbox import CLAIMED_NOTICE, WebNotice, take_web_notices
from bot.leads.submission import submit_lead
from bot.notifier import Notifier
from bot.settings import Settings
from bot.telegram import create_dispatcher, make_bot
from bot.telegram.cards import REDACTED
from devtools.fake_telegram import FakeTelegram
from tests.support.databases import give_consent, submission

CHAT = -100123


@pytest.fixture
def settings(telegram: FakeTelegram, tmp_path) -> Settings:
    return Settings(
        var_dir=tmp_path,
        telegram_token="123:TEST",
        telegram_api_base=telegram.base_url,
        counsellor_chat_id=CHAT,
        public_url="https://lotse.example",
    )


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[Bot]:
    bot = make_bot(settings, timeout=1.0)
    yield bot
    await bot.session.close()


def _notifier(sessions: sessionmaker, bot: Bot, lease: float = 60.0) -> Notifier:
    return Notifier(sessions, bot, CHAT, "https://lotse.example", lease_seconds=lease, backoff_seconds=0.3)


def _lead(sessions: sessionmaker, conversation: str = "web:n1", **changes) -> Lead:
    give_consent(sessions, conversation, "contact", "2026-11", "web")
    return submit_lead(sessions, submission(conversation, **changes))


def _outbox(sessions: sessionmaker) -> list[OutboxMessage]:
    with sessions() as session:
        return list(session.scalars(select(OutboxMessage)))


async def test_a_lead_card_arrives_once_without_contact_details(sessions, bot, telegram) -> None:
    lead = _lead(sessions)
    submit_lead(sessions, submission("web:n1", first_name="Olena K."))  # again: an update
    notifier = _notifier(sessions, bot)
    assert (await notifier.deliver_due()).sent == 1
    assert (await notifier.deliver_due()).sent == 0
    [call] = telegram.called("sendMessage")
    assert call.params["chat_id"] == str(CHAT)
    text = call.params["text"]
    assert "Olena K." in text and "Anerkennung" in text and "Українська" in text
    assert "0176" not in text and "+49" not in text and "@" not in text
    assert f"/inbox/leads/{lead.id}" in text
    buttons = [b["text"] for b in call.params["reply_markup"]["inline_keyboard"][0]]
    assert buttons == ["Übernehmen", "Erledigt"]
    [row] = _outbox(sessions)
    assert row.status == "sent" and row.telegram_message_id is not None


@pytest.mark.parametrize("fault", ["500", "429", "timeout"])
async def test_a_failing_telegram_gets_the_card_later_once(sessions, bot, telegram, fault) -> None:
    _lead(sessions)
    if fault == "500":
        telegram.fail("sendMessage", 500, times=2)
    elif fault == "429":
        telegram.fail("sendMessage", 429, retry_after=1)
    else:
        telegram.hang("sendMessage", 2.0)  # the client gives up after 1 s
    notifier = _notifier(sessions, bot)
    first = await notifier.deliver_due()
    assert first.sent == 0 and first.retried == 1
    [row] = _outbox(sessions)
    assert row.status == "pending" and row.attempts == 1
    if fault == "429":
        wait = (row.next_attempt_at - row.created_at).total_seconds()
        assert wait >= 0.9, "Telegram's retry_after is honoured"
    assert (await notifier.deliver_due()).sent == 0, "not before the backoff"
    for _ in range(80):
        if (await notifier.deliver_due()).sent:
            break
        await asyncio.sleep(0.1)
    assert len(telegram.called("sendMessage")) == 1
    assert _outbox(sessions)[0].status == "sent"


async def test_a_worker_killed_mid_delivery_is_replaced_without_a_duplicate(sessions, bot, telegram) -> None:
    _lead(sessions)
    telegram.hang("sendMessage", 0.8)
    killed = _notifier(sessions, bot, lease=1.0)
    task = asyncio.create_task(killed.deliver_due())
    for _ in range(100):  # until the card is claimed and on its way
        if "sendMessage" in telegram.requests:
            break
        await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    restarted = _notifier(sessions, bot, lease=1.0)
    assert (await restarted.deliver_due()).sent == 0, "the dead worker's lease still holds"
    [claimed] = _outbox(sessions)
    lease_ends = claimed.claimed_until
    assert lease_ends is not None
    while not (delivered := await restarted.deliver_due()).sent:  # the signal: the lease running out
        assert utcnow() < lease_ends + timedelta(seconds=10), "the card is sent once the lease ran out"
        await asyncio.sleep(0.05)
    assert utcnow() >= lease_ends, "not before the dead worker's lease ran out"
    assert delivered.sent == 1
    await asyncio.to_thread(telegram.wait_idle)  # the dead worker's request is over, too
    assert len(telegram.called("sendMessage")) == 1


async def test_two_workers_never_send_the_same_card(sessions, bot, telegram) -> None:
    for n in range(6):
        _lead(sessions, f"web:w{n}")
    one, two = _notifier(sessions, bot), _notifier(sessions, bot)
    results = await asyncio.gather(one.deliver_due(), two.deliver_due())
    assert sum(r.sent for r in results) == 6
    assert len(telegram.called("sendMessage")) == 6


def _press(telegram: FakeTelegram, user_id: int, data: str, message_id: int) -> dict:
    return {
        "update_id": 1,
        "callback_query": {
            "id": f"cb{user_id}{message_id}",
            "chat_instance": "x",
            "data": data,
            "from": {"id": user_id, "is_bot": False, "first_name": "C"},
            "message": {
                "message_id": message_id,
                "date": 0,
                "chat": {"id": CHAT, "type": "supergroup"},
                "text": "card",
            },
        },
    }


async def test_a_counsellor_claims_a_card_once_and_others_cannot(sessions, bot, telegram, settings) -> None:
    from aiogram.types import Update

    lead = _lead(sessions)
    await _notifier(sessions, bot).deliver_due()
    message_id = _outbox(sessions)[0].telegram_message_id
    add_counsellor(sessions, "anna", "Anna Berg", "a-long-password-1", telegram_user_id=501)
    add_counsellor(sessions, "ben", "Ben Kurz", "a-long-password-2", telegram_user_id=502)
    dispatcher = create_dispatcher(settings, sessions)

    async def press(user: int, action: str) -> None:
        update = Update.model_validate(_press(telegram, user, f"lead:{action}:{lead.id}", message_id))
        await dispatcher.feed_update(bot, update)

    await press(999, "claim")  # not a counsellor
    assert "nicht als Beraterin" in telegram.called("answerCallbackQuery")[-1].params["text"]
    await press(501, "claim")
    await press(502, "claim")
    answers = [c.params.get("text") for c in telegram.called("answerCallbackQuery")]
    assert answers[1:] == ["Übernommen.", "Schon übernommen von Anna Berg."]
    edits = telegram.called("editMessageText")
    assert "Übernommen von Anna Berg" in edits[0].params["text"]
    assert [b["text"] for b in edits[0].params["reply_markup"]["inline_keyboard"][0]] == ["Erledigt"]
    await press(501, "close")  # the close step: how did it end?
    await press(501, "end_route_started")
    with sessions() as session:
        stored = session.get(Lead, lead.id)
        assert stored.status == "closed" and stored.claimed_by.username == "anna"
        assert stored.outcome == "route_started"
        actions = [a.action for a in session.scalars(select(AuditEvent).where(AuditEvent.lead_id == lead.id))]
    assert "claim" in actions and "close" in actions


async def test_a_card_in_the_chat_is_overwritten_when_the_person_deletes_their_data(sessions, bot, telegram) -> None:
    _lead(sessions, "web:gone", first_name="Amal")
    notifier = _notifier(sessions, bot)
    assert (await notifier.deliver_due()).sent == 1
    [card] = telegram.called("sendMessage")
    [sent_row] = _outbox(sessions)

    erase_conversation(sessions, "web:gone")
    [redact] = _outbox(sessions)
    assert redact.kind == "redact" and redact.lead_id is None
    assert redact.telegram_message_id == sent_row.telegram_message_id

    assert (await notifier.deliver_due()).sent == 1
    [edit] = telegram.called("editMessageText")
    assert edit.params["message_id"] == str(sent_row.telegram_message_id)
    assert edit.params["chat_id"] == str(CHAT)
    assert edit.params["text"] == REDACTED and "Amal" not in edit.params["text"]
    assert "reply_markup" not in edit.params or not edit.params["reply_markup"]
    assert "Amal" in card.params["text"]  # (the card it replaced)
    assert (await notifier.deliver_due()).sent == 0, "overwritten once"
    with sessions() as session:
        assert not list(session.scalars(select(Lead)))


async def test_a_card_still_on_its_way_when_the_data_is_deleted_is_overwritten_on_arrival(
    sessions, settings, telegram
) -> None:
    _lead(sessions, "web:fast", first_name="Zeynep")
    telegram.slow("sendMessage", 0.6)
    # a bot that waits for the slow answer even on a loaded machine (the fixture's gives up after 1 s,
    # and a card given up on is never sent, so there would be nothing to overwrite)
    bot = make_bot(settings, timeout=10.0)
    notifier = _notifier(sessions, bot)
    delivering = asyncio.create_task(notifier.deliver_due())
    for _ in range(100):
        if "sendMessage" in telegram.requests:
            break
        await asyncio.sleep(0.02)
    await asyncio.to_thread(erase_conversation, sessions, "web:fast")  # while Telegram holds the card
    await delivering
    await bot.session.close()
    [edit] = telegram.called("editMessageText")
    assert edit.params["text"] == REDACTED
    assert _outbox(sessions) == []


async def test_purged_leads_take_their_cards_with_them(sessions, bot, telegram) -> None:
    from datetime import timedelta

    from bot.database import utcnow

    lead = _lead(sessions, "web:old", first_name="Olena")
    notifier = _notifier(sessions, bot)
    await notifier.deliver_due()
    with sessions.begin() as session:
        row = session.get(Lead, lead.id)
        row.status, row.closed_at = "closed", utcnow() - timedelta(days=400)
    purge_expired(sessions, lead_days=180, conversation_days=30)
    assert (await notifier.deliver_due()).sent == 1
    assert telegram.called("editMessageText")[0].params["text"] == REDACTED


async def test_the_person_hears_in_their_telegram_chat_that_a_counsellor_took_the_request(
    sessions, bot, telegram
) -> None:
    lead = _lead(sessions, "tg:777001", channel="telegram", language="ar", contact_method="telegram", phone=None)
    notifier = _notifier(sessions, bot)
    await notifier.deliver_due()  # the card
    add_counsellor(sessions, "anna", "Anna Berg", "a-long-password-1", telegram_user_id=501)
    assert claim_lead(sessions, lead.id, 501).reason == "claimed"
    assert claim_lead(sessions, lead.id, 501).reason == "taken"  # pressed twice: told once
    assert (await notifier.deliver_due()).sent == 1
    told = [c for c in telegram.called("sendMessage") if c.params["chat_id"] == "777001"]
    assert [c.params["text"] for c in told] == [translate("ar", CLAIMED_NOTICE)]
    assert "Gute Nachricht" not in told[0].params["text"], "in Arabic, not the German source text"
    assert "Anna" not in told[0].params["text"], "the person is not told who, before the call"
    assert (await notifier.deliver_due()).sent == 0


async def test_a_web_chat_gets_the_news_once_and_the_notifier_leaves_it_alone(sessions, bot, telegram) -> None:
    lead = _lead(sessions, "web:news", language="vi")
    add_counsellor(sessions, "ben", "Ben Kurz", "a-long-password-2", telegram_user_id=502)
    claim_lead(sessions, lead.id, 502)
    notifier = _notifier(sessions, bot)
    await notifier.deliver_due()
    assert [c.params["chat_id"] for c in telegram.called("sendMessage")] == [str(CHAT)], "only the card"
    assert take_web_notices(sessions, "web:news") == [WebNotice("vi", CLAIMED_NOTICE)]
    assert take_web_notices(sessions, "web:news") == []
    assert take_web_notices(sessions, "web:other") == []


async def test_delete_my_data_also_takes_the_pending_news_for_the_person(sessions) -> None:
    lead = _lead(sessions, "web:leaving", language="fa")
    add_counsellor(sessions, "cleo", "Cleo Rat", "a-long-password-4", telegram_user_id=503)
    claim_lead(sessions, lead.id, 503)
    assert [row.kind for row in _outbox(sessions)] == ["lead_card", "notice_web", "topic_open"]
    erase_conversation(sessions, "web:leaving")
    assert _outbox(sessions) == [], "a card never sent needs no redaction; the news goes with the lead"
    assert take_web_notices(sessions, "web:leaving") == []
