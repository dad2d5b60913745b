"""Faults during the hand-off, told honestly and never losing or half-saving a lead: the database
failing while the lead is saved, the action server down.

These tests break the shared stack on purpose (they rename a table of its database, stop its
action server). They are marked ``breaks_stack`` and run after every other test of the session
(``tests/conftest.py``), so that nothing they break — also when a test fails half-way and its
repair does not run — can leak into a test that uses the stack after them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import sessionmaker

from bot.database import make_engine, make_sessions
from bot.leads.models import Lead
from bot.settings import Settings
from bot.starter import Stack
from bot.web.app import create_app
from tests.support.chat import Chat

pytestmark = pytest.mark.breaks_stack


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


def _all_but_the_last_answer(client: TestClient) -> Chat:
    """A person who consented and answered the contact form up to its last question (by e-mail)."""
    chat = Chat(client)
    chat.say("ich möchte eine beratung")
    chat.press('/request_counsellor{"consent": "contact"}')
    chat.say("Olena")
    chat.press('/inform{"contact_method": "email"}')
    chat.say("olena@example.org")
    chat.press('/inform{"contact_time": "any"}')
    return chat


def test_the_database_failing_while_saving_is_told_honestly_and_nothing_is_half_saved(
    client: TestClient, db: sessionmaker, stack: Stack
) -> None:
    chat = _all_but_the_last_answer(client)
    engine = make_engine(stack.settings.effective_database_url)
    with engine.begin() as connection:  # the outbox is gone: the lead's transaction must fail
        connection.execute(text("ALTER TABLE outbox_message RENAME TO outbox_message_away"))
    try:
        failed = chat.press('/inform{"contact_language": "de"}')
    finally:
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE outbox_message_away RENAME TO outbox_message"))
    assert "nicht speichern" in Chat.texts(failed) and "/request_counsellor" in Chat.payloads(failed)
    with db() as session:
        assert session.scalar(select(Lead).where(Lead.conversation_id == chat.sender)) is None
    retried = chat.press("/request_counsellor")
    assert "in der Regel innerhalb von 1 Werktag" in Chat.texts(retried)
    with db() as session:
        assert session.scalar(select(Lead).where(Lead.conversation_id == chat.sender)).email == "olena@example.org"
    engine.dispose()


def test_action_server_down_is_told_honestly_and_the_lead_is_not_lost(
    client: TestClient, db: sessionmaker, stack: Stack
) -> None:
    chat = _all_but_the_last_answer(client)
    stack.stop_actions()
    try:
        down = chat.press('/inform{"contact_language": "de"}')
    finally:
        stack.start_actions()
    assert down["status"] == 503 and "technischer Fehler" in Chat.texts(down)
    with db() as session:
        assert session.scalar(select(Lead).where(Lead.conversation_id == chat.sender)) is None
    # the person tries again: the answers they gave are still there, the lead is saved
    again = chat.press('/inform{"contact_language": "de"}')
    if "in der Regel innerhalb von 1 Werktag" not in Chat.texts(again):
        again = chat.say("ich möchte eine beratung")
    assert "in der Regel innerhalb von 1 Werktag" in Chat.texts(again)
    with db() as session:
        assert session.scalar(select(Lead).where(Lead.conversation_id == chat.sender)) is not None
