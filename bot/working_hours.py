"""The advice office's working hours: when a person can expect a human, and how long a lead has
waited in the time that counts (working time: the office's days and hours, without Mecklenburg-
Vorpommern's public holidays).

Everything is computed in the office's time zone (``LOTSE_OFFICE_TIMEZONE``) and works on
timezone-aware datetimes, so the clock change in March and October moves no working hour: a day
from 08:00 to 16:00 is eight working hours on the day the clocks change too. Public holidays come
from the ``holidays`` library (``LOTSE_OFFICE_HOLIDAYS``, e.g. ``DE-MV``: Frauentag on 8 March and
Reformationstag on 31 October included).

Texts for the person (the office hours, the next opening) are formatted with Babel in the
person's language; the sentences around them are in the catalogs (``actions/handoff/contact.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import holidays
from babel.dates import format_interval, format_skeleton, get_day_names
from babel.lists import format_list

from bot.i18n import babel_locale
from bot.settings import WEEKDAYS, Settings

_LOOKAHEAD_DAYS = 400
"""How far :meth:`WorkingHours.next_opening` looks (a year of holidays and some)."""


@dataclass(frozen=True)
class WorkingHours:
    """The office is open on ``days`` (0 = Monday) from ``opens`` to ``closes`` local time,
    except on public holidays of ``holiday_region`` (``DE-MV``; empty: none)."""

    days: frozenset[int]
    opens: time
    closes: time
    zone: ZoneInfo
    holiday_region: str = ""

    def __post_init__(self) -> None:
        if not self.opens < self.closes:
            raise ValueError("the office must open before it closes")
        if not self.days:
            raise ValueError("the office needs at least one working day")

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkingHours:
        """The working hours of the ``LOTSE_OFFICE_*`` settings."""
        return cls(
            days=frozenset(WEEKDAYS.index(day) for day in settings.office_days.split()),
            opens=settings.office_opens,
            closes=settings.office_closes,
            zone=ZoneInfo(settings.office_timezone),
            holiday_region=settings.office_holidays,
        )

    @cached_property
    def _holidays(self) -> holidays.HolidayBase | None:
        if not self.holiday_region:
            return None
        country, _, subdivision = self.holiday_region.partition("-")
        return holidays.country_holidays(country, subdiv=subdivision or None)

    def is_working_day(self, day: date) -> bool:
        """A day of the week the office works, and no public holiday."""
        return day.weekday() in self.days and not (self._holidays is not None and day in self._holidays)

    def _span(self, day: date) -> tuple[datetime, datetime]:
        """Opening and closing of ``day`` as UTC instants."""
        return (
            datetime.combine(day, self.opens, self.zone).astimezone(UTC),
            datetime.combine(day, self.closes, self.zone).astimezone(UTC),
        )

    def _spans_from(self, at: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The opening hours that end after ``at``, in order (at most a year ahead)."""
        day = _aware(at).astimezone(self.zone).date()
        for offset in range(_LOOKAHEAD_DAYS):
            current = day + timedelta(days=offset)
            if self.is_working_day(current):
                opens, closes = self._span(current)
                if closes > at:
                    yield opens, closes

    def is_open(self, at: datetime) -> bool:
        """Whether ``at`` lies in the office's working hours."""
        at = _aware(at)
        local = at.astimezone(self.zone).date()
        if not self.is_working_day(local):
            return False
        opens, closes = self._span(local)
        return opens <= at < closes

    def next_opening(self, at: datetime) -> datetime:
        """When a person is next attended to: ``at`` if the office is open then, else its next
        opening (UTC)."""
        at = _aware(at)
        for opens, _closes in self._spans_from(at):
            return max(opens, at)
        raise ValueError("no working day within a year")

    def working_time(self, start: datetime, end: datetime) -> timedelta:
        """How much of ``start`` … ``end`` lies in working hours (zero if ``end`` is earlier)."""
        start, end = _aware(start), _aware(end)
        total = timedelta()
        if end <= start:
            return total
        for opens, closes in self._spans_from(start):
            if opens >= end:
                break
            total += min(closes, end) - max(opens, start)
        return total

    def after_working_time(self, start: datetime, duration: timedelta) -> datetime:
        """The moment when ``duration`` of working time has passed since ``start`` (UTC)."""
        start = _aware(start)
        left = duration
        for opens, closes in self._spans_from(start):
            begin = max(opens, start)
            if begin + left <= closes:
                return begin + left
            left -= closes - begin
        raise ValueError("not within a year of working days")

    # --- for the person, in their language ----------------------------------------------------

    def describe(self, language: str) -> str:
        """The office hours as the person's language writes them: "Mo.–Fr., 08:00–16:00 Uhr"."""
        locale = babel_locale(language)
        names = get_day_names("abbreviated", locale=locale)
        groups: list[list[int]] = []
        for day in sorted(self.days):
            if groups and groups[-1][-1] == day - 1:
                groups[-1].append(day)
            else:
                groups.append([day])
        days = format_list(
            [names[g[0]] if len(g) == 1 else f"{names[g[0]]}–{names[g[-1]]}" for g in groups],
            style="unit-short",
            locale=locale,
        )
        hours = format_interval(self.opens, self.closes, "Hm", locale=locale)
        return f"{days} {hours}"

    def describe_opening(self, at: datetime, language: str) -> str:
        """The next opening after ``at`` in the office's time, as the person's language writes it:
        "Montag, 28. Dezember, 08:00"."""
        local = self.next_opening(at).astimezone(self.zone)
        locale = babel_locale(language)
        return f"{format_skeleton('MMMMEEEEd', local, locale=locale)}, {format_skeleton('Hm', local, locale=locale)}"


def _aware(at: datetime) -> datetime:
    """``at`` with a time zone; a naive value is UTC (as the database hands them back on SQLite)."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
