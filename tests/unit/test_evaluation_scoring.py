"""``make eval`` scores the answer a person gets: it must read the model's output the way the
actions answer it (the ask-back's first button, a route named in an unsure out-of-scope question)."""

from __future__ import annotations

import pytest

import bot.evaluation as evaluation
import bot.understanding as understanding
from actions.understanding import LABELS, SMALL_TALK, offered
from bot.evaluation import Example, Parsed, answered, first_offered
from knowledge.schema import ROUTE_IDS


def test_the_evaluation_uses_the_actions_thresholds_and_buttons() -> None:
    """One place decides, for the actions and for the evaluation (``bot.understanding``)."""
    assert evaluation.SURE_OF_ROUTE is understanding.SURE_OF_ROUTE
    assert evaluation.offered is offered is understanding.offered and SMALL_TALK is understanding.SMALL_TALK
    assert set(LABELS) | {f"ask_{route}" for route in ROUTE_IDS} == understanding.OFFERED, "every guess has a title"


@pytest.mark.parametrize(
    "ranking",
    [
        [("greet", 0.3), ("ask_funding", 0.25), ("request_counsellor", 0.2)],
        [("request_counsellor", 0.3), ("ask_funding", 0.25)],
        [("goodbye", 0.3), ("thank", 0.25), ("out_of_scope", 0.2)],
        [("ask_umschulung", 0.3), ("ask_costs", 0.29)],
        [("inform", 0.5), ("ask_language", 0.04), ("help", 0.06)],
    ],
)
def test_the_first_button_is_read_as_the_ask_back_shows_it(ranking: list[tuple[str, float]]) -> None:
    assert first_offered(ranking) == offered(ranking)[0]


def _parsed(text: str, ranking: list[tuple[str, float]], asked_back: bool = False, language: str = "de") -> Parsed:
    return Parsed(Example(language, text, "out_of_scope"), ranking, asked_back)


def test_answers_are_read_as_the_actions_give_them() -> None:
    # an unsure short greeting is greeted; a long message gets buttons: the first is the answer
    assert answered(_parsed("na du", [("greet", 0.35), ("help", 0.3)], asked_back=True)) == ("greet",)
    story = "hallo ich weiß nicht so genau wie das alles hier geht"
    assert answered(_parsed(story, [("greet", 0.35), ("help", 0.3)], asked_back=True)) == ("help",)
    # an unsure short "ok" gets what a sure one gets ("Was möchtest du wissen?"), a long one buttons
    assert answered(_parsed("ok", [("affirm", 0.35), ("help", 0.3)], asked_back=True)) == ("affirm",)
    assert answered(_parsed(story, [("affirm", 0.35), ("help", 0.3)], asked_back=True)) == ("help",)
    # unsure and most likely not Lotse's field: it says so first
    assert answered(_parsed("was kostet brot", [("out_of_scope", 0.35), ("ask_costs", 0.3)], True)) == ("out_of_scope",)
    # not surely out of scope, and the words name one route: that route's answer
    echivala = "Cum vă puteți echivala studiile?"
    assert answered(_parsed(echivala, [("out_of_scope", 0.6)], language="ro")) == ("ask_anerkennung",)
    assert answered(_parsed(echivala, [("out_of_scope", 0.85)], language="ro")) == ("out_of_scope",)
    # … unless the words name whose question it is (a visa: the foreigners' office)
    visa = "Brauche ich ein Visum für die Ausbildung in Frankreich?"
    assert answered(_parsed(visa, [("out_of_scope", 0.6)])) == ("out_of_scope",)
    # unsure, "not my field" among the guesses and the words name an office's topic: that office first
    citizen = "Ich habe eine Aufenthaltserlaubnis nach § 25b. Kann ich einen Antrag auf Einbürgerung stellen?"
    ranking = [("ask_language", 0.34), ("ask_anerkennung", 0.33), ("out_of_scope", 0.12)]
    assert answered(_parsed(citizen, ranking, asked_back=True)) == ("out_of_scope",)
    assert answered(_parsed(citizen, ranking[:2], asked_back=True)) == ("ask_language",)
    # only the everyday word "Ausbildung" names a route, the model thinks of another: asked back
    story = "Er hat in Russland studiert. Seine Ausbildung wurde nicht anerkannt. Was kann er tun?"
    ranking = [("ask_anerkennung", 0.24), ("start_check", 0.18), ("ask_ausbildung", 0.14)]
    assert answered(_parsed(story, ranking, asked_back=True)) == ("ask_anerkennung",)
    assert answered(_parsed("Was muss ich für eine Ausbildung mitbringen?", [("start_check", 0.3)], True))[0] == (
        "ask_ausbildung"
    )
