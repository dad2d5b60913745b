"""What ``make soak`` (``bench/soak.py``) counts, and its report.

Pure functions over what the simulated people saw and what the database and the fake Telegram hold,
so that the arithmetic can be tested without a soak (``tests/unit/test_soak.py``).

A turn's outcome, as the person in the web chat experiences it:

- ``ok``: an answer (HTTP 200 with at least one message);
- ``honest_error``: a 5xx *with* a message for the person ("technischer Fehler … noch einmal",
  "gerade nicht erreichbar") — the chat page shows it and sends again;
- ``broken``: a 5xx without a message; ``silent``: a 200 without any message;
- ``rate_limited``: 429 (the person typed faster than the limit); ``refused``: another 4xx;
- ``unreachable``: no HTTP answer at all (connection refused or reset, or no answer in time) — the
  chat page says it is offline and sends again.

Every outcome but ``ok`` is an error (the goal is none); honest ones are the expected kind while a
process restarts.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

OK = "ok"
HONEST = "honest_error"
BROKEN = "broken"
SILENT = "silent"
RATE_LIMITED = "rate_limited"
REFUSED = "refused"
UNREACHABLE = "unreachable"
OUTCOMES = (OK, HONEST, BROKEN, SILENT, RATE_LIMITED, REFUSED, UNREACHABLE)
DISHONEST = frozenset({BROKEN, SILENT})
"""Errors the person is not told about: never acceptable, restarts or not."""

_CARD = re.compile(r"\ANeue Anfrage .*?/inbox/leads/(?P<lead>[0-9a-f-]{36})", re.DOTALL)


def percentile(values: list[float], share: float) -> float:
    """The ``share`` percentile (0..1) of ``values`` (nearest rank), as ``bench/figures.py``."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def classify(status: int | None, body: Any) -> str:
    """The outcome of one ``POST /api/chat``: its HTTP status (``None``: no answer) and JSON body."""
    if status is None:
        return UNREACHABLE
    messages = body.get("messages") if isinstance(body, dict) else None
    told = isinstance(messages, list) and any(isinstance(m, dict) and m.get("text") for m in messages)
    if status == 429:
        return RATE_LIMITED
    if 200 <= status < 300:
        return OK if told else SILENT
    if status >= 500:
        return HONEST if told else BROKEN
    return REFUSED


@dataclass
class Tally:
    """Every turn's outcome and latency, and what became of the conversations."""

    latencies_ms: list[float] = field(default_factory=list)
    """Answered turns only (an unreachable gateway has no latency)."""
    latencies_by_kind: dict[str, list[float]] = field(default_factory=dict)
    """The same, by the kind of turn (``devtools.people.KINDS``)."""
    outcomes: Counter[str] = field(default_factory=Counter)
    started: Counter[str] = field(default_factory=Counter)
    """Conversations by scenario."""
    finished: Counter[str] = field(default_factory=Counter)
    abandoned: Counter[str] = field(default_factory=Counter)
    """The person gave up: no answer after minutes of retrying."""
    cut: int = 0
    """Still running when the soak ended (not counted as finished or abandoned)."""
    off_script: int = 0
    """A button the script wanted to press was not offered (it was sent anyway, as a person would
    type it)."""
    told_honestly: set[str] = field(default_factory=set)
    """Conversations that saw at least one honest error message."""
    unreachable: set[str] = field(default_factory=set)
    """Conversations whose message found no gateway at least once."""
    events: int = 0
    """Server-sent events the open chats received (none expected: nobody claims a lead)."""

    def record(self, sender: str, outcome: str, latency_ms: float | None, kind: str = "") -> None:
        """Count one turn of ``sender`` (of ``kind``)."""
        self.outcomes[outcome] += 1
        if latency_ms is not None:
            self.latencies_ms.append(latency_ms)
            self.latencies_by_kind.setdefault(kind, []).append(latency_ms)
        if outcome == HONEST:
            self.told_honestly.add(sender)
        elif outcome == UNREACHABLE:
            self.unreachable.add(sender)

    @property
    def turns(self) -> int:
        return sum(self.outcomes.values())

    @property
    def errors(self) -> int:
        return self.turns - self.outcomes[OK]

    @property
    def dishonest(self) -> int:
        return sum(self.outcomes[o] for o in DISHONEST)

    @property
    def conversations(self) -> int:
        return sum(self.started.values())


@dataclass(frozen=True)
class LeadCheck:
    """Leads as the people were told, against what is stored and what reached the counsellors."""

    confirmed: int
    """People told that their request is with the team (and not erased afterwards)."""
    stored: int
    """Of those, leads in the database."""
    lost: list[str]
    """Told, but not stored."""
    not_erased: list[str]
    """Told their data was deleted, yet a lead is stored."""
    doubled: list[str]
    """Lead ids with more than one card (outbox row or message to the counsellors' chat)."""
    unconfirmed: list[str]
    """Stored, though the person was never told (their last answer was lost, e.g. in a restart)."""

    @property
    def ok(self) -> bool:
        return not (self.lost or self.not_erased or self.doubled)


def reconcile(
    confirmed: set[str],
    erased: set[str],
    stored: dict[str, str],
    card_rows: Counter[str],
    cards_sent: Counter[str],
) -> LeadCheck:
    """Compare.

    Args:
        confirmed: conversations whose person saw the confirmation of their request.
        erased: conversations whose person was told their data is deleted (wins over confirmed).
        stored: conversation id → lead id, for the soak's conversations, as in the database.
        card_rows: lead id → outbox rows of kind ``lead_card``.
        cards_sent: lead id → "Neue Anfrage" messages that reached the counsellors' chat.
    """
    expected = confirmed - erased
    doubled = sorted({lead for counts in (card_rows, cards_sent) for lead, n in counts.items() if n > 1})
    return LeadCheck(
        confirmed=len(expected),
        stored=len(expected & stored.keys()),
        lost=sorted(expected - stored.keys()),
        not_erased=sorted(erased & stored.keys()),
        doubled=doubled,
        unconfirmed=sorted(stored.keys() - confirmed - erased),
    )


def lead_of_card(text: str) -> str | None:
    """The lead id of a lead card sent to the counsellors' chat (``bot/telegram/cards.py``), else ``None``."""
    found = _CARD.match(text)
    return found["lead"] if found else None


def growth_percent(start: float, end: float) -> float:
    """How much ``end`` is above ``start``, in percent (negative: it shrank)."""
    if start <= 0:
        return float("nan")
    return (end - start) / start * 100


def per_thousand(start: float, end: float, conversations: int) -> float:
    """Growth from ``start`` to ``end`` per 1,000 conversations."""
    if conversations <= 0:
        return float("nan")
    return (end - start) / conversations * 1000


@dataclass(frozen=True)
class Restart:
    """One process restarted during the soak."""

    process: str
    how: str
    at_seconds: float
    """Seconds into the soak."""
    down_seconds: float
    """Until it answered again."""


@dataclass
class SoakFigures:
    """Everything the report prints."""

    conversations_wanted: int
    minutes: float
    seconds: float
    tally: Tally
    rss_start_mb: dict[str, float]
    rss_end_mb: dict[str, float]
    rss_peak_mb: dict[str, float]
    cpu_seconds: dict[str, float]
    """CPU time each process used during the load (a restarted process: from its start, model loading included)."""
    database_start_bytes: int
    database_end_bytes: int
    backlog_end: int
    backlog_drained: int
    leads: LeadCheck
    restarts: list[Restart] = field(default_factory=list)
    cpus: int = 0
    load: tuple[float, float] = (float("nan"), float("nan"))
    """The machine's 1-minute load average when the load began and when it ended (other work included)."""


def report(figures: SoakFigures) -> list[str]:
    """The soak's figures as lines of text."""
    tally, leads = figures.tally, figures.leads
    conversations = tally.conversations
    rate = tally.turns / figures.seconds if figures.seconds else float("nan")
    lines = [
        f"Soak: {figures.conversations_wanted} simulated web chats at once for {figures.minutes:g} min"
        f" (ran {figures.seconds:.0f} s), PostgreSQL, {figures.cpus} CPUs, localhost;"
        f" load average {figures.load[0]:.1f} → {figures.load[1]:.1f}",
        f"  conversations      {conversations} started, {sum(tally.finished.values())} finished,"
        f" {sum(tally.abandoned.values())} abandoned, {tally.cut} cut off at the end",
        "  by scenario        "
        + ", ".join(
            f"{name} {tally.started[name]} ({tally.finished[name]} finished)" for name in sorted(tally.started)
        ),
        f"  turns              {tally.turns} ({rate:.1f}/s); off script (button not offered): {tally.off_script}",
        f"  errors             {tally.errors} (goal 0): "
        + ", ".join(f"{o} {tally.outcomes[o]}" for o in OUTCOMES if o != OK and tally.outcomes[o]),
        f"  latency            p50 {percentile(tally.latencies_ms, 0.5):.0f} ms, p95"
        f" {percentile(tally.latencies_ms, 0.95):.0f} ms, p99 {percentile(tally.latencies_ms, 0.99):.0f} ms"
        f" ({len(tally.latencies_ms)} answered turns)",
    ]
    for name in sorted(figures.rss_start_mb):
        start, end = figures.rss_start_mb[name], figures.rss_end_mb.get(name, float("nan"))
        peak = figures.rss_peak_mb.get(name, float("nan"))
        lines.append(
            f"  RSS {name:<15}{start:7.0f} MB after warm-up → {end:7.0f} MB at the end"
            f" ({growth_percent(start, end):+.1f} %), peak {peak:.0f} MB"
        )
    for name in sorted(figures.cpu_seconds):
        used = figures.cpu_seconds[name]
        lines.append(
            f"  CPU {name:<15}{used:7.0f} s: {used / tally.turns * 1000 if tally.turns else float('nan'):.0f} ms"
            f" per turn, {used / figures.seconds * 100 if figures.seconds else float('nan'):.0f} % of one core"
        )
    growth = per_thousand(figures.database_start_bytes, figures.database_end_bytes, conversations)
    lines += [
        f"  database           {figures.database_start_bytes / 1e6:.1f} → {figures.database_end_bytes / 1e6:.1f} MB:"
        f" {growth / 1e6:.1f} MB per 1,000 conversations",
        f"  outbox backlog     {figures.backlog_end} pending at the end, {figures.backlog_drained} after the drain",
        f"  leads              {leads.stored} stored of {leads.confirmed} confirmed to the person;"
        f" lost {len(leads.lost)}, doubled {len(leads.doubled)}, not erased {len(leads.not_erased)},"
        f" stored without confirmation {len(leads.unconfirmed)} → {'ok' if leads.ok else 'NOT ok'}",
        f"  server-sent events {tally.events} received by the open chats",
    ]
    for restart in figures.restarts:
        lines.append(
            f"  restart            {restart.process} ({restart.how}) at {restart.at_seconds:.0f} s:"
            f" answering again after {restart.down_seconds:.0f} s"
        )
    if figures.restarts:
        lines.append(
            f"  honest errors      {len(tally.told_honestly)} conversations got an honest error message,"
            f" {len(tally.unreachable)} found no gateway for a moment (the page says it is offline and resends);"
            f" dishonest answers: {tally.dishonest}"
        )
    return lines
