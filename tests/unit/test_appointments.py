"""Appointments without a database: the answer buttons' data, the texts in every language, the
dates as people and counsellors read them, and the calendar file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bot.bidi import strip_marks
from bot.i18n import available_languages, gettext_for, translate
from bot.leads.appointment_texts import (
    ALREADY_ANSWERED,
    ANSWER_OTHER,
    ANSWER_YES,
    CALENDAR_DESCRIPTION,
    CALENDAR_LINK,
    CALENDAR_SUMMARY,
    CANCELLED,
    CONFIRMED,
    NO_LONGER_VALID,
    OTHER_TIME,
    REMINDER,
    answer_buttons,
    answer_data,
    calendar_file,
    calendar_uid,
    declined_text,
    german_when,
    parse_answer,
    said,
    when,
)
from bot.leads.models import Appointment, Lead, new_token
from bot.leads.relay import appointment_start

BERLIN = ZoneInfo("Europe/Berlin")
TEXTS = (
    ANSWER_YES,
    ANSWER_OTHER,
    CONFIRMED,
    CALENDAR_LINK,
    OTHER_TIME,
    REMINDER,
    CANCELLED,
    NO_LONGER_VALID,
    ALREADY_ANSWERED,
    CALENDAR_SUMMARY,
    CALENDAR_DESCRIPTION,
)


def _appointment(start: datetime, place: str = "Jobcenter Schwerin, Raum 2.14") -> Appointment:
    return Appointment(token=new_token(), starts_at=start, timezone="Europe/Berlin", place=place, status="confirmed")


def test_the_buttons_carry_an_unguessable_token_within_telegrams_64_bytes() -> None:
    token = new_token()
    assert len(token) >= 32 and token != new_token()
    for answer in ("yes", "other"):
        data = answer_data(token, answer)
        assert len(data.encode()) <= 64 and parse_answer(data) == (token, answer)


@pytest.mark.parametrize(
    "forged",
    [
        None,
        "",
        "appt:short:yes",
        "appt:" + "A" * 32 + ":maybe",
        "appt:" + "A" * 32 + ":yes:x",
        "appt:" + "A" * 30 + "/.:yes",
        "lead:claim:x",
        '/inform{"age": 5}',
    ],
)
def test_anything_else_is_no_answer(forged: str | None) -> None:
    assert parse_answer(forged) is None


@pytest.mark.parametrize("language", [code for code in available_languages() if code not in ("de", "de_simple")])
def test_every_appointment_text_is_translated(language: str) -> None:
    for msgid in TEXTS:
        assert gettext_for(language, msgid) != msgid, f"{msgid!r} is not translated into {language}"
    titles = [button.title for button in answer_buttons(new_token(), language)]
    assert titles == [translate(language, ANSWER_YES), translate(language, ANSWER_OTHER)] and len(set(titles)) == 2


def test_the_date_is_the_persons_and_the_hour_the_offices() -> None:
    appointment = _appointment(datetime(2027, 1, 12, 9, 30, tzinfo=UTC))  # 10:30 in Schwerin (winter)
    assert when(appointment, "uk") == {"date": "вівторок, 12 січня 2027\u202fр.", "time": "10:30"}
    assert when(appointment, "de")["date"] == "Dienstag, 12. Januar 2027"
    assert german_when(appointment) == "Di., 12.01.2027, 10:30 Uhr"
    summer = _appointment(datetime(2027, 7, 6, 8, 0, tzinfo=UTC))  # 10:00 in summer time
    assert german_when(summer) == "Di., 06.07.2027, 10:00 Uhr"
    reminder = strip_marks(said(REMINDER, summer, "ar"))
    assert "10:00" in reminder and "Jobcenter Schwerin" in reminder and "Juli" not in reminder


def test_the_counsellors_read_the_answer_in_german_with_the_persons_language() -> None:
    lead = Lead(first_name="Olena", language="uk")
    text = declined_text(lead, _appointment(datetime(2027, 1, 12, 9, 30, tzinfo=UTC)))
    assert text.startswith("📅 Olena (uk · Українська) möchte einen anderen Termin")
    assert "Di., 12.01.2027, 10:30 Uhr" in text and "Termin vorschlagen" in text


@pytest.mark.parametrize(
    ("start", "offset"), [(datetime(2027, 1, 12, 9, 30, tzinfo=UTC), 1), (datetime(2027, 7, 6, 8, 30, tzinfo=UTC), 2)]
)
def test_the_calendar_file_states_the_start_in_the_offices_zone_with_its_rules(start: datetime, offset: int) -> None:
    appointment = _appointment(start)
    calendar = Calendar.from_ical(calendar_file(appointment, "ar", "Anna", now=start - timedelta(days=3)))
    [event] = calendar.walk("VEVENT")
    local = event.decoded("dtstart")
    assert event["dtstart"].params["TZID"] == "Europe/Berlin" and local.utcoffset() == timedelta(hours=offset)
    assert local == start and local.astimezone(BERLIN).hour == start.hour + offset
    assert event.decoded("dtend") - local == timedelta(hours=1)
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Berlin"
    summary, description = str(event["summary"]), str(event["description"])
    assert summary == strip_marks(translate("ar", CALENDAR_SUMMARY)) and "\u200f" not in summary
    assert "Anna" in description and str(event["location"]) == "Jobcenter Schwerin, Raum 2.14"
    assert str(event["uid"]) == calendar_uid(appointment) and appointment.token not in calendar.to_ical().decode()


def test_a_proposal_starts_at_its_date_and_time_in_the_offices_zone() -> None:
    assert appointment_start(["12.01.2027", "10:30", "x"], "Europe/Berlin") == datetime(
        2027, 1, 12, 10, 30, tzinfo=BERLIN
    )
    assert appointment_start(["morgen", "10:30", "x"], "Europe/Berlin") is None
    assert appointment_start(["12.01.2027", "halb elf", "x"], "Europe/Berlin") is None
