"""Nobody waits in silence, and every lead ends with an outcome — on real databases (SQLite and
PostgreSQL) and through the real aiogram Bot talking to the fake Bot API over HTTP.

A lead nobody takes is raised again in the counsellors' chat once per period of working hours
(exactly once, also with two workers and with Telegram failing), never when it was taken or
closed; a counsellor closes a lead with an outcome from the card (and from its reminder)."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiogram import Bot
from aiogram.types import Update
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.counsellors import add_counsellor
from bot.leads.claims import change_status, claim_lead
from bot.leads.erasure import erase_conversation
from bot.leads.models import AuditEvent, Lead, OutboxMessage
from bot.leads.reminders import queue_reminders
from bot.leads.submission import submit_lead
from bot.notifier import Notifier
from bot.settings import Settings
from bot.telegram import create_dispatcher, make_bot
from bot.telegram.cards import REDACTED
from bot.working_hours import WorkingHours
from devtools.fake_telegram import FakeTelegram
from tests.support.databases import give_consent, submission

CHAT = -100777
BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = WorkingHours.from_settings(Settings())
"""Monday to Friday 08:00–16:00 in Berlin, MV's holidays."""
EVERY = timedelta(hours=4)
MONDAY_9 = datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN)


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


def _notifier(sessions: sessionmaker, bot: Bot) -> Notifier:
    return Notifier(sessions, bot, CHAT, "https://lotse.example", backoff_seconds=0.2, office=OFFICE)


def _lead(sessions: sessionmaker, conversation: str, created_at: datetime = MONDAY_9, **changes) -> Lead:
    """A lead as if sent at ``created_at``."""
    give_consent(sessions, conversation, "contact", "2026-11-28", "web")
    lead = submit_lead(sessions, submission(conversation, **changes))
    with sessions.begin() as session:
        session.get(Lead, lead.id).created_at = created_at
    return lead


def _reminders(sessions: sessionmaker) -> list[tuple[str, str]]:
    with sessions() as session:
        rows = session.execute(
            select(OutboxMessage.dedup_key, OutboxMessage.status)
            .where(OutboxMessage.kind == "lead_reminder")
            .order_by(OutboxMessage.id)
        )
        return [(key, status) for key, status in rows]


def _queue(sessions: sessionmaker, at: datetime, most: int = 2) -> int:
    return queue_reminders(sessions, OFFICE, EVERY, most, now=at)


def test_a_lead_nobody_takes_is_raised_once_per_period_and_at_most_as_often_as_configured(sessions) -> None:
    lead = _lead(sessions, "web:r1")
    assert _queue(sessions, MONDAY_9 + timedelta(hours=3, minutes=59)) == 0
    assert _queue(sessions, MONDAY_9 + timedelta(hours=4)) == 1
    assert _queue(sessions, MONDAY_9 + timedelta(hours=4, minutes=1)) == 0, "once per period"
    assert _queue(sessions, MONDAY_9 + timedelta(hours=6)) == 0
    # Monday 09:00–16:00 is 7 h, Tuesday from 08:00 the eighth: the second period ends at 09:00
    assert _queue(sessions, datetime(2026, 12, 1, 8, 59, tzinfo=BERLIN)) == 0
    assert _queue(sessions, datetime(2026, 12, 1, 9, 0, tzinfo=BERLIN)) == 1
    assert _queue(sessions, datetime(2026, 12, 4, 15, 0, tzinfo=BERLIN)) == 0, "two reminders at most"
    assert _reminders(sessions) == [
        (f"lead-reminder:{lead.id}:1", "pending"),
        (f"lead-reminder:{lead.id}:2", "pending"),
    ]
    assert queue_reminders(sessions, OFFICE, EVERY, 0, now=datetime(2027, 1, 1, tzinfo=BERLIN)) == 0


def test_weekends_and_holidays_do_not_count(sessions) -> None:
    friday_3pm = datetime(2026, 12, 4, 15, 0, tzinfo=BERLIN)
    _lead(sessions, "web:r2", created_at=friday_3pm)
    assert _queue(sessions, datetime(2026, 12, 7, 10, 59, tzinfo=BERLIN)) == 0, "1 h Friday + 2 h 59 Monday"
    assert _queue(sessions, datetime(2026, 12, 7, 11, 0, tzinfo=BERLIN)) == 1
    # sent on the Friday before Frauentag (Monday 8 March 2027): Tuesday counts, Monday does not
    before_frauentag = _lead(sessions, "web:r3", created_at=datetime(2027, 3, 5, 15, 0, tzinfo=BERLIN))

    def raised() -> list[str]:
        return [key for key, _ in _reminders(sessions) if before_frauentag.id in key]

    _queue(sessions, datetime(2027, 3, 8, 15, 0, tzinfo=BERLIN))
    assert raised() == []
    _queue(sessions, datetime(2027, 3, 9, 11, 0, tzinfo=BERLIN))
    assert raised() == [f"lead-reminder:{before_frauentag.id}:1"]


def test_taken_and_closed_leads_are_never_raised(sessions) -> None:
    taken = _lead(sessions, "web:taken")
    closed = _lead(sessions, "web:closed")
    waiting = _lead(sessions, "web:waiting")
    anna = add_counsellor(sessions, "anna", "Anna Berg", "a-long-password-1", telegram_user_id=501)
    assert claim_lead(sessions, taken.id, 501).reason == "claimed"
    change_status(sessions, closed.id, anna, "closed", outcome="not_interested")
    assert _queue(sessions, MONDAY_9 + timedelta(days=3)) == 1
    assert [key for key, _ in _reminders(sessions)] == [f"lead-reminder:{waiting.id}:2"]
    erase_conversation(sessions, "web:waiting")
    assert _reminders(sessions) == [], "an erased lead takes its reminders with it"


def test_two_workers_at_once_raise_each_lead_once(sessions) -> None:
    leads = [_lead(sessions, f"web:w{n}") for n in range(8)]
    at = MONDAY_9 + timedelta(hours=5)
    start = threading.Barrier(3)
    counts: list[int] = []

    def worker() -> None:
        start.wait()
        counts.append(_queue(sessions, at))

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == len(leads)
    assert sorted(key for key, _ in _reminders(sessions)) == sorted(f"lead-reminder:{lead.id}:1" for lead in leads)


async def test_the_reminder_reaches_the_chat_once_as_a_reply_to_the_card_also_when_telegram_fails(
    sessions, bot, telegram
) -> None:
    lead = _lead(sessions, "web:tg", first_name="Olena")
    notifier = _notifier(sessions, bot)
    assert (await notifier.deliver_due()).sent == 1  # the card
    card_id = _sent_id(sessions, "lead_card")
    _queue(sessions, MONDAY_9 + timedelta(hours=4))
    telegram.fail("sendMessage", 429, retry_after=1)
    telegram.fail("sendMessage", 500)
    first = await notifier.deliver_due()
    assert first.sent == 0 and first.retried == 1
    for _ in range(100):
        if (await notifier.deliver_due()).sent:
            break
        await asyncio.sleep(0.1)
    await asyncio.to_thread(telegram.wait_idle)
    sent = telegram.called("sendMessage")
    assert len(sent) == 2, "the card and one reminder, nothing twice, nothing lost"
    reminder = sent[1].params
    assert reminder["chat_id"] == str(CHAT)
    assert re.match(r"⏰ Noch nicht übernommen – wartet seit \d+ Arbeitsstunden\.\n", reminder["text"])
    assert "Olena" in reminder["text"] and f"/inbox/leads/{lead.id}" in reminder["text"]
    assert reminder["reply_parameters"]["message_id"] == card_id
    buttons = [b["text"] for b in reminder["reply_markup"]["inline_keyboard"][0]]
    assert buttons == ["Übernehmen", "Erledigt"]
    assert _reminders(sessions) == [(f"lead-reminder:{lead.id}:1", "sent")]
    assert (await notifier.deliver_due()).sent == 0
    with sessions() as session:
        attempts = session.scalar(select(OutboxMessage.attempts).where(OutboxMessage.kind == "lead_reminder"))
    assert attempts == 3, "429, then 500, then sent"


def _sent_id(sessions: sessionmaker, kind: str) -> int:
    with sessions() as session:
        return session.scalar(select(OutboxMessage.telegram_message_id).where(OutboxMessage.kind == kind))


async def test_a_reminder_of_a_lead_taken_meanwhile_is_not_sent(sessions, bot, telegram) -> None:
    lead = _lead(sessions, "web:late")
    notifier = _notifier(sessions, bot)
    await notifier.deliver_due()
    _queue(sessions, MONDAY_9 + timedelta(hours=4))
    add_counsellor(sessions, "anna", "Anna Berg", "a-long-password-1", telegram_user_id=501)
    claim_lead(sessions, lead.id, 501)
    await notifier.deliver_due()
    assert len(telegram.called("sendMessage")) == 1, "only the card"
    assert _reminders(sessions) == [(f"lead-reminder:{lead.id}:1", "cancelled")]
    assert (await notifier.deliver_due()).sent == 0


async def test_erasure_overwrites_the_reminder_in_the_chat_too(sessions, bot, telegram) -> None:
    _lead(sessions, "web:bye", first_name="Amal")
    notifier = _notifier(sessions, bot)
    await notifier.deliver_due()
    _queue(sessions, MONDAY_9 + timedelta(hours=4))
    await notifier.deliver_due()
    posts = {_sent_id(sessions, "lead_card"), _sent_id(sessions, "lead_reminder")}
    erase_conversation(sessions, "web:bye")
    assert (await notifier.deliver_due()).sent == 2
    edits = telegram.called("editMessageText")
    assert {int(edit.params["message_id"]) for edit in edits} == posts
    assert all(edit.params["text"] == REDACTED for edit in edits)


def _press(user_id: int, data: str, message_id: int, chat: int = CHAT) -> dict:
    return {
        "update_id": 1,
        "callback_query": {
            "id": f"cb{user_id}{message_id}{data}",
            "chat_instance": "x",
            "data": data,
            "from": {"id": user_id, "is_bot": False, "first_name": "C"},
            "message": {"message_id": message_id, "date": 0, "chat": {"id": chat, "type": "supergroup"}, "text": "x"},
        },
    }


async def test_a_counsellor_closes_a_lead_with_its_outcome_on_the_card_and_its_reminder(
    sessions, bot, telegram, settings
) -> None:
    lead = _lead(sessions, "web:outcome")
    notifier = _notifier(sessions, bot)
    await notifier.deliver_due()
    _queue(sessions, MONDAY_9 + timedelta(hours=4))
    await notifier.deliver_due()
    card, reminder = _sent_id(sessions, "lead_card"), _sent_id(sessions, "lead_reminder")
    add_counsellor(sessions, "anna", "Anna Berg", "a-long-password-1", telegram_user_id=501)
    dispatcher = create_dispatcher(settings, sessions)

    async def press(user: int, action: str, message_id: int) -> None:
        update = Update.model_validate(_press(user, f"lead:{action}:{lead.id}", message_id))
        await dispatcher.feed_update(bot, update)

    await press(501, "claim", reminder)  # taken from the reminder: the card shows it too
    claimed = telegram.called("editMessageText")
    assert {int(edit.params["message_id"]) for edit in claimed} == {card, reminder}
    assert all("👤 Übernommen von Anna Berg" in edit.params["text"] for edit in claimed)

    await press(999, "close", card)  # not a counsellor: nothing changes
    assert not telegram.called("editMessageReplyMarkup")
    await press(501, "close", card)
    [step] = telegram.called("editMessageReplyMarkup")
    assert [row[0]["text"] for row in step.params["reply_markup"]["inline_keyboard"]] == [
        "Weg begonnen",
        "An andere Stelle vermittelt",
        "Nicht erreichbar",
        "Kein Interesse mehr",
        "Zurück",
    ]
    await press(501, "back", card)
    back = telegram.called("editMessageReplyMarkup")[-1]
    assert [b["text"] for b in back.params["reply_markup"]["inline_keyboard"][0]] == ["Erledigt"]
    with sessions() as session:
        assert session.get(Lead, lead.id).status == "claimed", "the close step alone closes nothing"

    await press(501, "close", card)
    await press(501, "end_not_reachable", card)
    with sessions() as session:
        stored = session.get(Lead, lead.id)
        assert (stored.status, stored.outcome) == ("closed", "not_reachable") and stored.closed_at is not None
        audit = [(a.action, a.detail) for a in session.scalars(select(AuditEvent).where(AuditEvent.actor == "anna"))]
    assert ("close", {"outcome": "not_reachable"}) in audit
    closed = telegram.called("editMessageText")[len(claimed) :]
    assert {int(edit.params["message_id"]) for edit in closed} == {card, reminder}
    assert all(edit.params["text"].endswith("✅ Erledigt – Anna Berg · Nicht erreichbar") for edit in closed)
    assert all(not edit.params.get("reply_markup") for edit in closed), "a closed lead has no buttons"

    await press(501, "end_referred", reminder)  # an old close step pressed again: the outcome stays
    with sessions() as session:
        assert session.get(Lead, lead.id).outcome == "not_reachable"


async def test_a_press_from_another_chat_updates_no_post_in_the_counsellors_chat(
    sessions, bot, telegram, settings
) -> None:
    lead = _lead(sessions, "web:elsewhere")
    await _notifier(sessions, bot).deliver_due()
    add_counsellor(sessions, "anna", "Anna Berg", "a-long-password-1", telegram_user_id=501)
    update = Update.model_validate(_press(501, f"lead:claim:{lead.id}", 5, chat=-100999))
    await create_dispatcher(settings, sessions).feed_update(bot, update)
    assert [edit.params["chat_id"] for edit in telegram.called("editMessageText")] == ["-100999"]
