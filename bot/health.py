"""What ``/healthz`` checks: the database, the engine, the action server, the Telegram
delivery backlog and Redis (when configured), concurrently and each with a short timeout.

Each check answers ``ok`` or a short reason (``unavailable``, ``timeout``, ``backlog`` …); the
answer carries no personal data, only states and counts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.database import utcnow
from bot.engine import Engine
from bot.leads.models import OutboxMessage
from bot.leads.outbox import Recipient, kinds_for
from bot.settings import Settings

OK = "ok"


@dataclass
class CheckResult:
    """One dependency's state: ``ok`` or why not, with counts where they help."""

    status: str
    details: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status, **self.details}


def _database(sessions: sessionmaker[Session]) -> CheckResult:
    try:
        with sessions() as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        return CheckResult(f"unavailable: {type(error).__name__}")
    return CheckResult(OK)


def _outbox(sessions: sessionmaker[Session], settings: Settings) -> CheckResult:
    """Messages the notifier should have delivered to Telegram long ago (``pending`` and older
    than ``LOTSE_HEALTH_OUTBOX_MINUTES``); ``off`` without Telegram (nobody delivers them)."""
    if settings.telegram_token is None:
        return CheckResult("off")
    cutoff = utcnow() - timedelta(minutes=settings.health_outbox_minutes)
    query = select(func.count()).where(
        OutboxMessage.status == "pending",
        OutboxMessage.kind.in_(kinds_for(Recipient.COUNSELLORS, Recipient.PERSON_TELEGRAM)),
        OutboxMessage.created_at < cutoff,
    )
    try:
        with sessions() as session:
            overdue = int(session.scalar(query) or 0)
    except SQLAlchemyError as error:
        return CheckResult(f"unavailable: {type(error).__name__}")
    return CheckResult(OK if overdue == 0 else "backlog", {"overdue": overdue})


async def _actions(settings: Settings, timeout: float) -> CheckResult:
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            response = await client.get(f"http://127.0.0.1:{settings.actions_port}/health")
    except httpx.HTTPError:
        return CheckResult("unavailable")
    return CheckResult(OK if response.status_code == 200 else f"http_{response.status_code}")


async def _redis(settings: Settings, timeout: float) -> CheckResult:
    """``off`` without ``LOTSE_REDIS_URL``. Shown, but no reason to take this gateway out of the
    load balancer: without Redis it keeps its state in memory (``DEGRADED_ONLY``)."""
    if not settings.redis_url:
        return CheckResult("off")
    from redis.asyncio import Redis
    from redis.exceptions import RedisError

    client = Redis.from_url(settings.redis_url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        await client.ping()  # type: ignore[misc]
    except RedisError as error:
        return CheckResult(f"unavailable: {type(error).__name__}")
    finally:
        await client.aclose()
    return CheckResult(OK)


async def _engine(engine: Engine, timeout: float) -> CheckResult:
    return CheckResult(await engine.health(timeout))


async def _bounded(check: Awaitable[CheckResult], timeout: float) -> CheckResult:
    try:
        return await asyncio.wait_for(check, timeout)
    except TimeoutError:
        return CheckResult("timeout")


async def check_all(settings: Settings, sessions: sessionmaker[Session], engine: Engine) -> dict[str, CheckResult]:
    """Every check at once; none takes longer than ``LOTSE_HEALTH_TIMEOUT_SECONDS`` (plus a little)."""
    timeout = settings.health_timeout_seconds
    checks = {
        "database": asyncio.to_thread(_database, sessions),
        "engine": _engine(engine, timeout),
        "actions": _actions(settings, timeout),
        "telegram_outbox": asyncio.to_thread(_outbox, sessions, settings),
        "redis": _redis(settings, timeout),
    }
    results = await asyncio.gather(*(_bounded(check, timeout + 0.5) for check in checks.values()))
    return dict(zip(checks, results, strict=True))


DEGRADED_ONLY = frozenset({"redis"})
"""Checks whose failure is reported but leaves the gateway serving (it falls back to memory)."""


def healthy(results: dict[str, CheckResult]) -> bool:
    """All checks ok (a switched-off one counts as ok), except those that only degrade."""
    return all(result.status in (OK, "off") for name, result in results.items() if name not in DEGRADED_ONLY)
