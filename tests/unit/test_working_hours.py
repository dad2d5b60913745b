"""Working-hours arithmetic of the advice office: weekends, Mecklenburg-Vorpommern's public
holidays, the time outside opening hours, and the clock changes in March and October."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from bot.i18n import LANGUAGES
from bot.settings import Settings
from bot.working_hours import WorkingHours

BERLIN = ZoneInfo("Europe/Berlin")


def local(*parts: int) -> datetime:
    """A moment in Schwerin's local time."""
    return datetime(*parts, tzinfo=BERLIN)  # type: ignore[misc]


@pytest.fixture
def office() -> WorkingHours:
    """The defaults: Monday to Friday, 08:00–16:00 Europe/Berlin, MV's public holidays."""
    return WorkingHours.from_settings(Settings())


def test_the_defaults_are_weekdays_eight_to_four_in_berlin_with_mv_holidays(office: WorkingHours) -> None:
    assert office.days == frozenset(range(5))
    assert (office.opens, office.closes, office.zone.key, office.holiday_region) == (
        time(8),
        time(16),
        "Europe/Berlin",
        "DE-MV",
    )


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        (local(2026, 12, 7, 8, 0), True),  # Monday, the minute it opens
        (local(2026, 12, 7, 15, 59), True),
        (local(2026, 12, 7, 16, 0), False),  # closed at 16:00 sharp
        (local(2026, 12, 7, 7, 59), False),
        (local(2026, 12, 5, 10, 0), False),  # Saturday
        (local(2026, 12, 6, 10, 0), False),  # Sunday
        (local(2027, 3, 8, 10, 0), False),  # Frauentag: a holiday in MV only (a Monday in 2027)
        (local(2025, 10, 31, 10, 0), False),  # Reformationstag (a Friday)
        (local(2026, 4, 3, 10, 0), False),  # Good Friday
        (local(2026, 12, 24, 10, 0), True),  # Christmas Eve is a working day
        (local(2026, 12, 25, 10, 0), False),
        (local(2026, 11, 18, 10, 0), True),  # Buß- und Bettag: a holiday in Saxony, not in MV
    ],
)
def test_open_or_closed(office: WorkingHours, moment: datetime, open_: bool) -> None:
    assert office.is_open(moment) is open_


def test_naive_database_times_are_read_as_utc(office: WorkingHours) -> None:
    assert office.is_open(datetime(2026, 12, 7, 7, 30))  # 08:30 in Berlin
    assert not office.is_open(datetime(2026, 12, 7, 6, 30))


def test_the_next_opening_skips_evenings_weekends_and_holidays(office: WorkingHours) -> None:
    assert office.next_opening(local(2026, 12, 7, 10, 0)) == local(2026, 12, 7, 10, 0)  # open: now
    assert office.next_opening(local(2026, 12, 7, 17, 0)) == local(2026, 12, 8, 8, 0)
    assert office.next_opening(local(2026, 12, 4, 16, 30)) == local(2026, 12, 7, 8, 0)  # Friday evening
    assert office.next_opening(local(2026, 12, 24, 17, 0)) == local(2026, 12, 28, 8, 0)  # Christmas
    assert office.next_opening(local(2027, 3, 5, 18, 0)) == local(2027, 3, 9, 8, 0)  # weekend + Frauentag
    assert office.next_opening(local(2026, 4, 2, 16, 0)) == local(2026, 4, 7, 8, 0)  # Easter


def test_working_time_counts_only_opening_hours(office: WorkingHours) -> None:
    assert office.working_time(local(2026, 12, 7, 9, 0), local(2026, 12, 7, 11, 30)) == timedelta(hours=2.5)
    assert office.working_time(local(2026, 12, 7, 6, 0), local(2026, 12, 7, 20, 0)) == timedelta(hours=8)
    # Friday 15:00 → Monday 10:00: one hour on Friday, two on Monday; the weekend counts nothing
    assert office.working_time(local(2026, 12, 4, 15, 0), local(2026, 12, 7, 10, 0)) == timedelta(hours=3)
    # sent on Saturday, looked at on Sunday: nobody was there
    assert office.working_time(local(2026, 12, 5, 9, 0), local(2026, 12, 6, 15, 0)) == timedelta()
    # a week over Christmas: 24 Dec, 28–31 Dec (25 and 26 are holidays, 27 a Sunday)
    assert office.working_time(local(2026, 12, 24, 0, 0), local(2027, 1, 1, 0, 0)) == timedelta(hours=8 * 5)
    assert office.working_time(local(2026, 12, 7, 11, 0), local(2026, 12, 7, 9, 0)) == timedelta()


def test_adding_working_time_is_the_inverse(office: WorkingHours) -> None:
    assert office.after_working_time(local(2026, 12, 4, 15, 0), timedelta(hours=4)) == local(2026, 12, 7, 11, 0)
    assert office.after_working_time(local(2026, 12, 5, 23, 0), timedelta(hours=8)) == local(2026, 12, 7, 16, 0)
    start = local(2027, 3, 5, 14, 0)
    deadline = office.after_working_time(start, timedelta(hours=4))
    assert deadline == local(2027, 3, 9, 10, 0)  # Friday 2 h, Monday is Frauentag, Tuesday 2 h
    assert office.working_time(start, deadline) == timedelta(hours=4)


def test_the_clock_change_moves_no_working_hour(office: WorkingHours) -> None:
    # 29 March 2026 and 25 October 2026: the clocks change on these Sundays
    assert office.working_time(local(2026, 3, 27, 15, 0), local(2026, 3, 30, 9, 0)) == timedelta(hours=2)
    assert office.working_time(local(2026, 10, 23, 15, 0), local(2026, 10, 26, 9, 0)) == timedelta(hours=2)
    assert office.next_opening(local(2026, 3, 27, 17, 0)) == local(2026, 3, 30, 8, 0)
    assert office.next_opening(local(2026, 3, 27, 17, 0)).astimezone(UTC).hour == 6  # summer time: UTC+2
    assert office.next_opening(local(2026, 3, 20, 17, 0)).astimezone(UTC).hour == 7  # winter time: UTC+1


def test_a_night_shift_on_the_day_the_clocks_change_has_its_real_length() -> None:
    sundays = WorkingHours(frozenset({6}), time(1), time(5), BERLIN)
    # 01:00–05:00 on 29 March 2026 is three real hours (02:00–03:00 does not exist) …
    assert sundays.working_time(local(2026, 3, 29, 0), local(2026, 3, 30, 0)) == timedelta(hours=3)
    # … and five on 25 October 2026 (02:00–03:00 happens twice)
    assert sundays.working_time(local(2026, 10, 25, 0), local(2026, 10, 26, 0)) == timedelta(hours=5)


def test_without_a_holiday_region_holidays_are_working_days() -> None:
    office = WorkingHours.from_settings(Settings(office_holidays=""))
    assert office.is_open(local(2026, 12, 25, 10, 0))


def test_settings_refuse_what_cannot_be_an_office() -> None:
    for bad in (
        {"office_days": "mo di"},
        {"office_days": ""},
        {"office_opens": "17:00"},
        {"office_timezone": "Europe/Schwerin"},
        {"office_holidays": "DE-XX"},
        {"remind_after_working_hours": 0},
    ):
        with pytest.raises(ValidationError):
            Settings(**bad)
    assert Settings(office_days="Fri, mon tue").office_days == "mon tue fri"


def test_the_office_hours_are_written_as_each_language_writes_them(office: WorkingHours) -> None:
    assert office.describe("de") == "Mo.–Fr. 08:00–16:00 Uhr"
    assert office.describe("de_simple") == office.describe("de")
    assert office.describe("en") == "Mon–Fri 08:00\u2009–\u200916:00"  # thin spaces, as CLDR has it
    assert office.describe("ar").startswith("الاثنين–الجمعة")
    for language in LANGUAGES:
        assert "16" in office.describe(language), language
    split = WorkingHours(frozenset({0, 1, 3}), time(9), time(12), BERLIN)
    assert split.describe("de") == "Mo.–Di., Do. 09:00–12:00 Uhr"


def test_the_next_opening_is_written_in_the_persons_language(office: WorkingHours) -> None:
    friday_evening = local(2026, 12, 4, 18, 0)
    assert office.describe_opening(friday_evening, "de") == "Mo., 7. Dezember, 08:00"
    assert "December 7" in office.describe_opening(friday_evening, "en")
    assert "грудня" in office.describe_opening(friday_evening, "uk")
