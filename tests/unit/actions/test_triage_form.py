"""The check (``triage_form``): its questions (``action_ask_<slot>``), the reading of every answer
(``validate_triage_form``), "why do you ask?" (``action_explain_question``), two failures →
explain and offer to skip."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.unit.actions.conftest import Turn, run, tracker

FORM = "validate_triage_form"
WHY_AGE = (
    "Die Validierung gibt es erst ab 25, und die meisten Teilqualifikationen sind für Erwachsene. "
    "Unter 25 ist eine Ausbildung oft der beste Weg."
)
WHY_BUTTON = {"title": "Warum fragst du?", "payload": "/help"}
SKIP_BUTTON = {"title": "Überspringen", "payload": '/inform{"skip": true}'}
ASKED_ONLY_AFTER = {
    "unskilled_years": {"qualification": "german"},
    "training_years": {"occupation": "Astronaut"},
    "experience_years": {"occupation": "Koch/Köchin"},
}
"""What must be known before the check asks these questions (and validates their answers)."""


def answer(
    slot: str,
    value: Any,
    intent: str = "inform",
    confidence: float = 0.98,
    *,
    slots: dict[str, Any] | None = None,
    **more: Any,
) -> Turn:
    """The form extracted ``value`` for ``slot`` (the question being asked) from the person's message."""
    known = {"requested_slot": slot, **ASKED_ONLY_AFTER.get(slot, {}), **(slots or {})}
    return run(
        FORM,
        tracker(
            str(value), intent, confidence, slots=known, candidates={slot: value}, active_loop="triage_form", **more
        ),
    )


# --- the questions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slot", "question", "choices"),
    [
        ("age", "Wie alt bist du?", []),
        ("qualification", "Hast du schon einen Berufsabschluss?", ["none", "german", "foreign", "incomplete"]),
        ("unskilled_years", "Wie viele Jahre hast du seitdem ohne Fachausbildung gearbeitet", []),
        ("occupation", "In welchem Beruf hast du gearbeitet", []),
        ("training_years", "Diesen Beruf kenne ich noch nicht.", [2, 3, 3.5]),
        ("experience_years", "Wie viele Jahre hast du in diesem Beruf gearbeitet?", []),
        (
            "status",
            "Was machst du gerade?",
            ["unemployed", "employed", "temp_agency", "self_employed", "in_school", "other"],
        ),
        ("german_level", "Wie gut ist dein Deutsch?", ["none", "a1", "a2", "b1", "b2", "c1"]),
        ("residence", "Wo wohnst du?", ["schwerin", "nordwestmecklenburg", "ludwigslust_parchim", "other"]),
        ("needs_part_time", "Brauchst du Teilzeit", ["true", "false"]),
    ],
)
def test_every_question_has_its_choices_why_and_skip(slot: str, question: str, choices: list[Any]) -> None:
    turn = run(f"action_ask_{slot}", tracker("", "start_check", slots={"requested_slot": slot}))
    assert len(turn.messages) == 1 and turn.events == [] and turn.texts[0].startswith(question)
    chosen = [b["payload"] for b in turn.buttons if b["payload"].startswith("/inform") and "skip" not in b["payload"]]
    assert chosen == ["/inform" + json.dumps({slot: value}) for value in choices]
    extra = [b for b in turn.buttons if b["payload"] in ("/help", SKIP_BUTTON["payload"])]
    assert extra == ([WHY_BUTTON] if slot == "qualification" else [WHY_BUTTON, SKIP_BUTTON]), (
        "the qualification decides the routes: it cannot be skipped"
    )


def test_the_questions_are_asked_in_the_persons_language() -> None:
    turn = run("action_ask_status", tracker("", "start_check", language="ar"))
    assert turn.texts[0] != "Was machst du gerade?" and any("\u0600" <= ch <= "\u06ff" for ch in turn.texts[0])
    assert "Warum fragst du?" not in turn.titles and "Ich bin arbeitslos" not in turn.titles


# --- reading the answers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slot", "typed", "stored", "known"),
    [
        ("age", "ich bin 31", 31, {}),
        ("age", "31", 31, {}),
        ("qualification", "nein, keinen", "none", {"age": 30}),
        ("status", "ich bin arbeitslos", "unemployed", {"age": 30, "qualification": "none", "occupation": None}),
        ("german_level", "B1.", "b1", {}),
        ("residence", "in Wismar", "nordwestmecklenburg", {}),
        ("needs_part_time", "ja, wegen meiner Kinder", True, {}),
        ("needs_part_time", "nein", False, {}),
        ("experience_years", "18 Monate", 1.5, {}),
        ("experience_years", "4,5", 4.5, {}),
        ("unskilled_years", "drei", 3.0, {}),
    ],
)
def test_typed_answers_are_understood(slot: str, typed: str, stored: Any, known: dict[str, Any]) -> None:
    turn = answer(slot, typed, slots=known)
    assert turn.slots[slot] == stored and type(turn.slots[slot]) is type(stored)
    assert turn.slots["triage_failures"] == 0 and turn.messages == []


def test_a_pressed_button_is_taken_as_its_value() -> None:
    turn = answer("status", "/inform", kind="button", entities={"status": "temp_agency"})
    assert turn.slots["status"] == "temp_agency"


def test_a_german_qualification_asks_for_the_years_as_unskilled_worker_next() -> None:
    turn = answer("qualification", "ja, in deutschland", slots={"age": 40})
    assert turn.slots["qualification"] == "german" and turn.slots["requested_slot"] == "unskilled_years"


def test_a_known_occupation_brings_its_training_duration_and_asks_for_experience() -> None:
    turn = answer("occupation", "Koch im Restaurant", slots={"age": 30, "qualification": "none"})
    assert turn.slots["occupation"] == "Koch/Köchin" and turn.slots["training_years"] == 3.0
    assert turn.slots["requested_slot"] == "experience_years"


def test_an_unknown_occupation_is_kept_capped_and_its_training_duration_is_asked() -> None:
    turn = answer("occupation", "x" * 5000, slots={"age": 30, "qualification": "none"})
    assert turn.slots["occupation"] == "x" * 80 and turn.slots["requested_slot"] == "training_years"


@pytest.mark.parametrize(
    ("slot", "typed"),
    [
        ("age", "abc"),
        ("age", "150"),
        ("age", "12"),
        ("age", "<script>alert(1)</script>"),
        ("age", "9" * 5000),
        ("experience_years", "99"),
        ("training_years", "12"),
        ("occupation", "/inform"),
        ("occupation", "42"),
        ("status", "blau"),
        ("qualification", "<b>vielleicht</b>"),
    ],
)
def test_an_answer_not_understood_gets_a_hint_and_is_asked_again(slot: str, typed: str) -> None:
    turn = answer(slot, typed)
    assert turn.slots[slot] is None and turn.slots["triage_failures"] == 1
    assert turn.texts[0].startswith("Das habe ich nicht verstanden. ")
    assert "<script>" not in turn.text and "9" * 20 not in turn.text, "never echoes what was typed"
    assert turn.slots["requested_slot"] in (slot, "age")


def test_the_second_failure_explains_the_question_and_offers_skip_or_restart() -> None:
    turn = answer("age", "abc", slots={"triage_failures": 1})
    assert turn.texts == [
        "Das habe ich nicht verstanden.\n\n" + WHY_AGE + "\n\nSollen wir weitermachen? "
        "Du kannst die Frage auch überspringen oder neu anfangen."
    ]
    assert turn.payloads == ['/inform{"skip": true}', "/restart"]
    assert turn.slots["triage_failures"] == 2


def test_the_qualification_is_never_skipped() -> None:
    turn = answer("qualification", "weiß nicht", slots={"age": 30, "triage_failures": 1})
    assert turn.slots["qualification"] is None and "triage_skipped" not in turn.slots
    assert turn.payloads == ["/restart"]
    skip = answer("qualification", "/inform", kind="button", entities={"skip": True}, slots={"age": 30})
    assert skip.slots["qualification"] is None and "triage_skipped" not in skip.slots


def test_dont_know_skips_the_question_and_the_check_goes_on() -> None:
    turn = answer("age", "weiß nicht", slots={"triage_failures": 1})
    assert turn.slots == {
        "age": None,
        "triage_skipped": ["age"],
        "triage_failures": 0,
        "requested_slot": "qualification",
    }
    assert turn.messages == []


def test_a_side_question_is_answered_and_the_question_stays() -> None:
    turn = answer("age", "wer bezahlt das?", "ask_funding", 0.9)
    assert turn.texts[0].startswith("Für viele Wege zahlt die Agentur für Arbeit")
    assert turn.slots["age"] is None and "triage_failures" not in turn.slots
    assert turn.slots["requested_slot"] == "age"


def test_why_during_the_check_explains_the_question() -> None:
    turn = answer("age", "warum fragst du das?", "help", 0.9)
    assert turn.texts == [WHY_AGE] and "triage_failures" not in turn.slots


def test_one_word_is_no_side_question() -> None:
    """ "blau" as an answer to the status question: not understood, whatever the model guessed."""
    turn = answer("status", "blau", "ask_funding", 0.9)
    assert turn.slots["triage_failures"] == 1 and turn.texts[0].startswith("Das habe ich nicht verstanden.")


def test_hints_are_given_in_the_persons_language() -> None:
    turn = answer("age", "abc", language="ar")
    assert "Das habe ich nicht verstanden" not in turn.text and any("\u0600" <= ch <= "\u06ff" for ch in turn.text)
    assert "27" in turn.text


# --- why do you ask? ------------------------------------------------------------------------------


def test_why_explains_the_question_being_asked() -> None:
    turn = run("action_explain_question", tracker("warum?", "help", slots={"requested_slot": "residence"}))
    assert turn.texts == ["So finde ich das richtige Jobcenter und die Stellen in deiner Nähe."]
    assert turn.events == []


def test_why_outside_the_check_is_the_general_help() -> None:
    turn = run("action_explain_question", tracker("warum?", "help"))
    assert turn.responses == ["utter_help"] and turn.texts == []


def test_why_is_explained_in_ukrainian() -> None:
    turn = run("action_explain_question", tracker("чому?", "help", language="uk", slots={"requested_slot": "age"}))
    assert turn.texts[0] != WHY_AGE and any("\u0400" <= ch <= "\u04ff" for ch in turn.texts[0])
