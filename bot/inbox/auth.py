"""Inbox logins: a signed, HttpOnly, SameSite=Strict cookie carrying the counsellor id, a CSRF
token, when the login happened, when the counsellor was last seen and the counsellor's session
generation; every form post must send the token back.

A login ends ``ABSOLUTE_SECONDS`` after it began, or ``IDLE_SECONDS`` after the last request (the
cookie is signed again with the new "last seen" at most every ``REFRESH_AFTER_SECONDS``), or when
the counsellor logs out everywhere (the generation in the database moves on). Every login makes a
new cookie value (new CSRF token, new time).
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from itsdangerous import BadSignature, URLSafeSerializer

from bot.settings import Settings

COOKIE = "lotse_inbox"
ABSOLUTE_SECONDS = 12 * 3600
IDLE_SECONDS = 60 * 60
REFRESH_AFTER_SECONDS = 60
_CLOCK_SKEW_SECONDS = 60


@dataclass(frozen=True)
class InboxLogin:
    """Who is logged in, the token their forms must carry, and the login's times (Unix seconds)."""

    counsellor_id: int
    csrf: str
    issued_at: int
    seen_at: int
    generation: int = 0


def secret_key(settings: Settings) -> str:
    """``LOTSE_SECRET_KEY``, or a random key kept in ``var/secret_key`` for the demo."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    path: Path = settings.var_dir / "secret_key"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


class InboxCookies:
    """Make, refresh and read the inbox's login cookies (``clock``: Unix seconds, for tests)."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        self._serializer = URLSafeSerializer(secret_key(settings), salt="lotse-inbox-session")
        secure = settings.cookie_secure
        self.secure = settings.public_url.startswith("https://") if secure is None else secure
        self.clock = clock

    def new(self, counsellor_id: int, generation: int) -> tuple[InboxLogin, str]:
        """A new login (new CSRF token, new times) and its cookie value."""
        now = int(self.clock())
        login = InboxLogin(counsellor_id, secrets.token_urlsafe(24), now, now, generation)
        return login, self.dump(login)

    def dump(self, login: InboxLogin) -> str:
        """The signed cookie value of a login."""
        data = {"c": login.counsellor_id, "t": login.csrf, "i": login.issued_at, "s": login.seen_at}
        return self._serializer.dumps(data | {"g": login.generation})

    def refreshed(self, login: InboxLogin) -> tuple[InboxLogin, str] | None:
        """The login seen now and its cookie, if the cookie is old enough to be worth signing again."""
        now = int(self.clock())
        if now - login.seen_at < REFRESH_AFTER_SECONDS:
            return None
        seen = replace(login, seen_at=now)
        return seen, self.dump(seen)

    def max_age(self, login: InboxLogin) -> int:
        """Seconds the browser should keep the cookie: until the login's absolute end."""
        return max(0, login.issued_at + ABSOLUTE_SECONDS - int(self.clock()))

    def read(self, cookie: str | None) -> InboxLogin | None:
        """The login in a cookie, or ``None`` if it is missing, forged, or expired."""
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("t"), str):
            return None
        numbers = [data.get(key) for key in ("c", "i", "s", "g")]
        if not all(isinstance(number, int) and not isinstance(number, bool) for number in numbers):
            return None
        login = InboxLogin(data["c"], data["t"], data["i"], data["s"], data["g"])
        now = self.clock()
        if now - login.issued_at > ABSOLUTE_SECONDS or now - login.seen_at > IDLE_SECONDS:
            return None
        if login.seen_at > now + _CLOCK_SKEW_SECONDS or login.seen_at < login.issued_at:
            return None
        return login


def csrf_ok(login: InboxLogin, sent: str | None) -> bool:
    """Whether a form carried this login's CSRF token (constant-time comparison; as bytes, since
    ``compare_digest`` raises on a str with non-ASCII letters — a forged form's 500)."""
    return bool(sent) and hmac.compare_digest(login.csrf.encode(), (sent or "").encode())
