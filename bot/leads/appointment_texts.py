"""What the person reads about an appointment (in their language), what the counsellors read
(German), the answer buttons' data, and the calendar file (.ics) of a confirmed appointment.

No database here: the services are ``bot.leads.appointments``; the outbox, the notifier and the
web chat render their messages with these functions.

An appointment's time is shown in the office's time zone it was proposed in (``timezone``), the
date in the person's language ("вівторок, 12 січня 2027 р."), like the ready-made replies. The
calendar file states the start with that zone (``DTSTART;TZID=Europe/Berlin``, with its
``VTIMEZONE``), so a phone in another zone shows the right hour too.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.bidi import strip_marks
from bot.database import utcnow
from bot.i18n import LANGUAGES, N_, babel_locale, translate
from bot.leads.models import Appointment, Lead

# TRANSLATORS: a button under an appointment a counsellor proposed: the person can come. Short, in
# the person's own voice ("Suits me"); the privacy notice quotes it.
ANSWER_YES = N_("Passt")
"""The person's button under a proposed appointment: it suits them."""
# TRANSLATORS: the other button: the person needs another appointment. Short; the notice quotes it.
ANSWER_OTHER = N_("Anderer Termin")
"""The person's button under a proposed appointment: they need another one."""
CONFIRMED = N_(
    "Dein Termin steht: {date} um {time} Uhr, {place}. Mit der Kalenderdatei kannst du ihn in deinen "
    "Kalender übernehmen. Am Tag vorher erinnern wir dich."
)
"""The answer to "Passt" (Telegram: the calendar file's caption; web chat: above its download link)."""
# TRANSLATORS: a download link in the web chat: the calendar file of the appointment. Keep "(.ics)".
CALENDAR_LINK = N_("Termin in meinen Kalender (.ics)")
"""The web chat's download link of the calendar file."""
OTHER_TIME = N_("Alles klar. Die Beratung schlägt dir einen anderen Termin vor.")
"""The answer to "Anderer Termin"."""
REMINDER = N_("Erinnerung an deinen Termin: {date} um {time} Uhr, {place}.")
"""The day before a confirmed appointment."""
CANCELLED = N_("Der Termin am {date} um {time} Uhr fällt leider aus. Die Beratung meldet sich bei dir.")
"""A counsellor called the appointment off."""
NO_LONGER_VALID = N_("Dieser Terminvorschlag gilt nicht mehr.")
"""A press on a proposal that was called off, has passed, or is not this person's."""
ALREADY_ANSWERED = N_("Du hast auf diesen Terminvorschlag schon geantwortet.")
# TRANSLATORS: the title of the entry in the person's calendar app.
CALENDAR_SUMMARY = N_("Beratungstermin (Lotse)")
"""The calendar entry's title."""
CALENDAR_DESCRIPTION = N_("Termin mit {name} vom Beratungsteam, vereinbart über Lotse.")

DURATION = timedelta(hours=1)
"""How long the calendar entry lasts (the proposal names only the start)."""
CALENDAR_FILENAME = "lotse-termin.ics"
ANSWERS = ("yes", "other")
"""The two answers to a proposal, as the buttons carry them."""
ANSWER_PREFIX = "appt:"
_ANSWER_DATA = re.compile(r"appt:(?P<token>[A-Za-z0-9_-]{16,64}):(?P<answer>yes|other)")


# --- the answer buttons ------------------------------------------------------------------------


def answer_data(token: str, answer: str) -> str:
    """``appt:<token>:yes|other``: a button's callback data (Telegram) or payload (web chat);
    at most 76 bytes for a token of 64 (ours have 32: 43 bytes, within Telegram's 64)."""
    if answer not in ANSWERS:
        raise ValueError(f"unknown answer {answer!r}")
    return f"{ANSWER_PREFIX}{token}:{answer}"


def parse_answer(data: str | None) -> tuple[str, str] | None:
    """(token, answer) of an answer button's data; ``None`` for anything else."""
    found = _ANSWER_DATA.fullmatch(data or "")
    return (found["token"], found["answer"]) if found is not None else None


@dataclass(frozen=True)
class AnswerButton:
    """One of the two buttons under a proposal, in the person's language."""

    title: str
    data: str


def answer_buttons(token: str, language: str) -> list[AnswerButton]:
    """ "Passt" / "Anderer Termin" in ``language``."""
    return [
        AnswerButton(translate(language, ANSWER_YES), answer_data(token, "yes")),
        AnswerButton(translate(language, ANSWER_OTHER), answer_data(token, "other")),
    ]


# --- when, as people read it ---------------------------------------------------------------------


def local_start(appointment: Appointment) -> datetime:
    """The start in the office's time zone it was proposed in."""
    return appointment.starts_at.astimezone(ZoneInfo(appointment.timezone))


def when(appointment: Appointment, language: str) -> dict[str, str]:
    """``date`` and ``time`` of the start as the person's language writes them."""
    from babel.dates import format_date, format_time

    start, locale = local_start(appointment), babel_locale(language)
    return {
        "date": format_date(start.date(), format="full", locale=locale),
        "time": format_time(start, format="HH:mm", tzinfo=start.tzinfo, locale=locale),
    }


def german_when(appointment: Appointment) -> str:
    """The start as counsellors read it: "Di., 12.01.2027, 10:30 Uhr"."""
    from babel.dates import format_datetime

    start = local_start(appointment)
    return format_datetime(start, "EEE, dd.MM.yyyy, HH:mm", tzinfo=start.tzinfo, locale="de") + " Uhr"


def said(text: str, appointment: Appointment, language: str) -> str:
    """One of the texts above (a German msgid) about ``appointment``, in ``language``."""
    return translate(language, text, place=appointment.place, **when(appointment, language))


# --- for the counsellors (German) ----------------------------------------------------------------


def _person(lead: Lead) -> str:
    endonym = LANGUAGES[lead.language].endonym if lead.language in LANGUAGES else lead.language
    return f"{lead.first_name} ({lead.language} · {endonym})"


def confirmed_text(lead: Lead, appointment: Appointment) -> str:
    """The person said "Passt", as the counsellors' thread shows it."""
    return (
        f"📅 {_person(lead)} hat den Termin bestätigt: {german_when(appointment)}, {appointment.place}.\n"
        "Die Kalenderdatei ist unterwegs zur Person; am Tag vorher erinnert Lotse sie an den Termin."
    )


def declined_text(lead: Lead, appointment: Appointment) -> str:
    """The person asked for another appointment, as the counsellors' thread shows it."""
    return (
        f"📅 {_person(lead)} möchte einen anderen Termin (vorgeschlagen war: {german_when(appointment)}, "
        f"{appointment.place}).\nBitte schlag einen neuen vor: „📅 Termin vorschlagen“."
    )


# --- the calendar file -------------------------------------------------------------------------


def calendar_uid(appointment: Appointment) -> str:
    """The calendar entry's stable id: derived from the token, which it does not reveal."""
    return hashlib.sha256(appointment.token.encode()).hexdigest()[:32] + "@lotse"


def calendar_file(appointment: Appointment, language: str, counsellor: str, now: datetime | None = None) -> bytes:
    """The appointment as an iCalendar file (RFC 5545) in the person's language: title,
    place and description, the start in the office's zone with its ``VTIMEZONE``."""
    from icalendar import Calendar, Event

    start = local_start(appointment)
    calendar = Calendar()
    calendar.add("prodid", "-//Lotse//Beratungstermin//DE")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", calendar_uid(appointment))
    event.add("dtstamp", now or utcnow())
    event.add("dtstart", start)
    event.add("dtend", start + DURATION)
    event.add("summary", strip_marks(translate(language, CALENDAR_SUMMARY)))
    event.add("location", appointment.place)
    name = counsellor or translate(language, N_("Jemand"))
    event.add("description", strip_marks(translate(language, CALENDAR_DESCRIPTION, name=name)))
    calendar.add_component(event)
    # the zone's rules for the appointment's year (Telegram shows the file's size; keep it small)
    calendar.add_missing_timezones(first_date=date(start.year, 1, 1), last_date=date(start.year + 1, 12, 31))
    return bytes(calendar.to_ical())
