"""How the leads services reach the database: the session factory, and the error they raise.

Every service takes the session factory first and opens its own unit of work with it. The gateway
and the tests pass theirs; ``None`` means this process's database (``LOTSE_DATABASE_URL``), which
is how the Rasa actions call them: they never hold a session factory or write SQL.
"""

from __future__ import annotations

from typing import TypeAlias

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.database import default_sessions

Sessions: TypeAlias = "sessionmaker[Session]"
"""A session factory (``bot.database.make_sessions``)."""

DatabaseUnavailable = SQLAlchemyError
"""What a service raises when the database fails: SQLAlchemy's base error, so that the actions
catch it without knowing SQLAlchemy and the gateway's handlers catch the same. Log only its type:
its message carries the statement's parameters, which are personal data."""


def sessions_or_default(sessions: Sessions | None) -> Sessions:
    """``sessions``, or this process's session factory when it is ``None``."""
    return sessions if sessions is not None else default_sessions()
