"""The relay (issue 15): a counsellor and the person write to each other through Lotse — with the
real aiogram Bot against the fake Bot API over HTTP, on real databases (SQLite and PostgreSQL).

The person's side goes through the real ``Conversations`` with an engine nobody listens to: a
relayed message that reached the engine would come back as "I am not reachable" in the person's
chat, so these tests also prove that Lotse stays silent while a counsellor holds the conversation.
(That Lotse answers again after ``/done`` needs the real engine: ``test_relay_web.py``.)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.types import Update
from babel.dates import format_date
from sqlalchemy import select, text
from sqlalchemy.engine import Engine as Database
from sqlalchemy.orm import sessionmaker

from bot.conversation import Conversations
from bot.counsellors import add_counsellor
from bot.database import utcnow
from bot.engine import Engine
from bot.i18n import translate
from bot.leads.claims import claim_lead
from bot.leads.erasure import erase_conversation, purge_expired
from bot.leads.models import AuditEvent, Lead, OutboxMessage, RelayMessage
from bot.leads.outbox import CLAIMED_NOTICE, RELAY_ENDED
from bot.leads.relay import FIRST_HINT, HEADER, TEMPLATES, end_quiet_relays, parse_date, take_from_person
from bot.leads.submission import submit_lead
from bot.notifier import Notifier
from bot.settings import Settings
from bot.telegram import create_dispatcher, make_bot
from bot.telegram.cards import REDACTED, REDACTED_TOPIC
from devtools.fake_telegram import FakeTelegram
from tests.support.databases import give_consent, submission

CHAT = -100777
ANNA, BEN, ADMIN, STRANGER = 501, 502, 503, 999
BOT_ID = 123  # from the token "123:TEST"
NOBODY_LISTENS = "http://127.0.0.1:9"


@pytest.fixture
def settings(telegram: FakeTelegram, tmp_path) -> Settings:
    return Settings(
        var_dir=tmp_path,
        telegram_token=f"{BOT_ID}:TEST",
        telegram_api_base=telegram.base_url,
        counsellor_chat_id=CHAT,
        public_url="https://lotse.example",
        engine_url=NOBODY_LISTENS,
        relay_quiet_minutes=60,
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
def team(sessions: sessionmaker) -> None:
    add_counsellor(sessions, "anna", "Anna Berg", "a-long-password-1", telegram_user_id=ANNA)
    add_counsellor(sessions, "ben", "Ben Kurz", "a-long-password-2", telegram_user_id=BEN)
    add_counsellor(sessions, "root", "Rita Admin", "a-long-password-3", telegram_user_id=ADMIN, role="admin")


def _notifier(sessions: sessionmaker, bot: Bot) -> Notifier:
    return Notifier(sessions, bot, CHAT, "https://lotse.example", backoff_seconds=0.2)


def _claimed_lead(sessions: sessionmaker, conversation: str, language: str, **changes: Any) -> Lead:
    give_consent(sessions, conversation, "contact", "2026-12", "web")
    channel = "telegram" if conversation.startswith("tg:") else "web"
    lead = submit_lead(
        sessions, submission(conversation, language=language, channel=channel, contact_method="telegram", **changes)
    )
    assert claim_lead(sessions, lead.id, ANNA).reason == "claimed"
    return lead


def _card_id(sessions: sessionmaker, lead_id: str, kind: str = "lead_card") -> int:
    with sessions() as session:
        found = session.scalar(
            select(OutboxMessage.telegram_message_id).where(
                OutboxMessage.lead_id == lead_id, OutboxMessage.kind == kind
            )
        )
    assert found is not None, f"no {kind} in the chat"
    return found


_message_ids = iter(range(50_000, 60_000))
_last: list[int] = []


def _in_counsellors_chat(
    user: int, text: str, reply_to: int | None = None, reply_text: str = "card", topic: int | None = None
) -> Update:
    _last.append(next(_message_ids))
    message: dict[str, Any] = {
        "message_id": _last[-1],
        "date": 0,
        "chat": {"id": CHAT, "type": "supergroup", "is_forum": topic is not None or None},
        "from": {"id": user, "is_bot": False, "first_name": "C"},
        "text": text,
    }
    if topic is not None:
        message |= {"message_thread_id": topic, "is_topic_message": True}
    if reply_to is not None:
        message["reply_to_message"] = {
            "message_id": reply_to,
            "date": 0,
            "chat": message["chat"],
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Lotse"},
            "text": reply_text,
        }
    return Update.model_validate({"update_id": next(_message_ids), "message": message})


def _from_person(chat_id: int, text: str, language: str) -> Update:
    return Update.model_validate(
        {
            "update_id": next(_message_ids),
            "message": {
                "message_id": next(_message_ids),
                "date": 0,
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": chat_id, "is_bot": False, "first_name": "P", "language_code": language},
                "text": text,
            },
        }
    )


def _press(user: int, data: str, message_id: int, topic: int | None = None) -> Update:
    message: dict[str, Any] = {"message_id": message_id, "date": 0, "chat": {"id": CHAT, "type": "supergroup"}}
    message["from"] = {"id": BOT_ID, "is_bot": True, "first_name": "Lotse"}
    message["text"] = "card"
    if topic is not None:
        message |= {"message_thread_id": topic, "is_topic_message": True}
    return Update.model_validate(
        {
            "update_id": next(_message_ids),
            "callback_query": {
                "id": f"cb{next(_message_ids)}",
                "chat_instance": "x",
                "data": data,
                "from": {"id": user, "is_bot": False, "first_name": "C"},
                "message": message,
            },
        }
    )


def _sent_to(telegram: FakeTelegram, chat_id: int) -> list[dict[str, Any]]:
    return [c.params for c in telegram.called("sendMessage") if c.params["chat_id"] == str(chat_id)]


async def _deliver_all(notifier: Notifier, rounds: int = 60) -> None:
    """Deliver until nothing is due any more (retries included)."""
    for _ in range(rounds):
        await notifier.deliver_due()
        with notifier.sessions() as session:
            pending = session.scalar(
                select(OutboxMessage.id).where(
                    OutboxMessage.status == "pending", OutboxMessage.kind.not_in(["relay_web", "relay_end_web"])
                )
            )
        if pending is None:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the outbox did not drain")


async def test_a_reply_to_the_card_reaches_the_telegram_person_and_their_answer_comes_back(
    sessions, bot, telegram, dispatcher, team
) -> None:
    lead = _claimed_lead(sessions, "tg:777010", "uk", first_name="Olena")
    notifier = _notifier(sessions, bot)
    await _deliver_all(notifier)  # the card, the person's "taken" notice; no topic: the chat is no forum
    card = _card_id(sessions, lead.id)
    assert telegram.called("createForumTopic") == []

    dispatcher["outbox_wakeup"] = notifier.wakeup  # as bot.workers.start_telegram wires it
    notifier.wakeup.clear()
    await dispatcher.feed_update(bot, _in_counsellors_chat(ANNA, "Добрий день, Олено! Я подзвоню завтра.", card))
    assert notifier.wakeup.is_set(), "the message goes out at once, not at the notifier's next look"
    await _deliver_all(notifier)
    [claimed, relayed] = _sent_to(telegram, 777010)
    assert claimed["text"] == translate("uk", CLAIMED_NOTICE)
    assert relayed["text"].startswith(translate("uk", HEADER, name="Anna"))
    assert "Добрий день, Олено! Я подзвоню завтра." in relayed["text"]
    assert translate("uk", FIRST_HINT) in relayed["text"], "the first message says how to answer"
    assert "Berg" not in relayed["text"], "the first name only"
    assert telegram.called("setMessageReaction"), "the counsellor sees it went out"

    # the person answers: it goes to the card's reply chain, and Lotse (the engine) says nothing
    await dispatcher.feed_update(bot, _from_person(777010, "Дякую, я буду вдома після 10.", "uk"))
    await _deliver_all(notifier)
    assert len(_sent_to(telegram, 777010)) == 2, "Lotse stayed silent (its engine would have failed loudly)"
    answer = _sent_to(telegram, CHAT)[-1]
    assert "Дякую, я буду вдома після 10." in answer["text"]
    assert "Olena" in answer["text"] and "uk" in answer["text"] and "Українська" in answer["text"]
    assert answer["reply_parameters"]["message_id"] == card

    # the counsellor answers the answer (a reply to the relayed message): also to the person
    answer_id = _card_id(sessions, lead.id, "relay_counsellors")
    await dispatcher.feed_update(bot, _in_counsellors_chat(ANNA, "Гаразд, до завтра!", answer_id))
    await _deliver_all(notifier)
    third = _sent_to(telegram, 777010)[-1]["text"]
    assert "Гаразд, до завтра!" in third and translate("uk", FIRST_HINT) not in third

    with sessions() as session:
        stored = session.get(Lead, lead.id)
        assert stored.status == "contacted" and stored.relay_since is not None
        relay = [(m.direction, m.via) for m in session.scalars(select(RelayMessage).order_by(RelayMessage.id))]
        audit = [a.action for a in session.scalars(select(AuditEvent).where(AuditEvent.actor == "anna"))]
        details = [a.detail for a in session.scalars(select(AuditEvent).where(AuditEvent.action == "relay"))]
    assert relay == [("to_person", "telegram"), ("from_person", "telegram"), ("to_person", "telegram")]
    assert audit.count("relay") == 2
    assert all("Гаразд" not in str(d) and "Добрий" not in str(d) for d in details), "no content in the audit"


async def test_only_the_counsellor_who_holds_the_lead_or_an_admin_may_write(
    sessions, bot, telegram, dispatcher, team
) -> None:
    lead = _claimed_lead(sessions, "tg:777011", "ar")
    notifier = _notifier(sessions, bot)
    await _deliver_all(notifier)
    card = _card_id(sessions, lead.id)
    before = len(telegram.called("sendMessage"))

    await dispatcher.feed_update(bot, _in_counsellors_chat(STRANGER, "hello", card))
    assert len(telegram.called("sendMessage")) == before, "no answer in the chat to someone who is no counsellor"
    await dispatcher.feed_update(bot, _in_counsellors_chat(BEN, "Hallo, hier ist Ben", card))
    [note] = telegram.called("sendMessage")[before:]
    assert note.params["chat_id"] == str(CHAT)
    assert "Anna Berg übernommen" in note.params["text"] and "Admin" in note.params["text"]
    await dispatcher.feed_update(bot, _press(BEN, f"lead:t_call:{lead.id}", card))
    assert "Anna Berg übernommen" in telegram.called("answerCallbackQuery")[-1].params["text"]
    with sessions() as session:
        assert session.scalars(select(RelayMessage)).all() == []

    await dispatcher.feed_update(bot, _in_counsellors_chat(ADMIN, "مرحبا، معك ريتا من فريق الاستشارة", card))
    await _deliver_all(notifier)
    relayed = _sent_to(telegram, 777011)[-1]["text"]
    assert "مرحبا، معك ريتا" in relayed and translate("ar", HEADER, name="Rita") in relayed


@pytest.mark.parametrize("language", ["ar", "uk"])
async def test_a_ready_made_reply_reaches_the_person_in_their_language(
    sessions, bot, telegram, dispatcher, team, language
) -> None:
    lead = _claimed_lead(sessions, f"tg:7770{len(language)}2", language)
    notifier = _notifier(sessions, bot)
    await _deliver_all(notifier)
    card = _card_id(sessions, lead.id)
    await dispatcher.feed_update(bot, _press(ANNA, f"lead:t_call:{lead.id}", card))
    prompt = telegram.called("sendMessage")[-1].params
    assert prompt["chat_id"] == str(CHAT) and prompt["reply_markup"]["force_reply"] is True
    assert "Datum" in prompt["text"] and "Uhrzeit" in prompt["text"]
    # the prompt stays in the chat after an erasure (only cards, topics and answers are overwritten): no name
    assert lead.first_name not in prompt["text"] and language in prompt["text"]

    await dispatcher.feed_update(
        bot, _in_counsellors_chat(ANNA, "12.01.2027\n10:30", prompt_id(telegram), reply_text=prompt["text"])
    )
    await _deliver_all(notifier)
    person = int(lead.conversation_id.removeprefix("tg:"))
    got = _sent_to(telegram, person)[-1]["text"]
    day = format_date(parse_date("12.01.2027"), format="full", locale=language)
    expected = translate(language, TEMPLATES["call"].msgid, date=day, time="10:30")
    assert expected in got
    assert "Ich rufe dich" not in got and "Januar" not in got, "in the person's language, not German"
    assert expected != translate("de", TEMPLATES["call"].msgid, date=day, time="10:30")
    with sessions() as session:
        [audit] = session.scalars(select(AuditEvent).where(AuditEvent.action == "relay")).all()
    assert audit.detail == {"via": "telegram", "template": "call"}

    # a missing value is refused kindly, nothing reaches the person
    await dispatcher.feed_update(
        bot, _in_counsellors_chat(ANNA, "12.01.2027", prompt_id(telegram), reply_text=prompt["text"])
    )
    assert "fehlen Angaben" in telegram.called("sendMessage")[-1].params["text"]


def prompt_id(telegram: FakeTelegram) -> int:
    """The message id of the last prompt for a ready-made reply."""
    prompts = [c for c in telegram.called("sendMessage") if "[Vorlage " in c.params["text"]]
    assert prompts
    return int(prompts[-1].result["message_id"])


async def test_a_forum_gets_a_topic_per_lead_and_its_messages_go_to_the_person(
    sessions, bot, telegram, dispatcher, team
) -> None:
    telegram.forums.add(CHAT)
    first = _claimed_lead(sessions, "tg:777020", "fa", first_name="Reza")
    second = _claimed_lead(sessions, "tg:777021", "tr", first_name="Ayşe")
    notifier = _notifier(sessions, bot)
    await _deliver_all(notifier)
    topics = telegram.called("createForumTopic")
    assert [t.params["name"] for t in topics] == ["Reza · Anerkennung · fa", "Ayşe · Anerkennung · tr"]
    with sessions() as session:
        reza_topic = session.get(Lead, first.id).topic_id
        assert reza_topic is not None and reza_topic != session.get(Lead, second.id).topic_id
    headers = [c.params for c in telegram.called("sendMessage") if c.params.get("message_thread_id")]
    assert len(headers) == 2 and "Reza" in headers[0]["text"]
    buttons = [b["text"] for row in headers[0]["reply_markup"]["inline_keyboard"] for b in row]
    assert "📞 Anruf ankündigen" in buttons and "⏹ Gespräch beenden" in buttons

    await dispatcher.feed_update(bot, _in_counsellors_chat(ANNA, "سلام رضا، من آنا هستم.", topic=reza_topic))
    await _deliver_all(notifier)
    assert "سلام رضا" in _sent_to(telegram, 777020)[-1]["text"]
    assert all("سلام" not in m["text"] for m in _sent_to(telegram, 777021)), "only this lead's person"

    await dispatcher.feed_update(bot, _from_person(777020, "سلام، ممنون!", "fa"))
    await _deliver_all(notifier)
    answer = _sent_to(telegram, CHAT)[-1]
    assert "سلام، ممنون!" in answer["text"] and int(answer["message_thread_id"]) == reza_topic

    # /done in the topic: the person is told (in Persian) and Lotse answers again
    await dispatcher.feed_update(bot, _in_counsellors_chat(ANNA, "/done", topic=reza_topic))
    await _deliver_all(notifier)
    assert _sent_to(telegram, 777020)[-1]["text"] == translate("fa", RELAY_ENDED)
    assert "Gespräch beendet" in _sent_to(telegram, CHAT)[-1]["text"]
    asked = len(telegram.called("sendMessage"))
    await dispatcher.feed_update(bot, _from_person(777020, "یک سوال دیگر دارم", "fa"))
    reply = telegram.called("sendMessage")[asked:]
    assert [m.params["chat_id"] for m in reply] == ["777020"], "Lotse answers again (here: engine unreachable)"


async def test_failures_of_telegram_lose_nothing_and_send_nothing_twice(
    sessions, bot, telegram, dispatcher, team
) -> None:
    lead = _claimed_lead(sessions, "tg:777030", "ru")
    notifier = _notifier(sessions, bot)
    await _deliver_all(notifier)
    card = _card_id(sessions, lead.id)
    telegram.fail("sendMessage", 500, times=2)
    telegram.fail("sendMessage", 429, retry_after=1)
    await dispatcher.feed_update(bot, _in_counsellors_chat(ANNA, "Здравствуйте! Позвоню в понедельник.", card))
    await dispatcher.feed_update(bot, _from_person(777030, "Спасибо, жду звонка.", "ru"))
    await _deliver_all(notifier)
    assert len([m for m in _sent_to(telegram, 777030) if "Позвоню в понедельник" in m["text"]]) == 1
    assert len([m for m in _sent_to(telegram, CHAT) if "жду звонка" in m["text"]]) == 1
    with sessions() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.relay_message_id.is_not(None))).all()
        assert {(r.kind, r.status) for r in rows} == {("relay_telegram", "sent"), ("relay_counsellors", "sent")}
        assert max(r.attempts for r in rows) >= 2, "there were failures to retry"


async def test_a_german_text_to_someone_who_chose_another_language_gets_a_hint(
    sessions, bot, telegram, dispatcher, team
) -> None:
    lead = _claimed_lead(sessions, "tg:777040", "vi")
    notifier = _notifier(sessions, bot)
    await _deliver_all(notifier)
    card = _card_id(sessions, lead.id)
    await dispatcher.feed_update(bot, _in_counsellors_chat(ANNA, "Ich rufe Sie morgen Vormittag an, passt das?", card))
    hint = telegram.called("sendMessage")[-1].params["text"]
    assert hint.startswith("Hinweis:") and "Tiếng Việt" in hint
    count = len(telegram.called("sendMessage"))
    await dispatcher.feed_update(bot, _in_counsellors_chat(ANNA, "Xin chào, tôi sẽ gọi cho bạn vào ngày mai.", card))
    assert len(telegram.called("sendMessage")) == count, "no hint for Vietnamese"


async def test_a_quiet_conversation_returns_to_lotse_and_the_person_is_told(sessions, bot, telegram, team) -> None:
    from bot.leads.relay import write_to_person

    lead = _claimed_lead(sessions, "tg:777050", "pl")
    with sessions() as session:
        anna = session.scalar(select(Lead.claimed_by_id).where(Lead.id == lead.id))
    assert write_to_person(sessions, lead.id, anna, "Dzień dobry!").ok
    assert take_from_person(sessions, "tg:777050", "Dzień dobry", "telegram", 60)
    assert end_quiet_relays(sessions, 60) == 0, "not quiet yet"
    assert end_quiet_relays(sessions, 60, now=utcnow() + timedelta(minutes=61)) == 1
    assert not take_from_person(sessions, "tg:777050", "Hallo?", "telegram", 60), "Lotse answers again"
    notifier = _notifier(sessions, bot)
    await _deliver_all(notifier)
    assert _sent_to(telegram, 777050)[-1]["text"] == translate("pl", RELAY_ENDED)
    # a conversation that went quiet while nobody checked ends at the person's next message
    assert write_to_person(sessions, lead.id, anna, "Czy jest Pani jeszcze zainteresowana?").ok
    with sessions.begin() as session:
        session.get(Lead, lead.id).relay_last_at = utcnow() - timedelta(minutes=90)
    assert not take_from_person(sessions, "tg:777050", "Tak!", "telegram", 60)
    await _deliver_all(notifier)
    assert _sent_to(telegram, 777050)[-1]["text"] == translate("pl", RELAY_ENDED)


def _rows_mentioning(database: Database, *needles: str) -> list[str]:
    found = []
    with database.connect() as connection:
        for table in ("lead", "relay_message", "outbox_message", "audit_event", "events"):
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                flat = " ".join(str(v) for v in row)
                found += [f"{table}: {flat[:100]}" for n in needles if n in flat]
    return found


@pytest.mark.parametrize("how", ["delete my data", "retention"])
async def test_erasure_reaches_every_relay_message(sessions, engine, bot, telegram, dispatcher, team, how) -> None:
    telegram.forums.add(CHAT)
    lead = _claimed_lead(sessions, "tg:777060", "ro", first_name="Ioana")
    notifier = _notifier(sessions, bot)
    await _deliver_all(notifier)
    with sessions() as session:
        topic = session.get(Lead, lead.id).topic_id
    header = _card_id(sessions, lead.id, "topic_open")
    await dispatcher.feed_update(bot, _in_counsellors_chat(ANNA, "Bună ziua, Ioana! Sunt Anna.", topic=topic))
    counsellors_message = _last_update_message_id()
    await dispatcher.feed_update(bot, _from_person(777060, "Bună ziua! Mulțumesc pentru mesaj.", "ro"))
    await _deliver_all(notifier)
    answer = _card_id(sessions, lead.id, "relay_counsellors")
    card = _card_id(sessions, lead.id)

    if how == "delete my data":
        erase_conversation(sessions, "tg:777060")
    else:
        with sessions.begin() as session:
            row = session.get(Lead, lead.id)
            row.status, row.closed_at = "closed", utcnow() - timedelta(days=400)
        purge_expired(sessions, lead_days=180, conversation_days=30)
    with sessions() as session:
        assert session.scalars(select(RelayMessage)).all() == []
    assert _rows_mentioning(engine, "Ioana", "Bună ziua", "Mulțumesc") == []

    await _deliver_all(notifier)
    redacted = {int(c.params["message_id"]) for c in telegram.called("editMessageText") if c.params["text"] == REDACTED}
    assert {card, header, answer} <= redacted, "Lotse's card, topic header and the relayed answer are overwritten"
    assert [int(c.params["message_id"]) for c in telegram.called("deleteMessage")] == [counsellors_message]
    [renamed] = telegram.called("editForumTopic")
    assert renamed.params["name"] == REDACTED_TOPIC and int(renamed.params["message_thread_id"]) == topic
    assert [int(c.params["message_thread_id"]) for c in telegram.called("closeForumTopic")] == [topic]
    with sessions() as session:
        assert session.scalar(select(OutboxMessage.id).where(OutboxMessage.status != "sent")) is None


def _last_update_message_id() -> int:
    """The message id ``_in_counsellors_chat`` gave the last counsellor's message."""
    return _last[-1]


async def test_erledigt_on_the_card_ends_the_conversation_and_the_person_is_told(
    sessions, bot, telegram, dispatcher, team
) -> None:
    lead = _claimed_lead(sessions, "tg:777070", "en")
    notifier = _notifier(sessions, bot)
    await _deliver_all(notifier)
    card = _card_id(sessions, lead.id)
    await dispatcher.feed_update(bot, _in_counsellors_chat(ANNA, "Hello, this is Anna from the team.", card))
    await dispatcher.feed_update(bot, _press(ANNA, f"lead:close:{lead.id}", card))  # the close step
    with sessions() as session:
        assert session.get(Lead, lead.id).relay_since is not None, "the close step alone ends nothing"
    await dispatcher.feed_update(bot, _press(ANNA, f"lead:end_route_started:{lead.id}", card))
    await _deliver_all(notifier)
    assert _sent_to(telegram, 777070)[-1]["text"] == translate("en", RELAY_ENDED)
    await dispatcher.feed_update(bot, _in_counsellors_chat(ANNA, "One more thing", card))
    assert "erledigt" in telegram.called("sendMessage")[-1].params["text"], "a closed lead takes no more messages"
    with sessions() as session:
        assert session.get(Lead, lead.id).relay_since is None


async def test_a_photo_in_the_thread_is_not_relayed_and_the_counsellor_is_told(
    sessions, bot, telegram, dispatcher, team
) -> None:
    lead = _claimed_lead(sessions, "tg:777080", "tr")
    notifier = _notifier(sessions, bot)
    await _deliver_all(notifier)
    card = _card_id(sessions, lead.id)
    photo = _in_counsellors_chat(ANNA, "", card).message.model_dump(exclude_none=True, by_alias=True)
    photo.pop("text")
    photo["photo"] = [{"file_id": "f1", "file_unique_id": "u1", "width": 10, "height": 10}]
    before = len(telegram.called("sendMessage"))
    await dispatcher.feed_update(
        bot,
        Update.model_validate(
            {"update_id": 1, "message": {**photo, "from": {"id": STRANGER, "is_bot": False, "first_name": "S"}}}
        ),
    )
    assert len(telegram.called("sendMessage")) == before, "nothing to someone who is no counsellor"
    await dispatcher.feed_update(bot, Update.model_validate({"update_id": 2, "message": photo}))
    assert "Nur Text" in telegram.called("sendMessage")[-1].params["text"]
    with sessions() as session:
        assert session.scalars(select(RelayMessage)).all() == []
