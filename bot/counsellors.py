"""Counsellor accounts: argon2id password hashes (argon2-cffi), created by the CLI.

``python -m bot.cli counsellor-add <username> --name "Anna Berg" [--telegram-id 123]`` asks for
the password (or reads it from stdin with ``--password-stdin``).
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.leads.models import Counsellor

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 12
_DUMMY_HASH = _hasher.hash("timing-equaliser-not-a-password")


class WeakPassword(ValueError):
    """A password shorter than ``MIN_PASSWORD_LENGTH``."""


def add_counsellor(
    sessions: sessionmaker, username: str, display_name: str, password: str, telegram_user_id: int | None = None
) -> Counsellor:
    """Create (or update the password and names of) a counsellor."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"at least {MIN_PASSWORD_LENGTH} characters")
    with sessions.begin() as session:
        counsellor = session.scalar(select(Counsellor).where(Counsellor.username == username))
        if counsellor is None:
            counsellor = Counsellor(username=username, display_name=display_name, password_hash="")
            session.add(counsellor)
        counsellor.display_name = display_name
        counsellor.password_hash = _hasher.hash(password)
        counsellor.telegram_user_id = telegram_user_id
        counsellor.active = True
    return counsellor


def authenticate(sessions: sessionmaker, username: str, password: str) -> Counsellor | None:
    """The active counsellor with these credentials, or ``None`` (same work either way)."""
    with sessions() as session:
        counsellor = session.scalar(select(Counsellor).where(Counsellor.username == username))
        stored = counsellor.password_hash if counsellor is not None and counsellor.active else _DUMMY_HASH
        try:
            _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if counsellor is None or not counsellor.active:
            return None
        if _hasher.check_needs_rehash(stored):
            with sessions.begin() as rehash:
                rehash.get(Counsellor, counsellor.id).password_hash = _hasher.hash(password)
        return counsellor
