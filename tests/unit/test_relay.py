"""The relay's pieces without a database: ready-made replies (placeholders, dates, every language),
what the person sees, the German hint, the card's buttons."""

from __future__ import annotations

from datetime import date, time

import pytest

from bot.bidi import strip_marks
from bot.i18n import available_languages, gettext_for, translate
from bot.leads.relay import (
    FIRST_HINT,
    HEADER,
    TEMPLATES,
    parse_date,
    parse_time,
    person_text,
    render_template,
    split_values,
    writes_german_to_another_language,
)
from bot.telegram.cards import ACTIONS, callback_data, card_keyboard, outcome_keyboard, parse_callback

TODAY = date(2026, 12, 7)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12.01.2027", date(2027, 1, 12)),
        ("12.1.27", date(2027, 1, 12)),
        ("2027-01-12", date(2027, 1, 12)),
        ("24.12.", date(2026, 12, 24)),
        ("3.1.", date(2027, 1, 3)),  # without a year: the next such day
        ("31.02.2027", None),
        ("morgen", None),
    ],
)
def test_dates_as_counsellors_write_them(raw: str, expected: date | None) -> None:
    assert parse_date(raw, TODAY) == expected


@pytest.mark.parametrize(
    ("raw", "expected"), [("10:30", time(10, 30)), ("9.15", time(9, 15)), ("14 Uhr", time(14)), ("25:00", None)]
)
def test_times_as_counsellors_write_them(raw: str, expected: time | None) -> None:
    assert parse_time(raw) == expected


def test_values_are_one_a_line_and_a_single_one_may_span_lines() -> None:
    call, documents = TEMPLATES["call"], TEMPLATES["documents"]
    assert split_values("12.01.\n10:30", call) == ["12.01.", "10:30"]
    assert split_values("12.01.; 10:30", call) == ["12.01.", "10:30"]
    assert split_values("12.01.", call) is None
    assert split_values("Zeugnis\nLebenslauf", documents) == ["Zeugnis Lebenslauf"]


@pytest.mark.parametrize("language", [code for code in available_languages() if code != "de"])
def test_every_ready_made_reply_is_translated_with_its_placeholders(language: str) -> None:
    for template in TEMPLATES.values():
        translated = gettext_for(language, template.msgid)
        if language != "de_simple":  # plain German may keep a sentence that is plain already
            assert translated != template.msgid, f"{template.key} is not translated into {language}"
        for field in template.fields:
            assert "{" + field.name + "}" in translated, f"{template.key} lost {{{field.name}}} in {language}"


def test_a_date_reaches_the_person_in_their_language_and_plain_german_is_plain() -> None:
    call = TEMPLATES["call"]
    german = strip_marks(render_template(call, ["12.01.2027", "10:30"], "de"))
    plain = strip_marks(render_template(call, ["12.01.2027", "10:30"], "de_simple"))
    ukrainian = strip_marks(render_template(call, ["12.01.2027", "10:30"], "uk"))
    assert german == "Ich rufe dich am Dienstag, 12. Januar 2027 um 10:30 Uhr an."
    assert plain != german and "Dienstag, 12. Januar 2027" in plain
    assert "вівторок, 12 січня 2027" in ukrainian and "10:30" in ukrainian
    assert strip_marks(render_template(call, ["bald", "gleich"], "en")) == "I will call you on bald at gleich."


def test_the_person_sees_who_writes_and_on_the_first_message_how_to_answer() -> None:
    first = person_text("ar", "Anna", "مرحبا", first=True)
    later = person_text("ar", "Anna", "مرحبا", first=False)
    assert first.startswith(translate("ar", HEADER, name="Anna")) and translate("ar", FIRST_HINT) in first
    assert translate("ar", FIRST_HINT) not in later
    assert person_text("de", "", "Hallo", first=False).startswith("Jemand vom Beratungsteam schreibt:")


def test_the_german_hint_is_for_german_to_someone_who_chose_another_language() -> None:
    assert writes_german_to_another_language("Ich rufe Sie morgen Vormittag an, passt das?", "uk")
    assert not writes_german_to_another_language("Ich rufe Sie morgen Vormittag an, passt das?", "de_simple")
    assert not writes_german_to_another_language("Я зателефоную вам завтра вранці.", "uk")
    assert not writes_german_to_another_language("Jobcenter", "uk"), "a German office name alone is no German text"


def test_card_buttons_carry_the_lead_and_fit_telegrams_64_bytes() -> None:
    lead_id = "6d2349a2-d6f6-4217-8e28-66467183b1c8"
    claimed = card_keyboard(lead_id, claimed=True)
    assert claimed is not None
    data = [b.callback_data for row in claimed.inline_keyboard for b in row]
    assert all(d is not None and len(d.encode()) <= 64 for d in data)
    on_a_claimed_card = {a for a in ACTIONS if a not in ("claim", "back") and not a.startswith("end_")}
    assert {parse_callback(d) for d in data if d} == {(a, lead_id) for a in on_a_claimed_card}
    outcomes = outcome_keyboard(lead_id).inline_keyboard
    assert {parse_callback(b.callback_data) for row in outcomes for b in row} == {
        (a, lead_id) for a in ACTIONS if a == "back" or a.startswith("end_")
    }, "the close step: the outcomes and Zurück"
    assert parse_callback(callback_data("t_unknown", lead_id)) is None
    unclaimed = card_keyboard(lead_id)
    assert unclaimed is not None and [b.text for b in unclaimed.inline_keyboard[0]] == ["Übernehmen", "Erledigt"]
    assert len(unclaimed.inline_keyboard) == 1, "ready-made replies only after the claim"
