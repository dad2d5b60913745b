"""The numbers an operator watches, in Prometheus' text format (``/metrics``).

Two kinds: what the gateway counts as it goes (turns and their latency by channel and language,
language suggestions), and what is read when Prometheus scrapes (leads by route and language,
the Telegram outbox, the engine's availability). Labels are channels, languages, routes,
recipients and outcomes only — never a conversation id, a name or a message.
"""

from __future__ import annotations

import json
import re
from collections import Counter as Tally

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.gc_collector import GCCollector
from prometheus_client.process_collector import ProcessCollector
from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.database import utcnow
from bot.i18n import LANGUAGES
from bot.leads.models import Lead, OutboxMessage
from bot.leads.outbox import KINDS

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
REGISTRY = CollectorRegistry()
"""Lotse's own registry (the process's memory and CPU included), not the library's global one."""
ProcessCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

TURNS = Counter(
    "lotse_turns",
    "Messages that went to the engine, by channel, language and outcome (ok, engine_down, no_answer).",
    ["channel", "language", "outcome"],
    registry=REGISTRY,
)
TURN_SECONDS = Histogram(
    "lotse_turn_seconds",
    "Time from a message to Lotse's answer (engine included), by channel and language.",
    ["channel", "language"],
    buckets=(0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 20.0, 30.0),
    registry=REGISTRY,
)
LANGUAGE_SUGGESTIONS = Counter(
    "lotse_language_suggestions",
    "Times the gateway asked whether to continue in the language a message was written in.",
    ["channel", "language"],
    registry=REGISTRY,
)
LEADS = Gauge("lotse_leads", "Stored leads by route and language.", ["route", "language"], registry=REGISTRY)
OUTBOX_PENDING = Gauge(
    "lotse_outbox_pending", "Outbox messages not yet delivered, by recipient.", ["recipient"], registry=REGISTRY
)
OUTBOX_OLDEST = Gauge(
    "lotse_outbox_oldest_pending_seconds",
    "Age of the oldest undelivered outbox message, by recipient (0: none).",
    ["recipient"],
    registry=REGISTRY,
)
OUTBOX_FAILED = Gauge(
    "lotse_outbox_failed",
    "Outbox messages given up after permanent refusals (delivery failures), by recipient.",
    ["recipient"],
    registry=REGISTRY,
)
ENGINE_UP = Gauge(
    "lotse_engine_up", "1 when the engine answered with a model loaded at the last scrape.", registry=REGISTRY
)
DATABASE_UP = Gauge(
    "lotse_database_up",
    "1 when the database answered at the last scrape (else the lead gauges are stale).",
    registry=REGISTRY,
)

_ROUTE = re.compile(r"[a-z0-9_]{1,40}")
_CHANNELS = {"web", "telegram"}


def _language(code: str | None) -> str:
    return code if code in LANGUAGES else "other"


def _channel(channel: str) -> str:
    return channel if channel in _CHANNELS else "other"


def observe_turn(channel: str, language: str, seconds: float, outcome: str) -> None:
    """One message went through the engine (``bot.conversation``)."""
    TURNS.labels(_channel(channel), _language(language), outcome).inc()
    TURN_SECONDS.labels(_channel(channel), _language(language)).observe(seconds)


def observe_language_suggestion(channel: str, language: str) -> None:
    """The gateway asked "shall we continue in <language>?"."""
    LANGUAGE_SUGGESTIONS.labels(_channel(channel), _language(language)).inc()


def _read_leads(session: Session) -> None:
    rows = session.execute(
        select(Lead.language, cast(Lead.routes, String), func.count()).group_by(
            Lead.language, cast(Lead.routes, String)
        )
    )
    tally: Tally[tuple[str, str]] = Tally()
    for language, routes_json, count in rows:
        routes = json.loads(routes_json) if routes_json else []
        for route in routes or ["none"]:
            route = route if isinstance(route, str) and _ROUTE.fullmatch(route) else "other"
            tally[(route, _language(language))] += int(count)
    LEADS.clear()
    for (route, language), count in tally.items():
        LEADS.labels(route, language).set(count)


def _read_outbox(session: Session) -> None:
    rows = session.execute(
        select(OutboxMessage.kind, OutboxMessage.status, func.count(), func.min(OutboxMessage.created_at))
        .where(OutboxMessage.status.in_(("pending", "failed")))
        .group_by(OutboxMessage.kind, OutboxMessage.status)
    )
    now = utcnow()
    recipients = {kind.recipient.value for kind in KINDS.values()}
    pending = dict.fromkeys(recipients, 0)
    failed = dict.fromkeys(recipients, 0)
    oldest_age = dict.fromkeys(recipients, 0.0)
    for kind, status, count, oldest in rows:
        recipient = KINDS[kind].recipient.value if kind in KINDS else "other"
        if status == "failed":
            failed[recipient] = failed.get(recipient, 0) + count
            continue
        pending[recipient] = pending.get(recipient, 0) + count
        if oldest is not None:
            age = max(0.0, (now - oldest).total_seconds())
            oldest_age[recipient] = max(age, oldest_age.get(recipient, 0.0))
    for gauge, values in ((OUTBOX_PENDING, pending), (OUTBOX_FAILED, failed), (OUTBOX_OLDEST, oldest_age)):
        gauge.clear()
        for recipient, value in values.items():
            gauge.labels(recipient).set(value)


def read_database(sessions: sessionmaker[Session]) -> None:
    """Refresh the gauges read from the database (at scrape time, in a worker thread)."""
    with sessions() as session:
        _read_leads(session)
        _read_outbox(session)


def exposition(engine_ok: bool, database_ok: bool) -> bytes:
    """The text Prometheus scrapes."""
    ENGINE_UP.set(1 if engine_ok else 0)
    DATABASE_UP.set(1 if database_ok else 0)
    return generate_latest(REGISTRY)
