"""Honest uncertainty: ``action_ask_back`` ("Meinst du …?") and ``action_restart_when_sure``.

More cases (guarded deletion, consent, language switch) are in ``tests/unit/test_understanding_actions.py``.
"""

from __future__ import annotations

import pytest

from tests.unit.actions.conftest import run, tracker

ASK_BACK = "action_ask_back"
RESTART = "action_restart_when_sure"
ASKED = "Ich bin nicht sicher, ob ich dich richtig verstehe. Meinst du eins davon?"


def test_the_best_guesses_are_offered_as_buttons_and_a_person_last() -> None:
    turn = run(
        ASK_BACK,
        tracker(
            "geld kurs?",
            "nlu_fallback",
            0.4,
            ranking=[
                ("nlu_fallback", 0.4),
                ("ask_funding", 0.35),
                ("greet", 0.2),
                ("ask_costs", 0.1),
                ("ask_duration", 0.08),
                ("ask_language", 0.06),
                ("thank", 0.01),
            ],
        ),
    )
    assert turn.texts == [ASKED] and turn.events == []
    assert turn.payloads == ["/ask_funding", "/ask_costs", "/ask_duration", "/request_counsellor"], (
        "at most three guesses; intents without a label (greet) are no guess"
    )


@pytest.mark.parametrize("text", ["<script>alert(1)</script>", "x" * 10_000, ""])
def test_junk_is_asked_back_without_an_echo(text: str) -> None:
    turn = run(ASK_BACK, tracker(text, "nlu_fallback", 0.2, ranking=[("nlu_fallback", 0.2)]))
    assert turn.texts == [ASKED] and turn.payloads == ["/request_counsellor"]


def test_asked_back_in_arabic() -> None:
    turn = run(
        ASK_BACK,
        tracker("مال", "nlu_fallback", 0.3, language="ar", ranking=[("nlu_fallback", 0.3), ("ask_funding", 0.3)]),
    )
    assert turn.texts[0] != ASKED and any("\u0600" <= ch <= "\u06ff" for ch in turn.texts[0])
    assert len(turn.payloads) == 2 and all(any("\u0600" <= ch <= "\u06ff" for ch in t) for t in turn.titles)


def test_a_route_named_in_the_words_is_answered_and_remembered() -> None:
    turn = run(
        ASK_BACK,
        tracker(
            "was ist eine umschulung eigentlich", "nlu_fallback", 0.4, ranking=[("nlu_fallback", 0.4), ("greet", 0.3)]
        ),
    )
    assert turn.texts[0].startswith("Umschulung: ") and turn.slots == {"current_route": "umschulung"}


def test_a_sure_start_over_restarts() -> None:
    turn = run(RESTART, tracker("neu anfangen", "start_over", 0.99))
    assert turn.kinds == ["restart"] and turn.responses == ["utter_restart"]


def test_an_unsure_start_over_asks_first_and_keeps_everything() -> None:
    turn = run(RESTART, tracker("alles nochmal", "start_over", 0.7, ranking=[("start_over", 0.7), ("help", 0.2)]))
    assert turn.events == [] and turn.payloads[0] == "/restart" and turn.payloads[-1] == "/request_counsellor"
