"""``action_answer``: a question about a route or a topic, answered for a phone, in the person's
language, with buttons to go deeper."""

from __future__ import annotations

import pytest

from bot.bidi import strip_marks
from knowledge.schema import ROUTE_IDS
from tests.unit.actions.conftest import run, tracker

ANSWER = "action_answer"
ASPECT_BUTTONS = ["requirements", "costs", "duration", "offices", "documents", "funding"]


def test_a_route_question_gets_its_summary_aspect_buttons_and_becomes_the_current_route() -> None:
    turn = run(ANSWER, tracker("Was ist eine Umschulung?", "ask_umschulung"))
    assert turn.texts[0].startswith("Umschulung: Eine Umschulung ist eine kürzere Ausbildung für Erwachsene.")
    assert turn.payloads == [f'/ask_umschulung{{"aspect": "{a}"}}' for a in ASPECT_BUTTONS] + ["/start_check"]
    assert turn.slots == {"current_route": "umschulung"}
    assert turn.messages[-1]["buttons"], "the buttons come with the last message"


def test_a_follow_up_without_a_route_is_about_the_current_route() -> None:
    turn = run(ANSWER, tracker("und was kostet das?", "ask_costs", slots={"current_route": "umschulung"}))
    assert turn.texts[0].startswith("Kosten: Umschulung\n• ")
    assert '/ask_umschulung{"aspect": "costs"}' not in turn.payloads, "no button for what was just said"
    assert turn.slots == {"current_route": "umschulung"}


def test_a_pressed_aspect_button_answers_that_aspect() -> None:
    turn = run(
        ANSWER,
        tracker(
            '/ask_anerkennung{"aspect": "documents"}',
            "ask_anerkennung",
            1.0,
            kind="button",
            entities={"aspect": "documents"},
        ),
    )
    assert turn.texts[0].startswith("Diese Unterlagen brauchst du (Anerkennung")


def test_a_topic_question_offers_every_route_and_sets_no_route() -> None:
    turn = run(ANSWER, tracker("wer bezahlt das?", "ask_funding"))
    assert turn.texts[0].startswith("Für viele Wege zahlt die Agentur für Arbeit mit einem Bildungsgutschein.")
    assert turn.payloads == [f"/ask_{route}" for route in ROUTE_IDS] + ["/start_check"]
    assert turn.events == []


def test_a_glossary_term_is_explained_with_a_button_to_its_route() -> None:
    turn = run(ANSWER, tracker("Was ist ein Bildungsgutschein?", "ask_funding"))
    assert turn.texts == [turn.texts[0]] and turn.texts[0].startswith("Bildungsgutschein: ")
    assert turn.payloads == ["/ask_umschulung", "/start_check"] and turn.events == []


def test_the_answer_is_arabic_right_to_left_with_the_german_term_kept() -> None:
    turn = run(ANSWER, tracker("ما هو الاعتراف بالشهادة؟", "ask_anerkennung", language="ar"))
    first = turn.texts[0]
    assert first.startswith("\u200f"), "a right-to-left mark starts every line"
    assert "(Anerkennung)" in strip_marks(first) and any("\u0600" <= ch <= "\u06ff" for ch in first)
    assert turn.slots == {"current_route": "anerkennung"}
    assert all(any("\u0600" <= ch <= "\u06ff" for ch in title) for title in turn.titles)


def test_a_long_answer_comes_in_phone_sized_messages() -> None:
    turn = run(ANSWER, tracker("was kostet eine umschulung", "ask_costs", slots={"current_route": "umschulung"}))
    assert len(turn.messages) >= 2
    assert all(len(strip_marks(t)) <= 350 or t.count("•") == 1 for t in turn.texts)
    assert [bool(m["buttons"]) for m in turn.messages] == [False] * (len(turn.messages) - 1) + [True]


@pytest.mark.parametrize("text", ["<script>alert(1)</script>", "x" * 10_000, ""])
def test_html_a_huge_or_an_empty_message_get_the_plain_answer_and_never_an_echo(text: str) -> None:
    turn = run(ANSWER, tracker(text, "ask_funding"))
    assert turn.texts[0].startswith("Für viele Wege zahlt")
    assert "<script>" not in turn.text and "x" * 50 not in turn.text


def test_an_unknown_language_is_answered_in_english() -> None:
    turn = run(ANSWER, tracker("how much", "ask_costs", language="sw", slots={"language": None}))
    assert turn.texts[0].startswith("The Agentur für Arbeit (employment agency) pays")
