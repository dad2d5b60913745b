"""What Lotse does with an understanding it is not sure of: the decisions, without Rasa.

The actions carry them out (``actions/understanding.py``, ``actions/referral.py``,
``actions/answers.py``) and ``make eval`` scores the answer they give (``bot/evaluation.py``) —
one place, so that the evaluation cannot drift from what a person gets.
"""

from __future__ import annotations

from collections.abc import Sequence

from knowledge.questions import GENERIC_ROUTES, QuestionIndex
from knowledge.referrals import ReferralIndex
from knowledge.schema import ROUTE_IDS

SURE_OF_ROUTE = 0.9
"""A route the model picked at least this surely stands, even when the words name another one."""
SURE_OUT_OF_SCOPE = 0.8
"""Below this, an ``out_of_scope`` message that names one of our routes is answered about that route."""
CANDIDATE_FLOOR = 0.05
"""Intents less likely than this are not offered as a guess."""
MAX_GUESSES = 3
OFFERED = frozenset(
    {"start_check", "help", "ask_funding", "ask_costs", "ask_duration", "ask_language", "ask_work_while_learning"}
    | {"ask_residence", "change_language", "show_my_data", "delete_my_data", "start_over", "request_counsellor"}
    | {f"ask_{route}" for route in ROUTE_IDS}
)
"""The intents the ask-back has a button for (their titles: ``actions.understanding.LABELS`` and
the routes' names)."""
SMALL_TALK = {
    "greet": "utter_greet",
    "goodbye": "utter_goodbye",
    "thank": "utter_thank",
    "bot_challenge": "utter_bot_challenge",
    "affirm": "utter_what_next",
    "deny": "utter_what_next",
}
"""Harmless best guesses: a short message most likely meaning one of them gets the answer the rules
give it when surely understood, not buttons (an unsure "ok" or "la2" outside a question: "Was
möchtest du wissen?" with the check and the help, not guesses at routes)."""
SHORT_MESSAGE_WORDS = 4


def offered(ranking: Sequence[tuple[str, float]], first: str | None = None) -> list[str]:
    """The intents the ask-back offers as buttons, in order: ``first``, then the likely guesses that
    have a button (at most ``MAX_GUESSES``), and "talk to a person" — first when it is the best
    guess, else last. (``bot.evaluation`` scores the first of them.)"""
    ranked = [first] if first else []
    ranked += [name for name, confidence in ranking if confidence >= CANDIDATE_FLOOR]
    ranked = [intent for intent in dict.fromkeys(ranked) if intent in OFFERED]
    person_first = bool(ranked) and ranked[0] == "request_counsellor"
    guessed = [intent for intent in ranked if intent != "request_counsellor"][:MAX_GUESSES]
    return ["request_counsellor", *guessed] if person_first else [*guessed, "request_counsellor"]


def is_short_small_talk(best: str, text: str) -> bool:
    """Whether an unsure message is answered as the small talk it most likely is."""
    return best in SMALL_TALK and len(text.split()) <= SHORT_MESSAGE_WORDS


def route_instead_of_out_of_scope(
    confidence: float, text: str, questions: QuestionIndex, referrals: ReferralIndex
) -> bool:
    """Whether a message the model took for out of scope, not surely, is about our field: its words
    name exactly one route and no other office's topic ("Cum vă puteți echivala studiile?")."""
    return confidence < SURE_OUT_OF_SCOPE and not referrals.mentions(text) and len(questions.routes(text)) == 1


def refer_before_guessing(ranking: Sequence[tuple[str, float]], text: str, referrals: ReferralIndex) -> bool:
    """Whether Lotse, unsure what a message means, first names the office whose topic its words name,
    then asks back: "not my field" is one of its guesses (``CANDIDATE_FLOOR``) and the words name
    another office's topic (``ReferralIndex.topic``: residence, studies and pensions tied to one of
    our routes do not count) — "Hallo, ich habe eine Aufenthaltserlaubnis nach § 25b … Einbürgerung?"
    is the Einbürgerungsbehörde's, whatever else the model guessed. Chosen on the dev half of the
    real-phrasing set (2026-12-08: 88.1 → 89.6 %; held back 2 of 3,161 fewer)."""
    out_of_scope = max((c for name, c in ranking if name == "out_of_scope"), default=0.0)
    return out_of_scope >= CANDIDATE_FLOOR and referrals.topic(text) is not None


def answers_named_route(ranking: Sequence[tuple[str, float]], text: str, questions: QuestionIndex) -> bool:
    """Whether an unsure message is answered for the one route its words name instead of being
    asked back ("Când am nevoie de recunoaşterea calificărilor mele?") — not when that route's name
    is also the everyday word for any training (``GENERIC_ROUTES``) and the best guess is another
    route: "Seine Ausbildung wurde nicht anerkannt …" is asked back with the Anerkennung first."""
    named = questions.routes(text)
    if len(named) != 1:
        return False
    best = ranking[0][0].removeprefix("ask_") if ranking else ""
    return not (named[0] in GENERIC_ROUTES and best in ROUTE_IDS and best != named[0])
