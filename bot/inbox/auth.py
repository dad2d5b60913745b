"""Inbox logins: a signed, HttpOnly, SameSite=Strict cookie carrying the counsellor id and a
CSRF token; every form post must send that token back.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer

from bot.settings import Settings

COOKIE = "lotse_inbox"
MAX_AGE_SECONDS = 8 * 3600


@dataclass(frozen=True)
class InboxLogin:
    """Who is logged in, and the token their forms must carry."""

    counsellor_id: int
    csrf: str


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
    """Make and read the inbox's login cookies."""

    def __init__(self, settings: Settings) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key(settings), salt="lotse-inbox")
        secure = settings.cookie_secure
        self.secure = settings.public_url.startswith("https://") if secure is None else secure

    def new(self, counsellor_id: int) -> tuple[InboxLogin, str]:
        login = InboxLogin(counsellor_id, secrets.token_urlsafe(24))
        return login, self._serializer.dumps({"c": counsellor_id, "t": login.csrf})

    def read(self, cookie: str | None) -> InboxLogin | None:
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=MAX_AGE_SECONDS)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("c"), int) or not isinstance(data.get("t"), str):
            return None
        return InboxLogin(data["c"], data["t"])


def csrf_ok(login: InboxLogin, sent: str | None) -> bool:
    """Whether a form carried this login's CSRF token (constant-time comparison; as bytes, since
    ``compare_digest`` raises on a str with non-ASCII letters — a forged form's 500)."""
    return bool(sent) and hmac.compare_digest(login.csrf.encode(), (sent or "").encode())
