"""Figures for the inbox's statistics page: how fast a human answers, and how leads end — per
route and per language. Counts and medians only; no row names a person.

**Time to first human contact** is the time from the lead being sent (``lead.created_at``) to the
first time a counsellor took it (``lead.claimed_at``): "Übernehmen" on the Telegram card, or the
status "übernommen", "kontaktiert" or "erledigt" in the inbox, whichever came first. That is the
moment the person is told that a human has their request (or, for a lead closed without being
taken first, the moment a human dealt with it). It is given in hours and in the office's working
hours (``bot.working_hours``); leads nobody has taken yet are counted as waiting, not in the
median.

A lead counts under its first (best) recommended route, or "noch offen" without one. The figures
cover the leads that are stored: nothing is kept for them beyond each lead's retention.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median

from sqlalchemy import select

from bot.database import utcnow
from bot.leads.models import OUTCOMES, Lead
from bot.leads.store import Sessions, sessions_or_default
from bot.working_hours import WorkingHours

NO_ROUTE = ""
"""The group of leads without a recommended route."""


@dataclass
class Figures:
    """The figures of one group of leads (a route, a language, or all)."""

    leads: int = 0
    waiting: int = 0
    """Not taken by anybody yet."""
    open: int = 0
    """Not closed (taken or not)."""
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    closed_without_outcome: int = 0
    hours_to_contact: list[float] = field(default_factory=list)
    working_hours_to_contact: list[float] = field(default_factory=list)

    @property
    def median_hours(self) -> float | None:
        """Median time to first human contact in hours (``None``: nobody taken yet)."""
        return median(self.hours_to_contact) if self.hours_to_contact else None

    @property
    def median_working_hours(self) -> float | None:
        """The same in the office's working hours."""
        return median(self.working_hours_to_contact) if self.working_hours_to_contact else None

    def add(self, status: str, outcome: str | None, taken_after: tuple[float, float] | None) -> None:
        self.leads += 1
        if taken_after is None:
            self.waiting += 1
        else:
            self.hours_to_contact.append(taken_after[0])
            self.working_hours_to_contact.append(taken_after[1])
        if status != "closed":
            self.open += 1
        elif outcome in self.outcomes:
            self.outcomes[outcome] += 1
        else:
            self.closed_without_outcome += 1


@dataclass
class LeadStats:
    """All leads sent since ``since`` (``None``: every stored lead), in total and by group."""

    since: datetime | None
    total: Figures = field(default_factory=Figures)
    by_route: dict[str, Figures] = field(default_factory=dict)
    by_language: dict[str, Figures] = field(default_factory=dict)


def _hours(span: timedelta) -> float:
    return span.total_seconds() / 3600


def lead_stats(sessions: Sessions | None, office: WorkingHours, days: int | None = None) -> LeadStats:
    """The figures of the leads sent in the last ``days`` days (``None``: all that are stored)."""
    since = utcnow() - timedelta(days=days) if days else None
    query = select(Lead.routes, Lead.language, Lead.status, Lead.outcome, Lead.created_at, Lead.claimed_at)
    if since is not None:
        query = query.where(Lead.created_at >= since)
    stats = LeadStats(since)
    with sessions_or_default(sessions)() as session:
        rows = session.execute(query.order_by(Lead.created_at)).all()
    for routes, language, status, outcome, created_at, claimed_at in rows:
        taken_after = None
        if claimed_at is not None:
            taken_after = (
                max(0.0, _hours(claimed_at - created_at)),
                _hours(office.working_time(created_at, claimed_at)),
            )
        route = routes[0] if routes else NO_ROUTE
        for figures in (
            stats.total,
            stats.by_route.setdefault(route, Figures()),
            stats.by_language.setdefault(language, Figures()),
        ):
            figures.add(status, outcome, taken_after)
    return stats
