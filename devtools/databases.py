"""A fresh PostgreSQL database on the machine's server, for the integration tests, ``make soak`` and
``bench/scale.py``: created empty under a unique name and dropped afterwards (``WITH (FORCE)``, so
connections a crashed process left behind do not keep it)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from bot.database import make_engine

POSTGRES_ADMIN = "postgresql+psycopg://root@127.0.0.1:5432/postgres"
"""A database of the local server that databases may be created and dropped from."""


def create_database(prefix: str, admin_url: str = POSTGRES_ADMIN) -> tuple[str, str]:
    """A new, empty database ``<prefix>_<random>`` on ``admin_url``'s server: its name and URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        return name, admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        admin.dispose()


def drop_database(name: str, admin_url: str = POSTGRES_ADMIN) -> None:
    """Drop ``name`` (if it is there), cutting its connections."""
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextmanager
def fresh_postgres(prefix: str, admin_url: str = POSTGRES_ADMIN) -> Iterator[str]:
    """A new, empty PostgreSQL database (its URL) for the ``with`` block, dropped afterwards."""
    name, url = create_database(prefix, admin_url)
    try:
        yield url
    finally:
        drop_database(name, admin_url)
