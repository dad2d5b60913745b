"""Appointments (issue 15, part 3): a counsellor proposes one with "📅 Termin vorschlagen", the person
answers "Passt" / "Anderer Termin", a confirmed one brings a calendar file and a reminder the day
before — with the real aiogram Bot against the fake Bot API over HTTP, and the web chat through the
real gateway over HTTP (its event stream, its answer, its download), on SQLite and PostgreSQL.

As in ``test_relay.py``, the person's Telegram side goes through the real ``Conversations`` with an
engine nobody listens to: a press that reached the engine would come back as "I am not reachable".
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from aiogram import Bot, Dispatcher
from aiogram.types import Update
from babel.dates import format_date
from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlalchemy import select, text
from sqlalchemy.engine import Engine as Database
from sqlalchemy.orm import sessionmaker
from structlog.testing import capture_logs

from bot.bidi import strip_marks
from bot.conversation import Conversations
from bot.counsellors import add_counsellor
from bot.database import utcnow
from bot.engine import Engine
from bot.i18n import translate
from bot.leads.appointment_texts import (
    ALREADY_ANSWERED,
    ANSWER_OTHER,
    ANSWER_YES,
    CALENDAR_LINK,
    CALENDAR_SUMMARY,
    CANCELLED,
    CONFIRMED,
    NO_LONGER_VALID,
    OTHER_TIME,
    REMINDER,
    answer_data,
)
from bot.leads.appointments import REMIND_BEFORE, answer_proposal, cancel_appointment, queue_reminders
from bot.leads.claims import claim_lead
from bot.leads.erasure import erase_conversation, purge_expired
from bot.leads.models import Appointment, AuditEvent, Lead, OutboxMessage, RelayMessage
from bot.leads.outbox import Recipient, WebNotice, kinds_for, take_web_notices
from bot.leads.relay import TEMPLATES, write_to_person
from bot.leads.submission import submit_lead
from bot.notifier import Notifier
from bot.settings import Settings
from bot.telegram import create_dispatcher, make_bot
from bot.telegram.cards import REDACTED
from bot.web.app import create_app
from devtools.events import Stream
from devtools.fake_telegram import FakeTelegram
from devtools.servers import Gateway, start_gateway
from tests.support.databases import give_consent, submission
from tests.support.inbox import PASSWORD, login

CHAT = -100555
ANNA, BEN, ADMIN = 701, 702, 703
BOT_ID = 123  # from the token "123:TEST"
NOBODY_LISTENS = "http://127.0.0.1:9"
OFFICE = ZoneInfo("Europe/Berlin")
PLACE = "Jobcenter Schwerin, Margaretenhof 14, Raum 2.14"


@pytest.fixture
def settings(telegram: FakeTelegram, tmp_path) -> Settings:
    return Settings(
        var_dir=tmp_path,
        telegram_token=f"{BOT_ID}:TEST",
        telegram_api_base=telegram.base_url,
        counsellor_chat_id=CHAT,
        public_url="https://lotse.example",
        engine_url=NOBODY_LISTENS,
        office_timezone="Europe/Berlin",
    )


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[Bot]:
    bot = make_bot(settings, timeout=1.0)
    yield bot
    await bot.session.close()


@pytest.fixture
async def dispatcher(settings: Settings, sessions: sessionmaker) -> AsyncIterator[Dispatcher]:
    engine = Engine(NOBODY_LISTENS, timeout=1.0)
    conversations = Conversations.from_settings(engine, settings, sessions)
    yield create_dispatcher(settings, sessions, conversations)
    await conversations.aclose()
    await engine.aclose()


@pytest.fixture
def team(sessions: sessionmaker) -> dict[str, int]:
    anna = add_counsellor(sessions, "anna", "Anna Berg", PASSWORD, telegram_user_id=ANNA)
    ben = add_counsellor(sessions, "ben", "Ben Kurz", PASSWORD, telegram_user_id=BEN)
    root = add_counsellor(sessions, "root", "Rita Admin", PASSWORD, telegram_user_id=ADMIN, role="admin")
    return {"anna": anna.id, "ben": ben.id, "root": root.id}


def _notifier(sessions: sessionmaker, bot: Bot) -> Notifier:
    return Notifier(sessions, bot, CHAT, "https://lotse.example", backoff_seconds=0.2)


def _claimed_lead(sessions: sessionmaker, conversation: str, language: str, by: int = ANNA, **changes: Any) -> Lead:
    give_consent(sessions, conversation, "contact", "2026-12", "web")
    channel = "telegram" if conversation.startswith("tg:") else "web"
    lead = submit_lead(
        sessions, submission(conversation, language=language, channel=channel, contact_method="telegram", **changes)
    )
    assert claim_lead(sessions, lead.id, by).reason == "claimed"
    return lead


def _in_days(days: int) -> date:
    return (utcnow().astimezone(OFFICE) + timedelta(days=days)).date()


def _values(day: date, clock: str = "10:30") -> str:
    """What a counsellor types into the prompt of "📅 Termin vorschlagen": one value a line."""
    return f"{day:%d.%m.%Y}\n{clock}\n{PLACE}"


def _sentence(language: str, day: date) -> str:
    """The proposal as the person reads it."""
    full = format_date(day, format="full", locale=language)
    return translate(language, TEMPLATES["meet"].msgid, date=full, time="10:30", place=PLACE)


_ids = iter(range(70_000, 80_000))


def _update(**content: Any) -> Update:
    return Update.model_validate({"update_id": next(_ids), **content})


def _counsellor_replies(user: int, text: str, reply_to: int, reply_text: str) -> Update:
    chat = {"id": CHAT, "type": "supergroup"}
    return _update(
        message={
            "message_id": next(_ids),
            "date": 0,
            "chat": chat,
            "from": {"id": user, "is_bot": False, "first_name": "C"},
            "text": text,
            "reply_to_message": {
                "message_id": reply_to,
                "date": 0,
                "chat": chat,
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Lotse"},
                "text": reply_text,
            },
        }
    )


def _press(user: int, data: str, message_id: int, chat: dict[str, Any], language: str = "de") -> Update:
    """A tap on an inline button of Lotse's message ``message_id`` in ``chat``."""
    return _update(
        callback_query={
            "id": f"cb{next(_ids)}",
            "chat_instance": "x",
            "data": data,
            "from": {"id": user, "is_bot": False, "first_name": "P", "language_code": language},
            "message": {
                "message_id": message_id,
                "date": 0,
                "chat": chat,
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Lotse"},
                "text": "…",
            },
        }
    )


def _person_presses(person: int, data: str, message_id: int) -> Update:
    return _press(person, data, message_id, {"id": person, "type": "private"})


def _sent_to(telegram: FakeTelegram, chat_id: int) -> list[dict[str, Any]]:
    return [c.params for c in telegram.called("sendMessage") if c.params["chat_id"] == str(chat_id)]


def _documents_to(telegram: FakeTelegram, chat_id: int) -> list[dict[str, Any]]:
    return [c.params for c in telegram.called("sendDocument") if c.params["chat_id"] == str(chat_id)]


def _posted(sessions: sessionmaker, lead_id: str, kind: str) -> int:
    """Telegram's message id of the lead's ``kind`` row (its card, an answer in its thread …)."""
    with sessions() as session:
        found = session.scalar(
            select(OutboxMessage.telegram_message_id).where(
                OutboxMessage.lead_id == lead_id, OutboxMessage.kind == kind
            )
        )
    assert found is not None, f"no {kind} in the chat"
    return found


def _appointment(sessions: sessionmaker, lead_id: str) -> Appointment:
    with sessions() as session:
        found = session.scalars(select(Appointment).where(Appointment.lead_id == lead_id).order_by(Appointment.id))
        return list(found)[-1]


async def _deliver_all(notifier: Notifier, rounds: int = 80) -> None:
    """Deliver until nothing the notifier sends is due any more (retries included)."""
    for _ in range(rounds):
        await notifier.deliver_due()
        with notifier.sessions() as session:
            pending = session.scalar(
                select(OutboxMessage.id).where(
                    OutboxMessage.status == "pending", OutboxMessage.kind.not_in(kinds_for(Recipient.PERSON_WEB))
                )
            )
        if pending is None:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the outbox did not drain")


async def _propose_in_telegram(
    sessions: sessionmaker, bot: Bot, telegram: FakeTelegram, dispatcher: Dispatcher, lead: Lead, day: date
) -> dict[str, Any]:
    """Anna presses "📅 Termin vorschlagen" on the card and answers its prompt; the proposal the
    person got (their last message with buttons)."""
    notifier = _notifier(sessions, bot)
    await _deliver_all(notifier)
    card = _posted(sessions, lead.id, "lead_card")
    await dispatcher.feed_update(bot, _press(ANNA, f"lead:t_meet:{lead.id}", card, {"id": CHAT, "type": "supergroup"}))
    [prompt] = [c for c in telegram.called("sendMessage") if "[Vorlage meet" in c.params["text"]][-1:]
    assert "Passt" in prompt.params["text"] and "Anderer Termin" in prompt.params["text"], "says what may come back"
    reply = _counsellor_replies(ANNA, _values(day), prompt.result["message_id"], prompt.params["text"])
    await dispatcher.feed_update(bot, reply)
    await _deliver_all(notifier)
    person = int(lead.conversation_id.removeprefix("tg:"))
    return [m for m in _sent_to(telegram, person) if m.get("reply_markup")][-1]


# --- Telegram --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "person"), [("ar", 778101), ("uk", 778102)])
async def test_a_proposal_in_arabic_and_ukrainian_comes_with_buttons_and_passt_brings_its_calendar_file(
    sessions, bot, telegram, dispatcher, team, language, person
) -> None:
    lead = _claimed_lead(sessions, f"tg:{person}", language, first_name="Olena")
    day = _in_days(30)
    with capture_logs() as logs:
        proposal = await _propose_in_telegram(sessions, bot, telegram, dispatcher, lead, day)
        assert _sentence(language, day) in proposal["text"]
        assert "Termin" not in proposal["text"] and "Januar" not in proposal["text"], "in the person's language"
        [row] = proposal["reply_markup"]["inline_keyboard"]
        assert [b["text"] for b in row] == [translate(language, ANSWER_YES), translate(language, ANSWER_OTHER)]
        yes, other = (b["callback_data"] for b in row)
        assert max(len(yes.encode()), len(other.encode())) <= 64, "Telegram's limit for callback data"
        proposal_id = next(c.result["message_id"] for c in telegram.called("sendMessage") if c.params is proposal)

        # somebody else's chat presses the same data: nothing happens
        await dispatcher.feed_update(bot, _person_presses(778199, yes, 5))
        assert telegram.called("answerCallbackQuery")[-1].params["text"] == translate("de", NO_LONGER_VALID)
        assert _appointment(sessions, lead.id).status == "proposed"

        await dispatcher.feed_update(bot, _person_presses(person, yes, proposal_id))
        assert telegram.called("answerCallbackQuery")[-1].params["text"] == "✓"
        [unbuttoned] = [
            c.params for c in telegram.called("editMessageReplyMarkup") if c.params["chat_id"] == str(person)
        ]
        assert int(unbuttoned["message_id"]) == proposal_id and "reply_markup" not in unbuttoned
        await _deliver_all(_notifier(sessions, bot))

    [document] = _documents_to(telegram, person)
    appointment = _appointment(sessions, lead.id)
    start = datetime.combine(day, time(10, 30), OFFICE)
    assert appointment.status == "confirmed" and appointment.starts_at == start
    full = format_date(day, format="full", locale=language)
    assert document["caption"] == translate(language, CONFIRMED, date=full, time="10:30", place=PLACE)
    assert document["document"]["filename"] == "lotse-termin.ics"
    calendar = Calendar.from_ical(document["document"]["content"])
    [event] = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == start and event["dtstart"].params["TZID"] == "Europe/Berlin"
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(hours=1)
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert str(event["summary"]) == strip_marks(translate(language, CALENDAR_SUMMARY))
    assert str(event["location"]) == PLACE and "Anna" in str(event["description"]) and "Berg" not in str(event)

    # the counsellors read the answer in German, in the lead's thread
    card = _posted(sessions, lead.id, "lead_card")
    [told] = [m for m in _sent_to(telegram, CHAT) if "hat den Termin bestätigt" in m["text"]]
    assert told["reply_parameters"]["message_id"] == card and "Olena" in told["text"] and PLACE in told["text"]

    # pressed again (a double tap): nothing new
    before = len(telegram.called("sendMessage"))
    await dispatcher.feed_update(bot, _person_presses(person, yes, proposal_id))
    await _deliver_all(_notifier(sessions, bot))
    assert len(_documents_to(telegram, person)) == 1 and len(telegram.called("sendMessage")) == before
    with sessions() as session:
        relay = [
            (m.direction, m.template, m.text) for m in session.scalars(select(RelayMessage).order_by(RelayMessage.id))
        ]
        audit = [(a.actor, a.action, a.detail) for a in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert relay[0][:2] == ("to_person", "meet") and relay[1] == ("from_person", None, translate(language, ANSWER_YES))
    assert len(relay) == 2, "one answer, however often pressed"
    assert ("anna", "relay", {"via": "telegram", "template": "meet"}) in audit
    answers = [detail for actor, action, detail in audit if action == "appointment_answer"]
    assert answers == [{"appointment": appointment.id, "answer": "confirmed", "via": "telegram"}]
    assert PLACE not in str(audit) and "Olena" not in str(audit)
    assert logs and PLACE not in str(logs) and "Olena" not in str(logs) and str(day.year) not in str(logs)


async def test_anderer_termin_tells_the_counsellor_in_german_and_the_person_in_their_language(
    sessions, bot, telegram, dispatcher, team
) -> None:
    lead = _claimed_lead(sessions, "tg:778110", "ru", first_name="Irina")
    proposal = await _propose_in_telegram(sessions, bot, telegram, dispatcher, lead, _in_days(10))
    yes, other = (b["callback_data"] for b in proposal["reply_markup"]["inline_keyboard"][0])

    await dispatcher.feed_update(bot, _person_presses(778110, other, 1))
    await _deliver_all(_notifier(sessions, bot))
    assert _sent_to(telegram, 778110)[-1]["text"] == translate("ru", OTHER_TIME)
    [told] = [m for m in _sent_to(telegram, CHAT) if "möchte einen anderen Termin" in m["text"]]
    assert "Irina (ru · Русский)" in told["text"] and "Termin vorschlagen" in told["text"]
    assert _appointment(sessions, lead.id).status == "declined"
    assert _documents_to(telegram, 778110) == []

    # "Passt" afterwards changes nothing
    await dispatcher.feed_update(bot, _person_presses(778110, yes, 1))
    assert telegram.called("answerCallbackQuery")[-1].params["text"] == translate("ru", ALREADY_ANSWERED)
    assert _appointment(sessions, lead.id).status == "declined"


async def test_the_reminder_goes_out_once_the_day_before_and_429_or_500_lose_nothing_and_send_nothing_twice(
    sessions, bot, telegram, team
) -> None:
    lead = _claimed_lead(sessions, "tg:778120", "tr")
    day = _in_days(3)
    assert write_to_person(sessions, lead.id, team["anna"], template="meet", values=_values(day)).ok
    appointment = _appointment(sessions, lead.id)
    start = appointment.starts_at
    notifier = _notifier(sessions, bot)
    await _deliver_all(notifier)

    telegram.fail("sendDocument", 500, times=2)
    telegram.fail("sendDocument", 429, retry_after=1)
    assert answer_proposal(sessions, "tg:778120", appointment.token, "yes", "telegram").reason == "confirmed"
    await _deliver_all(notifier)
    assert len(_documents_to(telegram, 778120)) == 1, "the calendar file once, after three failures"

    assert queue_reminders(sessions, now=start - REMIND_BEFORE - timedelta(hours=1)) == 0, "not yet"
    assert queue_reminders(sessions, now=start - timedelta(hours=23)) == 1
    assert queue_reminders(sessions, now=start - timedelta(hours=22)) == 0, "queued once"
    telegram.fail("sendMessage", 500, times=2)
    telegram.fail("sendMessage", 429, retry_after=1)
    await _deliver_all(notifier)
    full = format_date(day, format="full", locale="tr")
    reminder = translate("tr", REMINDER, date=full, time="10:30", place=PLACE)
    assert [m["text"] for m in _sent_to(telegram, 778120)].count(reminder) == 1
    with sessions() as session:
        [row] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "appointment_reminder_telegram"))
        assert row.status == "sent" and row.attempts >= 4, "three failures, then sent"
        assert session.get(Appointment, appointment.id).reminder_sent_at is not None
    assert queue_reminders(sessions, now=start - timedelta(hours=2)) == 0
    await _deliver_all(notifier)
    assert [m["text"] for m in _sent_to(telegram, 778120)].count(reminder) == 1, "sent once"


async def test_no_reminder_for_an_appointment_called_off_or_confirmed_within_the_last_day(
    sessions, bot, telegram, team
) -> None:
    lead = _claimed_lead(sessions, "tg:778130", "vi")
    for days in (4, 5):
        assert write_to_person(sessions, lead.id, team["anna"], template="meet", values=_values(_in_days(days))).ok
    with sessions() as session:
        first, second = session.scalars(select(Appointment).order_by(Appointment.starts_at)).all()
    notifier = _notifier(sessions, bot)
    assert answer_proposal(sessions, "tg:778130", first.token, "yes", "telegram").ok
    assert queue_reminders(sessions, now=first.starts_at - timedelta(hours=20)) == 1
    # called off in the inbox before the reminder went out: the person is told, no reminder
    assert cancel_appointment(sessions, first.id, team["ben"]).reason == "not_holder"
    assert cancel_appointment(sessions, first.id, team["anna"]).reason == "cancelled"
    await _deliver_all(notifier)
    texts = [m["text"] for m in _sent_to(telegram, 778130)]
    full = format_date(first.starts_at.astimezone(OFFICE).date(), format="full", locale="vi")
    assert translate("vi", CANCELLED, date=full, time="10:30") in texts
    assert not any(t == translate("vi", REMINDER, date=full, time="10:30", place=PLACE) for t in texts)
    with sessions() as session:
        kinds = {
            r.kind: r.status
            for r in session.scalars(select(OutboxMessage).where(OutboxMessage.appointment_id == first.id))
        }
    assert kinds["appointment_reminder_telegram"] == "cancelled"
    # "Passt" within the last day: the confirmation is reminder enough
    late = second.starts_at - timedelta(hours=10)
    assert answer_proposal(sessions, "tg:778130", second.token, "yes", "telegram", now=late).ok
    assert queue_reminders(sessions, now=late + timedelta(minutes=5)) == 0


def _rows_mentioning(database: Database, *needles: str) -> list[str]:
    found = []
    with database.connect() as connection:
        for table in ("lead", "relay_message", "appointment", "outbox_message", "audit_event", "events"):
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                flat = " ".join(str(v) for v in row)
                found += [f"{table}: {flat[:100]}" for n in needles if n in flat]
    return found


@pytest.mark.parametrize("how", ["delete my data", "retention"])
async def test_erasure_removes_the_appointments_and_overwrites_the_answer_in_the_counsellors_chat(
    sessions, engine, bot, telegram, dispatcher, team, how
) -> None:
    lead = _claimed_lead(sessions, "tg:778140", "fa", first_name="Reza")
    proposal = await _propose_in_telegram(sessions, bot, telegram, dispatcher, lead, _in_days(7))
    counsellors_proposal = int(
        [c for c in telegram.called("setMessageReaction") if c.params["chat_id"] == str(CHAT)][-1].params["message_id"]
    )
    yes = proposal["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await dispatcher.feed_update(bot, _person_presses(778140, yes, 1))
    notifier = _notifier(sessions, bot)
    await _deliver_all(notifier)
    answer, card = _posted(sessions, lead.id, "appointment_confirmed"), _posted(sessions, lead.id, "lead_card")
    reminder_due = _appointment(sessions, lead.id).starts_at - timedelta(hours=12)

    if how == "delete my data":
        erased = erase_conversation(sessions, "tg:778140")
        assert erased.appointments == 1
    else:
        with sessions.begin() as session:
            row = session.get(Lead, lead.id)
            row.status, row.closed_at = "closed", utcnow() - timedelta(days=400)
        purge_expired(sessions, lead_days=180, conversation_days=30)
    with sessions() as session:
        assert session.scalars(select(Appointment)).all() == [] and session.scalars(select(RelayMessage)).all() == []
    assert _rows_mentioning(engine, PLACE, "Reza") == []
    assert queue_reminders(sessions, now=reminder_due) == 0

    await _deliver_all(notifier)
    redacted = {int(c.params["message_id"]) for c in telegram.called("editMessageText") if c.params["text"] == REDACTED}
    assert {card, answer} <= redacted, "the card and the answer in the thread are overwritten"
    assert counsellors_proposal in [int(c.params["message_id"]) for c in telegram.called("deleteMessage")]


# --- the web chat ----------------------------------------------------------------------------------


@pytest.fixture
def gateway(database_url: str, tmp_path) -> Iterator[Gateway]:
    """The real gateway under uvicorn; no engine (a press on "Passt" never reaches it)."""

    def settings(port: int) -> Settings:
        return Settings(
            var_dir=tmp_path,
            database_url=database_url,
            engine_url=NOBODY_LISTENS,
            public_url=f"http://localhost:{port}",
            office_timezone="Europe/Berlin",
        )

    running = start_gateway(settings)
    yield running
    running.stop()


def _web_lead(sessions: sessionmaker, language: str, first_name: str = "Amal", by: int = ANNA) -> tuple[str, Lead]:
    chat = str(uuid.uuid4())
    give_consent(sessions, f"web:{chat}", "contact", "2026-12", "web")
    lead = submit_lead(sessions, submission(f"web:{chat}", language=language, first_name=first_name))
    assert claim_lead(sessions, lead.id, by).reason == "claimed"
    return chat, lead


async def test_in_the_web_chat_the_proposal_has_buttons_and_passt_gives_a_calendar_file_only_this_chat_can_fetch(
    gateway: Gateway, sessions: sessionmaker, team
) -> None:
    chat, lead = _web_lead(sessions, "ar")
    day = _in_days(20)
    client = httpx.AsyncClient(base_url=gateway.url, timeout=30)
    stream = Stream(f"{gateway.url}/api/events?session={chat}")
    try:
        assert stream.next()["messages"][0].get("kind") is None  # "a counsellor has taken your request"
        assert write_to_person(sessions, lead.id, team["anna"], template="meet", values=_values(day), via="inbox").ok
        [proposal] = (await asyncio.to_thread(stream.next))["messages"]
        assert proposal["kind"] == "counsellor" and _sentence("ar", day) in proposal["text"]
        titles = [b["title"] for b in proposal["buttons"]]
        assert titles == [translate("ar", ANSWER_YES), translate("ar", ANSWER_OTHER)]
        yes, other = (b["payload"] for b in proposal["buttons"])
        token = _appointment(sessions, lead.id).token
        assert yes == answer_data(token, "yes") and other == answer_data(token, "other")

        async def press(session: str, payload: str) -> dict[str, Any]:
            body = {"session": session, "payload": payload, "text": titles[0], "language": "ar"}
            response = await client.post("/api/chat", json=body)
            assert response.status_code == 200
            return response.json()

        calendar_url = f"/api/appointment.ics?session={chat}&appointment={token}"
        assert (await client.get(calendar_url)).status_code == 404, "no calendar file before 'Passt'"
        stranger = await press(str(uuid.uuid4()), yes)
        assert stranger["messages"][0]["text"] == translate("ar", NO_LONGER_VALID)
        assert _appointment(sessions, lead.id).status == "proposed", "another chat's press changes nothing"

        answered = await press(chat, yes)
        [message] = answered["messages"]
        full = format_date(day, format="full", locale="ar")
        assert message["text"] == translate("ar", CONFIRMED, date=full, time="10:30", place=PLACE)
        assert message["download"] == {"url": calendar_url, "title": translate("ar", CALENDAR_LINK)}
        assert "relayed" not in answered, "an answer button is no message to the counsellor"
        again = await press(chat, yes)
        assert again["messages"][0]["download"]["url"] == calendar_url, "a retried press gets the same answer"

        fetched = await client.get(calendar_url)
        assert fetched.status_code == 200 and fetched.headers["content-type"].startswith("text/calendar")
        assert 'filename="lotse-termin.ics"' in fetched.headers["content-disposition"]
        assert fetched.headers["cache-control"] == "no-store"
        [event] = Calendar.from_ical(fetched.content).walk("VEVENT")
        assert event.decoded("dtstart") == datetime.combine(day, time(10, 30), OFFICE)
        assert str(event["summary"]) == strip_marks(translate("ar", CALENDAR_SUMMARY))
        for url in (
            f"/api/appointment.ics?session={uuid.uuid4()}&appointment={token}",
            f"/api/appointment.ics?session={chat}&appointment={token[:-2]}xx",
            f"/api/appointment.ics?session=not-a-chat&appointment={token}",
            f"/api/appointment.ics?appointment={token}",
        ):
            assert (await client.get(url)).status_code == 404, url

        # the reminder the day before, live on the open chat
        start = _appointment(sessions, lead.id).starts_at
        assert queue_reminders(sessions, now=start - timedelta(hours=23)) == 1
        [reminded] = (await asyncio.to_thread(stream.next))["messages"]
        assert reminded["text"] == translate("ar", REMINDER, date=full, time="10:30", place=PLACE)
        assert _appointment(sessions, lead.id).reminder_sent_at is not None
    finally:
        stream.close()
        await client.aclose()
    with sessions() as session:
        relay = [(m.direction, m.via) for m in session.scalars(select(RelayMessage).order_by(RelayMessage.id))]
    assert relay == [("to_person", "inbox"), ("from_person", "web")]


async def test_anderer_termin_in_the_web_chat(gateway: Gateway, sessions: sessionmaker, team) -> None:
    chat, lead = _web_lead(sessions, "uk")
    assert write_to_person(sessions, lead.id, team["anna"], template="meet", values=_values(_in_days(5))).ok
    token = _appointment(sessions, lead.id).token
    async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as client:
        body = {"session": chat, "payload": answer_data(token, "other"), "text": "x", "language": "uk"}
        answered = (await client.post("/api/chat", json=body)).json()
        assert answered["messages"] == [{"text": translate("uk", OTHER_TIME), "buttons": []}]
        body["payload"] = answer_data(token, "yes")
        late = (await client.post("/api/chat", json=body)).json()
        assert late["messages"][0]["text"] == translate("uk", ALREADY_ANSWERED)
        assert (await client.get(f"/api/appointment.ics?session={chat}&appointment={token}")).status_code == 404
    assert _appointment(sessions, lead.id).status == "declined"
    with sessions() as session:
        [told] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "appointment_declined")).all()
        assert told.relay_message_id is not None, "the answer goes to the counsellors' thread too"


# --- the inbox -------------------------------------------------------------------------------------


@pytest.fixture
def inbox(database_url: str, sessions: sessionmaker, tmp_path) -> Iterator[TestClient]:
    settings = Settings(
        var_dir=tmp_path, database_url=database_url, public_url="http://testserver", office_timezone="Europe/Berlin"
    )
    with TestClient(create_app(settings, engine=Engine(NOBODY_LISTENS))) as client:
        yield client


def test_the_inbox_lists_upcoming_appointments_own_or_all_and_calls_one_off(
    inbox: TestClient, sessions: sessionmaker, team
) -> None:
    anna_chat, annas = _web_lead(sessions, "pl", "Marta")
    _, bens = _web_lead(sessions, "ro", "Ioana", by=BEN)
    annas_day, bens_day = _in_days(6), _in_days(9)

    csrf = login(inbox, "anna")
    page = f"/inbox/leads/{annas.id}"
    bad = inbox.post(f"{page}/message", data={"template": "meet", "values": f"morgen\n10:30\n{PLACE}", "csrf": csrf})
    assert bad.status_code == 400 and "nicht erkannt" in bad.text
    past = (utcnow().astimezone(OFFICE) - timedelta(days=1)).date()
    gone = inbox.post(f"{page}/message", data={"template": "meet", "values": _values(past), "csrf": csrf})
    assert gone.status_code == 400 and "Vergangenheit" in gone.text
    sent = inbox.post(f"{page}/message", data={"template": "meet", "values": _values(annas_day), "csrf": csrf})
    assert sent.status_code == 200
    assert write_to_person(sessions, bens.id, team["ben"], template="meet", values=_values(bens_day)).ok

    mine = inbox.get("/inbox/appointments")
    assert mine.status_code == 200 and "Marta" in mine.text and "Ioana" not in mine.text
    assert PLACE in mine.text and "vorgeschlagen" in mine.text and f"{annas_day:%d.%m.%Y}, 10:30 Uhr" in mine.text
    lead_page = inbox.get(page).text
    assert "Termine mit Marta" in lead_page and "Termin absagen" in lead_page

    login(inbox, "root")
    everyone = inbox.get("/inbox/appointments").text
    assert "Marta" in everyone and "Ioana" in everyone
    assert everyone.index("Marta") < everyone.index("Ioana"), "soonest first"

    csrf = login(inbox, "ben")
    annas_appointment = _appointment(sessions, annas.id)
    refused = inbox.post(f"/inbox/appointments/{annas_appointment.id}/cancel", data={"csrf": csrf})
    assert refused.status_code == 403
    csrf = login(inbox, "anna")
    assert inbox.post(f"/inbox/appointments/{annas_appointment.id}/cancel", data={"csrf": "forged"}).status_code == 403
    cancelled = inbox.post(f"/inbox/appointments/{annas_appointment.id}/cancel", data={"csrf": csrf})
    assert cancelled.status_code == 200 and "Der Termin ist abgesagt" in cancelled.text
    assert _appointment(sessions, annas.id).status == "cancelled"
    assert "Marta" not in inbox.get("/inbox/appointments").text, "a cancelled appointment is no longer upcoming"
    notices = take_web_notices(sessions, f"web:{anna_chat}")
    full = format_date(annas_day, format="full", locale="pl")
    assert notices[-1] == WebNotice("pl", None, said=translate("pl", CANCELLED, date=full, time="10:30"))
    with sessions() as session:
        audit = [(a.actor, a.action) for a in session.scalars(select(AuditEvent))]
    assert ("anna", "appointment_cancel") in audit and ("anna", "appointments") in audit
    assert ("root", "appointments") in audit
