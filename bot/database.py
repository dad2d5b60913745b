"""The database: one declarative base, engines for SQLite (default) and PostgreSQL, sessions.

``LOTSE_DATABASE_URL`` picks the database (a SQLite file under ``var/`` by default; PostgreSQL in
production). The schema belongs to Alembic (``bot/migrations``): ``python -m bot.cli db-upgrade``.
Rasa's tracker store writes its ``events`` table into the same database; erasure and retention
delete from it directly (``bot.leads.erasure``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Now, timezone-aware (UTC)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime on every database (SQLite stores none; we read it back as UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: use bot.database.utcnow()")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    """Base of every table of ours."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[str]: JSON()}


def make_engine(url: str, **options: object) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys and a busy timeout (several processes write)."""
    if url.startswith("sqlite"):
        options.setdefault("connect_args", {"timeout": 15})
    engine = create_engine(url, pool_pre_ping=True, **options)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

    return engine


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    """The session factory; services open one session (one unit of work) per operation."""
    return sessionmaker(engine, expire_on_commit=False)


_default: dict[str, sessionmaker[Session]] = {}


def default_sessions() -> sessionmaker[Session]:
    """The session factory of ``LOTSE_DATABASE_URL`` for this process (made on first use)."""
    from bot.settings import get_settings

    url = get_settings().effective_database_url
    if url not in _default:
        _default[url] = make_sessions(make_engine(url))
    return _default[url]
