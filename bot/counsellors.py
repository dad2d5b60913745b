"""Counsellor accounts: argon2id password hashes (argon2-cffi), created by the CLI.

``python -m bot.cli counsellor-add <username> --name "Anna Berg" [--telegram-id 123]
[--role admin]`` asks for the password (or reads it from stdin with ``--password-stdin``). A new
account is a ``counsellor`` unless ``--role`` says otherwise; updating an account keeps its role
unless ``--role`` is given.
"""

from __future__ import annotations

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.leads.audit import record_audit
from bot.leads.models import ROLES, Counsellor

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 12
_DUMMY_HASH = _hasher.hash("timing-equaliser-not-a-password")


class WeakPassword(ValueError):
    """A password shorter than ``MIN_PASSWORD_LENGTH``."""


class UnknownRole(ValueError):
    """A role that is not one of ``ROLES``."""


def _same_password(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def add_counsellor(
    sessions: sessionmaker,
    username: str,
    display_name: str,
    password: str,
    telegram_user_id: int | None = None,
    role: str | None = None,
    totp: bool = False,
) -> Counsellor:
    """Create (or update the password and names of) a counsellor; ``role`` ``None`` keeps an
    existing account's role and makes a new one a ``counsellor``; ``totp`` gives the account a new
    TOTP secret (a second factor asked at every login)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"at least {MIN_PASSWORD_LENGTH} characters")
    if role is not None and role not in ROLES:
        raise UnknownRole(f"one of {', '.join(ROLES)}")
    with sessions.begin() as session:
        counsellor = session.scalar(select(Counsellor).where(Counsellor.username == username))
        if counsellor is None:
            counsellor = Counsellor(username=username, display_name=display_name, password_hash="")
            session.add(counsellor)
        elif not _same_password(counsellor.password_hash, password):
            # a new password (e.g. after a stolen laptop) ends the logins made with the old one
            counsellor.session_generation += 1
        counsellor.display_name = display_name
        counsellor.password_hash = _hasher.hash(password)
        counsellor.telegram_user_id = telegram_user_id
        counsellor.active = True
        if role is not None:
            counsellor.role = role
        elif counsellor.role is None:  # a new account (the column default is applied on insert)
            counsellor.role = "counsellor"
        if totp:
            counsellor.totp_secret = pyotp.random_base32()
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


def totp_uri(counsellor: Counsellor) -> str | None:
    """The ``otpauth://`` URI an authenticator app reads (as a QR code), or ``None`` without TOTP."""
    if counsellor.totp_secret is None:
        return None
    return pyotp.TOTP(counsellor.totp_secret).provisioning_uri(name=counsellor.username, issuer_name="Lotse")


def second_factor_ok(counsellor: Counsellor, code: str) -> bool:
    """Whether the TOTP code fits (one step of clock drift either way); true without TOTP."""
    if counsellor.totp_secret is None:
        return True
    code = code.replace(" ", "")
    return code.isdigit() and pyotp.TOTP(counsellor.totp_secret).verify(code, valid_window=1)


def end_logins(sessions: sessionmaker, username: str, disable: bool = False, actor: str = "cli") -> bool:
    """End every inbox login of ``username`` on every device (the session generation moves on);
    ``disable`` also deactivates the account (no login, no claims or messages from its Telegram
    account) until ``counsellor-add`` sets a new password. Audited; ``False`` if there is no such
    account."""
    with sessions.begin() as session:
        counsellor = session.scalar(select(Counsellor).where(Counsellor.username == username))
        if counsellor is None:
            return False
        counsellor.session_generation += 1
        if disable:
            counsellor.active = False
        record_audit(session, actor, "counsellor_disabled" if disable else "logout_everywhere", None, username=username)
    return True
