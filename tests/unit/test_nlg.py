"""The NLG endpoint renders every response in the user's language from the catalogs."""

from __future__ import annotations

import pytest

from actions.nlg import fill_placeholders, render, render_request
from actions.responses import RESPONSES
from actions.tracker import language_of
from bot.i18n import available_languages


def test_every_language_renders_every_response_translated() -> None:
    for language in available_languages():
        same = 0
        for name, response in RESPONSES.items():
            message = render(name, language)
            assert message["text"].strip(), (language, name)
            same += message["text"] == response.text
        if language not in ("de", "de_simple"):
            # a missing translation would silently show the German source text
            assert same == 0, language
        if language == "de_simple":
            # plain German may keep a text that is already plain, but most are rewritten
            assert same < len(RESPONSES) / 2


def test_greeting_is_german_and_english() -> None:
    assert "Berufsabschluss nachzuholen" in render("utter_greet", "de")["text"]
    english = render("utter_greet", "en")["text"]
    assert english.startswith("Hello!") and "vocational qualification" in english


def test_buttons_are_translated_and_keep_payloads() -> None:
    buttons = render("utter_greet", "en")["buttons"]
    assert {"title": "What can you do?", "payload": "/help"} in buttons
    assert {"title": "Was kannst du?", "payload": "/help"} in render("utter_greet", "de")["buttons"]


def test_language_buttons_list_each_available_language_in_its_own_name() -> None:
    buttons = render("utter_ask_language", "en")["buttons"]
    titles = {b["title"] for b in buttons}
    assert {"Deutsch", "English"} <= titles
    assert '/change_language{"language": "en"}' in {b["payload"] for b in buttons}


def test_unknown_response_renders_the_technical_apology_not_an_error() -> None:
    message = render("utter_does_not_exist", "en")
    assert message["text"] == "Sorry, something went wrong on my side. Please try again in a moment."


@pytest.mark.parametrize(
    ("template", "values", "expected"),
    [
        ("Hallo {name}!", {"name": "Ana"}, "Hallo Ana!"),
        ("Hallo {name}!", {}, "Hallo !"),
        ("{count} Jahre", {"count": 4.5}, "4.5 Jahre"),
        ("Keine Felder", {"name": "x"}, "Keine Felder"),
        ("{0.__class__}", {}, "{0.__class__}"),
        ("kaputt {", {}, "kaputt {"),
        ("{name}", {"name": "{other}"}, "{other}"),
    ],
)
def test_placeholders_never_raise(template: str, values: dict, expected: str) -> None:
    assert fill_placeholders(template, values) == expected


def test_language_comes_from_slot_then_metadata_then_default() -> None:
    assert language_of({"slots": {"language": "en"}}) == "en"
    assert language_of({"slots": {}, "latest_message": {"metadata": {"language": "en-GB"}}}) == "en"
    assert language_of({"slots": {"language": None}}) == "de"


def test_unknown_language_falls_back_to_english_for_foreign_codes() -> None:
    tracker = {"slots": {}, "latest_message": {"metadata": {"language": "pt-BR"}}}
    assert language_of(tracker) == "en"
    tracker = {"slots": {}, "latest_message": {"metadata": {"language": "<script>"}}}
    assert language_of(tracker) == "en"


def test_render_request_uses_slots_and_named_language() -> None:
    body = {
        "response": "utter_language_changed",
        "arguments": {"language": "en"},
        "tracker": {"slots": {"language": "de"}},
        "channel": {"name": "rest"},
    }
    assert render_request(body)["text"] == "OK, from now on I'll write in English."


@pytest.mark.parametrize("body", [None, [], "utter_greet", {"response": 5}, {"tracker": []}])
def test_malformed_requests_get_an_apology(body: object) -> None:
    assert "technischer Fehler" in render_request(body)["text"]
