"""Login throttling for the inbox: per account name and per client address, kept in the database
(``login_throttle``) so that it holds across restarts and several gateway processes.

After ``ACCOUNT_FAILURES`` failed logins for one account name (or ``ADDRESS_FAILURES`` from one
address — higher, because an office shares one address) within ``WINDOW``, further logins are
refused for ``FIRST_LOCKOUT``; every lockout in a row lasts twice as long as the one before, up to
``MAX_LOCKOUT``. The account name is the one typed, so an unknown name is throttled exactly like a
real one and the refusal does not tell which names exist. A successful login resets its account.

The rows hold what was typed as an account name and the client's address — personal data — so
they are kept no longer than they matter: the hourly retention run (``forget_stale``) deletes a
row once ``FORGIVE_AFTER`` has passed since its window and its last lockout; such a row would be
started afresh by the next failure anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, and_, delete, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.database import utcnow
from bot.leads.models import LoginThrottle

ACCOUNT_FAILURES = 5
ADDRESS_FAILURES = 20
WINDOW = timedelta(minutes=15)
FIRST_LOCKOUT = timedelta(minutes=1)
MAX_LOCKOUT = timedelta(minutes=60)
FORGIVE_AFTER = timedelta(hours=24)
"""A day after its last lockout ended, an account or address starts again at ``FIRST_LOCKOUT``."""
_KEY_LENGTH = 160


def account_key(username: str) -> str:
    """The throttle key of an account name as typed (case-folded: logins are not case-tricks)."""
    return f"account:{username.strip().casefold()}"[:_KEY_LENGTH]


def address_key(address: str | None) -> str:
    """The throttle key of a client address."""
    return f"address:{address or 'unknown'}"[:_KEY_LENGTH]


@dataclass(frozen=True)
class LoginThrottler:
    """Asks and records, for one inbox database, whether a login may be tried."""

    sessions: sessionmaker[Session]
    clock: Callable[[], datetime] = utcnow

    def locked(self, username: str, address: str | None) -> bool:
        """Whether the account name or the address is locked out now."""
        now = self.clock()
        with self.sessions() as db:
            for key in (account_key(username), address_key(address)):
                if is_locked(db.get(LoginThrottle, key), now):
                    return True
        return False

    def failed(self, username: str, address: str | None) -> None:
        """Count a failed login for the account name and for the address (locking out either)."""
        for key, limit in ((account_key(username), ACCOUNT_FAILURES), (address_key(address), ADDRESS_FAILURES)):
            try:
                self._count(key, limit)
            except IntegrityError:  # another process created the row at the same moment
                self._count(key, limit)

    def succeeded(self, username: str) -> None:
        """A successful login resets its account's counter and back-off."""
        with self.sessions.begin() as db:
            db.execute(delete(LoginThrottle).where(LoginThrottle.key == account_key(username)))

    def forget_stale(self) -> int:
        """Delete the rows that no longer count (quiet for ``FORGIVE_AFTER`` since their window
        and their last lockout); how many went. The retention run calls it."""
        cutoff = self.clock() - FORGIVE_AFTER
        stale = and_(
            LoginThrottle.window_started_at < cutoff,
            or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < cutoff),
        )
        with self.sessions.begin() as db:
            return cast(CursorResult[Any], db.execute(delete(LoginThrottle).where(stale))).rowcount or 0

    def _count(self, key: str, limit: int) -> None:
        now = self.clock()
        with self.sessions.begin() as db:
            row = db.get(LoginThrottle, key, with_for_update=True)
            if row is None:
                row = LoginThrottle(key=key, failures=0, window_started_at=now, lockouts=0)
                db.add(row)
            if row.locked_until is not None and now - row.locked_until > FORGIVE_AFTER:
                row.lockouts, row.locked_until = 0, None
            if now - row.window_started_at > WINDOW:
                row.failures, row.window_started_at = 0, now
            row.failures += 1
            if row.failures >= limit:
                row.locked_until = now + lockout(row.lockouts)
                row.lockouts += 1
                row.failures, row.window_started_at = 0, now


def lockout(earlier_lockouts: int) -> timedelta:
    """How long the next lockout lasts after this many lockouts in a row: 1, 2, 4 … min, capped."""
    return min(FIRST_LOCKOUT * 2 ** min(earlier_lockouts, 16), MAX_LOCKOUT)


def is_locked(row: LoginThrottle | None, now: datetime) -> bool:
    """Whether this throttle row is locked out at ``now``."""
    return row is not None and row.locked_until is not None and row.locked_until > now
