"""Integration tests: the real engine and action server (``stack``, tests/conftest.py) and real
databases (SQLite and PostgreSQL)."""

from tests.support.databases import database_url, engine, sessions  # noqa: F401 - fixtures
