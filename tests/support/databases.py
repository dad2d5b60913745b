"""Real databases for integration tests: a SQLite file, and a fresh PostgreSQL database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

import devtools.databases
from bot.database import make_engine, make_sessions
from bot.leads.consent import record_consent, record_notice_shown
from bot.leads.submission import LeadSubmission
from bot.migrations import upgrade

POSTGRES_ADMIN = "postgresql+psycopg://root@127.0.0.1:5432/test"

# Rasa's SQL tracker store table, as rasa/core/tracker_store.py (SQLEvent) creates it.
RASA_EVENTS_DDL = """
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    sender_id VARCHAR(255) NOT NULL,
    type_name VARCHAR(255) NOT NULL,
    timestamp FLOAT,
    intent_name VARCHAR(255),
    action_name VARCHAR(255),
    data TEXT
)
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'lotse.db'}"
        return
    with fresh_postgres("lotse_test") as url:
        yield url


@contextmanager
def fresh_postgres(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database on the machine's server (its URL), dropped afterwards."""
    with devtools.databases.fresh_postgres(prefix, POSTGRES_ADMIN) as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    upgrade(database_url)
    engine = make_engine(database_url)
    ddl = RASA_EVENTS_DDL
    if engine.dialect.name == "postgresql":
        ddl = ddl.replace("id INTEGER PRIMARY KEY", "id SERIAL PRIMARY KEY")
    with engine.begin() as connection:
        connection.execute(text(ddl))
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker:
    return make_sessions(engine)


def submission(conversation: str, **changes) -> LeadSubmission:
    """A typical lead (Ukrainian engineer, foreign diploma) with ``changes``."""
    values = dict(
        conversation_id=conversation,
        channel="web",
        language="uk",
        first_name="Olena",
        contact_method="phone",
        phone="0176 12345678",
        routes=("anerkennung",),
        triage={"qualification": "foreign", "age": 34},
        has_documents=True,
    )
    values.update(changes)
    return LeadSubmission(**values)


def give_consent(sessions: sessionmaker, conversation: str, purpose: str, notice_version: str, channel: str) -> None:
    """A consent as a person gives it: the notice of that version shown first, then the button."""
    record_notice_shown(sessions, conversation, notice_version, "de", channel)
    record_consent(sessions, conversation, purpose, notice_version, channel)
