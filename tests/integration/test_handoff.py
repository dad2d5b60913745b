"""Consent, contact form, lead, rights — through the gateway, the real engine and action server,
on the stack's SQLite database (Rasa's tracker events live there too).

The faults that break the stack on purpose (a table renamed, the action server stopped) are in
``test_handoff_faults.py``, on a stack of their own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, inspect, select, text
from sqlalchemy.orm import sessionmaker

from bot.database import make_engine, make_sessions
from bot.leads.models import Consent, Lead, OutboxMessage
from bot.settings import Settings
from bot.starter import Stack
from bot.web.app import create_app
from tests.support.chat import Chat


@pytest.fixture
def db(stack: Stack) -> Iterator[sessionmaker]:
    engine = make_engine(stack.settings.effective_database_url)
    yield make_sessions(engine)
    engine.dispose()


@pytest.fixture
def client(stack: Stack, tmp_path) -> Iterator[TestClient]:
    settings = Settings(
        var_dir=tmp_path,
        engine_url=stack.engine_url,
        engine_token=stack.token,
        database_url=stack.settings.effective_database_url,
        public_url="https://lotse.example",
        rate_limit_burst=1000,
    )  # tests type faster than people
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _give_details(chat: Chat, name: str = "Olena", phone: str = "0176 12345678") -> dict:
    chat.say("ich möchte eine beratung")
    asked = chat.press('/request_counsellor{"consent": "contact"}')
    assert "Vorname" in Chat.texts(asked)
    method = chat.say(name)
    assert '/inform{"contact_method": "phone"}' in Chat.payloads(method)
    assert '/inform{"contact_method": "telegram"}' not in Chat.payloads(method)  # web, not Telegram
    chat.press('/inform{"contact_method": "phone"}')
    wrong = chat.say("12345")
    assert "nicht lesen" in Chat.texts(wrong)
    chat.say(phone)
    chat.press('/inform{"contact_time": "morning"}')
    return chat.press('/inform{"contact_language": "interpreter"}')


def test_consent_first_then_contact_details_then_one_lead(client: TestClient, db: sessionmaker) -> None:
    chat = Chat(client)
    offer = chat.say("ich möchte eine beratung")
    text = Chat.texts(offer)
    assert "/privacy?lang=de" in text and "180 Tage" in text
    assert '/request_counsellor{"consent": "contact"}' in Chat.payloads(offer)
    with db() as session:  # asking is not consenting
        assert session.scalar(select(Consent).where(Consent.conversation_id == chat.sender)) is None
    done = _give_details(chat)
    assert "Olena" in Chat.texts(done) and "in der Regel innerhalb von 1 Werktag" in Chat.texts(done)
    assert "+4917612345678" in Chat.texts(done)
    with db() as session:
        lead = session.scalar(select(Lead).where(Lead.conversation_id == chat.sender))
        assert lead.first_name == "Olena" and lead.phone == "+4917612345678"
        assert lead.call_language == "interpreter" and lead.preferred_time == "morning"
        consent = session.scalar(select(Consent).where(Consent.conversation_id == chat.sender))
        assert consent.purpose == "contact" and consent.notice_version and consent.channel == "web"
        assert (
            session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.lead_id == lead.id)) == 1
        )
    again = chat.say("ich möchte eine beratung")
    assert "schon beim Lotse-Team" in Chat.texts(again)


def test_declining_consent_stores_nothing(client: TestClient, db: sessionmaker) -> None:
    chat = Chat(client)
    chat.say("ich möchte eine beratung")
    declined = chat.press('/request_counsellor{"consent": "declined"}')
    assert "trotzdem alles fragen" in Chat.texts(declined)
    with db() as session:
        assert session.scalar(select(Consent).where(Consent.conversation_id == chat.sender)) is None


def test_what_do_you_know_about_me_and_delete_leaves_no_trace(
    client: TestClient, db: sessionmaker, stack: Stack
) -> None:
    chat = Chat(client)
    _give_details(chat, "Zeynep", "0176 99988877")
    shown = Chat.texts(chat.say("was weißt du über mich"))
    assert "Zeynep" in shown and "+4917699988877" in shown and "Einwilligung" in shown
    confirm = chat.say("lösch meine daten")
    assert '/delete_my_data{"confirmed": true}' in Chat.payloads(confirm)
    deleted = chat.press('/delete_my_data{"confirmed": true}')
    assert deleted["erased"] is True and "gelöscht" in Chat.texts(deleted)
    engine = make_engine(stack.settings.effective_database_url)
    with engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            rows = connection.execute(text(f'SELECT * FROM "{table}"')).fetchall()
            flat = [" ".join(map(str, row)) for row in rows]
            assert not [r for r in flat if chat.sender in r or "99988877" in r or "Zeynep" in r], table
    engine.dispose()


def test_logs_never_carry_names_numbers_or_addresses(client: TestClient, stack: Stack, capfd) -> None:
    chat = Chat(client)
    _give_details(chat)
    chat.press("/delete_my_data")
    chat.press('/delete_my_data{"confirmed": true}')
    logs = stack.logs() + "".join(capfd.readouterr())
    for personal in ("Olena", "0176 12345678", "+4917612345678", "olena@example.org"):
        assert personal not in logs, personal
