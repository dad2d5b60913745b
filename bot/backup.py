"""Backup and restore of the database (``python -m bot.cli backup|restore``).

One file holds the whole database of ``LOTSE_DATABASE_URL``: our tables (leads, consents, the
outbox, counsellors, the audit trail …) and Rasa's conversations (``events``). That is personal
data: the file is written with mode 0600, under a temporary name first, so a half-written backup
never carries the final name.

- **SQLite**: SQLite's online backup API (``sqlite3.Connection.backup``) copies a consistent
  snapshot while the bot keeps writing; the copy is a single self-contained file (no ``-wal``).
- **PostgreSQL**: ``pg_dump --format=custom`` and ``pg_restore`` (PostgreSQL's client tools on
  ``PATH``; a client at least as new as the server). The password goes to them in the environment
  (``PGPASSWORD``), never on a command line that ``ps`` shows.

A restore refuses a database that holds rows unless forced (then it replaces everything), and
migrates the restored schema to the newest revision, so an older backup works with newer code.
A backup can be restored only into the kind of database it came from.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from alembic.util.exc import CommandError
from sqlalchemy import MetaData, func, inspect, select, table, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.database import make_engine
from bot.migrations import upgrade

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
FILE_MODE = 0o600
"""Only the owner may read a backup: it holds personal data."""
KEEP_DAYS = 14
"""How long a backup should be kept at most (README *Backups*): every day a backup is kept, an
erasure or a retention deletion lives on in it."""
NOT_COUNTED = frozenset({"alembic_version"})
"""Tables whose rows do not make a database "not empty" (a migrated but unused database)."""


class BackupError(Exception):
    """A backup or restore that cannot be done; the message tells the operator why (no data)."""


@dataclass(frozen=True)
class Restored:
    """What a restore put into the database: rows per table."""

    rows: dict[str, int]


def stored_rows(url: str) -> dict[str, int]:
    """Rows per table of the database at ``url`` (every table, ours and Rasa's)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            names = inspect(connection).get_table_names()
            return {name: connection.scalar(select(func.count()).select_from(table(name))) or 0 for name in names}
    finally:
        engine.dispose()


def _kind(url: URL) -> str:
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"cannot back up a {backend!r} database (SQLite and PostgreSQL only)")
    return backend


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database).resolve()


def _private_file(path: Path) -> int:
    """Create ``path`` for writing, readable by its owner only; refuses an existing file."""
    try:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError as error:
        raise BackupError(f"{path} exists already; choose another name") from error
    except OSError as error:
        raise BackupError(f"cannot write {path}: {error.strerror}") from error


def _partial(destination: Path) -> Path:
    return destination.with_name(f".{destination.name}.partial")


def backup(url: str, destination: Path) -> int:
    """Write a backup of the database at ``url`` to ``destination`` (mode 0600); its size in bytes.

    Raises:
        BackupError: the database or the tools are missing, ``destination`` exists, or the copy failed.
    """
    parsed = make_url(url)
    kind = _kind(parsed)
    destination = destination.resolve()
    if destination.exists():
        raise BackupError(f"{destination} exists already; choose another name")
    partial = _partial(destination)
    partial.unlink(missing_ok=True)  # left by a backup that was killed
    try:
        if kind == "sqlite":
            _backup_sqlite(_sqlite_path(parsed), partial)
        else:
            _backup_postgresql(parsed, partial)
        partial.chmod(FILE_MODE)
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
    return destination.stat().st_size


def _backup_sqlite(source: Path, partial: Path) -> None:
    if not source.is_file():
        raise BackupError(f"there is no database at {source}")
    os.close(_private_file(partial))  # SQLite's journal files take the mode of the database file
    try:
        with closing(sqlite3.connect(source, timeout=15)) as origin, closing(sqlite3.connect(partial)) as copy:
            origin.backup(copy)  # one step: a consistent snapshot, however much the bot writes meanwhile
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            if copy.execute("PRAGMA quick_check").fetchone() != ("ok",):
                raise BackupError("the copy does not check out (PRAGMA quick_check); try again")
    except sqlite3.Error as error:
        raise BackupError(f"SQLite could not copy the database: {error}") from error


def _client(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not on PATH: install PostgreSQL's client tools, as new as the server "
            f"(Debian: apt-get install postgresql-client-15), or put their bin/ on PATH"
        )
    return found


def _libpq_env(url: URL) -> dict[str, str]:
    """Where ``pg_dump``/``pg_restore`` connect to, as libpq's environment (the password too)."""
    env = {**os.environ}
    for variable, value in (
        ("PGHOST", url.host),
        ("PGPORT", str(url.port) if url.port else None),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
        ("PGSSLMODE", url.query.get("sslmode")),
    ):
        if isinstance(value, str) and value:
            env[variable] = value
    return env


def _failed(tool: str, result: subprocess.CompletedProcess[bytes]) -> BackupError:
    said = result.stderr.decode(errors="replace").strip().splitlines()[-5:]
    return BackupError(f"{tool} failed (exit {result.returncode}): " + " / ".join(said))


def _backup_postgresql(url: URL, partial: Path) -> None:
    command = [_client("pg_dump"), "--format=custom", "--no-password"]
    handle = _private_file(partial)
    try:
        result = subprocess.run(command, env=_libpq_env(url), stdout=handle, stderr=subprocess.PIPE, check=False)
    finally:
        os.close(handle)
    if result.returncode != 0:
        raise _failed("pg_dump", result)


def _format_of(source: Path) -> str:
    try:
        with source.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError as error:
        raise BackupError(f"cannot read {source}: {error.strerror}") from error
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise BackupError(f"{source} is neither a SQLite backup nor a pg_dump archive of the custom format")


def restore(url: str, source: Path, force: bool = False) -> Restored:
    """Replace the database at ``url`` with the backup ``source``, then migrate it to the newest schema.

    Args:
        url: the database (``LOTSE_DATABASE_URL``); stop the bot, the engine and the actions first.
        source: a file written by :func:`backup` (from the same kind of database).
        force: replace a database that holds rows (otherwise refused).

    Raises:
        BackupError: wrong or unreadable file, a database with rows and no ``force``, a failed copy,
            or a backup of a newer schema than this code knows.
    """
    parsed = make_url(url)
    kind = _kind(parsed)
    source = source.resolve()
    if not source.is_file():
        raise BackupError(f"there is no file {source}")
    made_by = _format_of(source)
    if made_by != kind:
        raise BackupError(f"{source} is a {made_by} backup, but the database is {kind}: restore it into {made_by}")
    if kind == "sqlite":
        _sqlite_path(parsed).parent.mkdir(parents=True, exist_ok=True)
    try:
        before = stored_rows(url)
    except SQLAlchemyError as error:
        raise BackupError(f"the database is not reachable ({type(error).__name__})") from error
    filled = {name: count for name, count in sorted(before.items()) if count and name not in NOT_COUNTED}
    if filled and not force:
        total = sum(filled.values())
        shown = ", ".join(f"{name}: {count}" for name, count in list(filled.items())[:4])
        raise BackupError(
            f"the database is not empty ({total} {'row' if total == 1 else 'rows'}: {shown}); "
            "restore into an empty database, or add --force to replace everything in it"
        )
    if kind == "sqlite":
        _restore_sqlite(source, _sqlite_path(parsed))
    else:
        _restore_postgresql(url, parsed, source)
    try:
        upgrade(url)
    except CommandError as error:  # a revision this code does not know: the backup is newer
        raise BackupError(
            f"restored, but the schema cannot be migrated ({error}); is the backup from a newer Lotse?"
        ) from error
    return Restored(stored_rows(url))


def _restore_sqlite(source: Path, target: Path) -> None:
    try:
        with closing(sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)) as backup_file:
            if backup_file.execute("PRAGMA quick_check").fetchone() != ("ok",):
                raise BackupError(f"{source} is damaged (PRAGMA quick_check)")
            with closing(sqlite3.connect(target, timeout=15)) as database:
                backup_file.backup(database)  # replaces every page of the target
    except sqlite3.Error as error:
        raise BackupError(f"SQLite could not restore the backup: {error} (is the bot still running?)") from error
    target.chmod(FILE_MODE)


def _drop_everything(url: str) -> None:
    """Empty the target's schema (tables, then sequences) so the archive's objects can be created."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            metadata = MetaData()
            metadata.reflect(connection)
            metadata.drop_all(connection)
            for sequence in inspect(connection).get_sequence_names():
                connection.execute(text(f'DROP SEQUENCE IF EXISTS "{sequence}"'))
    finally:
        engine.dispose()


def _restore_postgresql(url: str, parsed: URL, source: Path) -> None:
    tool = _client("pg_restore")
    env = _libpq_env(parsed)
    listed = subprocess.run([tool, "--list", str(source)], env=env, capture_output=True, check=False)
    if listed.returncode != 0:
        raise _failed("pg_restore --list", listed)
    try:
        _drop_everything(url)
    except SQLAlchemyError as error:
        raise BackupError(f"could not empty the database first ({type(error).__name__})") from error
    command = [
        tool,
        "--no-owner",  # restorable by another role than the one that made it
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",  # all or nothing
        "--no-password",
        f"--dbname={parsed.database}",
        str(source),
    ]
    result = subprocess.run(command, env=env, capture_output=True, check=False)
    if result.returncode != 0:
        raise _failed("pg_restore", result)
