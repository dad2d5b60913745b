"""Backup and restore (``python -m bot.cli backup|restore``) on real databases: leads made by the
real lead services, backed up, restored into an empty database — a fresh SQLite file, a freshly
created PostgreSQL database — and every lead, consent, outbox row and conversation found again."""

from __future__ import annotations

import stat
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.backup import BackupError, backup, restore
from bot.database import make_engine, make_sessions
from bot.leads.erasure import erase_conversation
from bot.leads.models import Lead, OutboxMessage
from bot.leads.submission import submit_lead
from bot.migrations import alembic_config, upgrade
from bot.settings import PROJECT_ROOT
from tests.support.databases import fresh_postgres, give_consent, submission

COMPARED = ("lead", "consent", "notice_shown", "outbox_message", "audit_event", "events")
"""The tables a restore must bring back row for row (ours and Rasa's conversations)."""


@pytest.fixture
def empty_target(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as ``database_url``: a new SQLite file, or a new
    PostgreSQL database (dropped afterwards)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored' / 'lotse.db'}"
        return
    with fresh_postgres("lotse_restore") as url:
        yield url


def _cli(url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command as an operator runs it, against ``url``."""
    env = {"PATH": "/usr/bin:/bin", "LOTSE_VAR_DIR": str(tmp_path / "var"), "LOTSE_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _people(sessions: sessionmaker, engine: Engine, count: int = 5) -> list[str]:
    """``count`` people who consented and left a lead (phone or e-mail), each with a conversation."""
    conversations = []
    for n in range(count):
        conversation = f"web:{uuid.uuid4()}"
        give_consent(sessions, conversation, "contact", "2026-12", "web")
        if n % 2:
            give_consent(sessions, conversation, "statistics", "2026-12", "web")
        changes = {"first_name": f"Person {n}", "phone": f"0176 1234{n:04d}"}
        if n % 3 == 2:
            changes = {**changes, "contact_method": "email", "email": f"p{n}@example.org"}
        submit_lead(sessions, submission(conversation, **changes))
        with engine.begin() as connection:
            for turn in range(3):
                connection.execute(
                    text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (:s, 'user', :t, :d)"),
                    {"s": conversation, "t": 1_800_000_000.0 + turn, "d": '{"text": "ich möchte eine Beratung"}'},
                )
        conversations.append(conversation)
    return conversations


def _snapshot(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the compared tables, in primary-key order."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            found = {}
            for table in COMPARED:
                key = inspect(connection).get_pk_constraint(table)["constrained_columns"]
                order = ", ".join(f'"{column}"' for column in key)
                found[table] = [
                    tuple(row) for row in connection.execute(text(f'SELECT * FROM "{table}" ORDER BY {order}'))
                ]
            return found
    finally:
        engine.dispose()


def _head() -> str:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() or ""


def test_a_backup_restored_into_an_empty_database_has_every_lead_consent_and_outbox_row(
    engine: Engine, sessions: sessionmaker, database_url: str, empty_target: str, tmp_path: Path
) -> None:
    people = _people(sessions, engine)
    before = _snapshot(database_url)
    assert len(before["lead"]) == 5 and len(before["outbox_message"]) == 5 and len(before["events"]) == 15
    file = tmp_path / "lotse.backup"

    made = _cli(database_url, tmp_path, "backup", str(file))
    assert made.returncode == 0, made.stderr
    assert stat.S_IMODE(file.stat().st_mode) == 0o600  # personal data: the owner only
    assert "personal data" in made.stdout and "14 days" in made.stdout
    assert not list(tmp_path.glob(".*.partial"))

    restored = _cli(empty_target, tmp_path, "restore", str(file))
    assert restored.returncode == 0, restored.stderr
    assert "lead 5" in restored.stdout and "outbox_message 5" in restored.stdout
    after = _snapshot(empty_target)
    for table in COMPARED:
        if table == "audit_event":  # the restore and the purge run after it add their entries
            assert after[table][: len(before[table])] == before[table]
            continue
        assert after[table] == before[table], table
    restored_sessions = make_sessions(target := make_engine(empty_target))
    with restored_sessions() as session:
        assert sorted(session.scalars(select(Lead.conversation_id))) == sorted(people)
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 5
    # the restored database works: a person erases their data, a new lead is saved
    assert erase_conversation(restored_sessions, people[0]).leads == 1
    newcomer = f"web:{uuid.uuid4()}"
    give_consent(restored_sessions, newcomer, "contact", "2026-12", "web")
    submit_lead(restored_sessions, submission(newcomer))
    with restored_sessions() as session:
        assert session.scalar(select(func.count()).select_from(Lead)) == 5
    target.dispose()


def test_a_restore_refuses_a_database_with_rows_unless_forced(
    engine: Engine, sessions: sessionmaker, database_url: str, tmp_path: Path
) -> None:
    people = _people(sessions, engine, count=2)
    file = tmp_path / "lotse.backup"
    backup(database_url, file)
    later = f"web:{uuid.uuid4()}"  # a lead saved after the backup
    give_consent(sessions, later, "contact", "2026-12", "web")
    submit_lead(sessions, submission(later))

    refused = _cli(database_url, tmp_path, "restore", str(file))
    assert refused.returncode == 1 and "not empty" in refused.stderr and "--force" in refused.stderr
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Lead)) == 3  # untouched

    engine.dispose()  # the restore replaces the database under open connections otherwise
    forced = _cli(database_url, tmp_path, "restore", "--force", str(file))
    assert forced.returncode == 0, forced.stderr
    fresh = make_engine(database_url)
    with make_sessions(fresh)() as session:
        assert sorted(session.scalars(select(Lead.conversation_id))) == sorted(people)
    fresh.dispose()


def test_an_older_backup_is_migrated_to_the_newest_schema(database_url: str, empty_target: str, tmp_path: Path) -> None:
    upgrade(database_url, "0008")  # before outcomes and the relay
    file = tmp_path / "old.backup"
    backup(database_url, file)
    restore(empty_target, file)
    engine = make_engine(empty_target)
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT version_num FROM alembic_version")) == _head()
        assert "relay_message" in inspect(connection).get_table_names()
    engine.dispose()


def test_a_backup_is_restored_only_into_its_own_kind_of_database(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    file = tmp_path / "lotse.backup"
    backup(database_url, file)
    other = (
        "postgresql+psycopg://root@127.0.0.1:5432/nothing"
        if database_url.startswith("sqlite")
        else f"sqlite:///{tmp_path / 'other.db'}"
    )
    with pytest.raises(BackupError, match="backup, but the database is"):
        restore(other, file)
    with pytest.raises(BackupError, match="exists already"):
        backup(database_url, file)


def test_a_sqlite_backup_taken_while_leads_are_saved_is_consistent(tmp_path: Path) -> None:
    """The online backup API copies one consistent state while another connection writes: every
    lead in the copy has its card in the outbox (they are written in one transaction)."""
    url = f"sqlite:///{tmp_path / 'live.db'}"
    upgrade(url)
    live = make_engine(url)
    sessions = make_sessions(live)
    stop = threading.Event()
    saved: list[str] = []

    def keep_saving() -> None:
        while not stop.is_set():
            conversation = f"web:{uuid.uuid4()}"
            give_consent(sessions, conversation, "contact", "2026-12", "web")
            submit_lead(sessions, submission(conversation))
            saved.append(conversation)

    writer = threading.Thread(target=keep_saving)
    writer.start()
    try:
        while len(saved) < 20:
            stop.wait(0.05)
        copies = [tmp_path / f"during-{n}.db" for n in range(3)]
        for copy in copies:
            backup(url, copy)
    finally:
        stop.set()
        writer.join()
    live.dispose()
    for copy in copies:  # one self-contained file: rollback journal (header bytes 18-19: 1), no -wal
        assert copy.read_bytes()[18:20] == b"\x01\x01" and not copy.with_name(copy.name + "-wal").exists()
        copied = make_engine(f"sqlite:///{copy}")
        with copied.connect() as connection:
            leads = connection.scalar(select(func.count()).select_from(Lead))
            cards = connection.scalar(select(func.count()).select_from(OutboxMessage))
            assert leads and leads == cards, copy
        copied.dispose()


def test_a_postgresql_backup_without_its_client_tools_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump here
    with pytest.raises(BackupError, match=r"pg_dump is not on PATH.*postgresql-client"):
        backup("postgresql+psycopg://root@127.0.0.1:5432/test", tmp_path / "x.dump")
    assert not (tmp_path / "x.dump").exists() and not list(tmp_path.glob(".*.partial"))
