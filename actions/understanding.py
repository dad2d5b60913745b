"""Honest uncertainty: when Lotse is not sure what a person means, it asks back instead of acting.

- ``action_ask_back`` answers ``nlu_fallback`` (the FallbackClassifier in ``config.yml``: the best
  intent is below its threshold, or the two best are close): "Meinst du …?" with the two or three
  most likely answers as buttons, plus "talk to a person" — unless the message asks what a German
  term means, which the glossary answers, or its words name exactly one route, which is answered
  (with the aspect the words ask about), or its best guess is ``out_of_scope`` and its words name
  a topic another office answers, which is named (``actions/referral.py``). When the best guess is
  ``out_of_scope`` and no office is named, Lotse says honestly that this is probably not its field
  before it offers its guesses — it does not pretend the question was one of them. When another
  guess is best but "not my field" is among the guesses and the words name another office's topic,
  Lotse names that office first, then offers its guesses (``refer_before_guessing``). When the best
  guess is a person, "talk to a person" is the first button. A short message whose best guess is
  small talk ("بخاطركم", "мушу бігти") gets the small talk's answer: a wrong "goodbye" costs
  nothing, while buttons for routes do not fit a goodbye; an unsure "ok" or "la2" gets what a
  sure one gets, "Was möchtest du wissen?".
- What changes or deletes something — ``start_over``, ``change_language``, ``delete_my_data``,
  starting the contact form — runs only from a button, a command, or a message understood with
  high confidence (``is_sure``); otherwise the same ask-back, with that action as one of the
  buttons, so one tap does it.
"""

from __future__ import annotations

import json

import structlog
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, Restarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import compose_answer, question_index, term_answer
from actions.referral import refer, referral_index
from actions.tracker import input_kind, language_of
from bot.i18n import N_, translate
from bot.understanding import SMALL_TALK, answers_named_route, is_short_small_talk, offered, refer_before_guessing
from knowledge.loader import load_knowledge
from knowledge.schema import ROUTE_IDS

logger = structlog.get_logger(__name__)

HIGH_CONFIDENCE = 0.9
"""A typed message may change or delete something only when understood at least this surely …"""
HIGH_MARGIN = 0.3
"""… and this far ahead of the second-best intent."""

ASK_BACK = N_("Ich bin nicht sicher, ob ich dich richtig verstehe. Meinst du eins davon?")
ASK_BACK_UNSURE = N_("Das möchte ich nicht falsch verstehen. Meinst du das? Dann tippe bitte auf die Taste.")
# TRANSLATORS: the model's best guess is "not Lotse's field", but it is unsure; buttons with its other guesses follow.
NOT_MINE_UNSURE = N_(
    "Das gehört wahrscheinlich nicht zu dem, was ich beantworten kann: Ich kenne mich mit Wegen zum "
    "Berufsabschluss aus. Eine Beraterin oder ein Berater sagt dir, wer zuständig ist. Oder meinst du eins davon?"
)
PERSON = N_("Mit einem Menschen sprechen")

# What a guess looks like on its button. Route questions carry the route's (German) name.
LABELS: dict[str, str] = {
    "start_check": N_("Welcher Weg passt zu mir?"),
    "help": N_("Was kannst du?"),
    "ask_funding": N_("Wer bezahlt?"),
    "ask_costs": N_("Kosten"),
    "ask_duration": N_("Dauer"),
    "ask_language": N_("Deutsch lernen und Sprachkurse"),
    "ask_work_while_learning": N_("Arbeiten und lernen"),
    "ask_residence": N_("Aufenthalt und Ausbildung"),
    "change_language": N_("Sprache wechseln"),
    "show_my_data": N_("Was weißt du über mich?"),
    "delete_my_data": N_("Meine Daten löschen"),
    "start_over": N_("Neu anfangen"),
    "request_counsellor": PERSON,
}
PAYLOADS = {"start_over": "/restart"}
"""Where a guess's button is not its intent: starting over from a button is Rasa's own ``/restart``."""


def _ranking(tracker: Tracker) -> list[tuple[str, float]]:
    """The intents of the latest message, most likely first (without ``nlu_fallback``)."""
    message = tracker.latest_message or {}
    ranking = message.get("intent_ranking") or [message.get("intent") or {}]
    found = [
        (str(i.get("name")), float(i.get("confidence") or 0.0))
        for i in ranking
        if isinstance(i, dict) and i.get("name") and i.get("name") != "nlu_fallback"
    ]
    return sorted(found, key=lambda ranked: -ranked[1])


def is_sure(tracker: Tracker) -> bool:
    """Whether the latest message may change or delete something without asking first.

    A pressed button or a command always may; typed text only when its intent was recognised
    with high confidence and clearly ahead of the next guess.
    """
    if input_kind(tracker) != "text":
        return True
    intent = (tracker.latest_message or {}).get("intent") or {}
    confidence = float(intent.get("confidence") or 0.0)
    others = [c for name, c in _ranking(tracker) if name != intent.get("name")]
    return confidence >= HIGH_CONFIDENCE and confidence - max(others, default=0.0) >= HIGH_MARGIN


def _label(intent: str, language: str) -> str | None:
    if intent in LABELS:
        return translate(language, LABELS[intent])
    route = intent.removeprefix("ask_")
    if route in ROUTE_IDS:
        return translate(language, next(r.name for r in load_knowledge().routes if r.id == route))
    return None


def guesses(tracker: Tracker, first: str | None = None) -> list[dict[str, str]]:
    """Buttons for the most likely meanings (``first`` in front), and "talk to a person"."""
    language = language_of(tracker)
    route = next(tracker.get_latest_entity_values("route"), None)
    buttons: list[dict[str, str]] = []
    for intent in offered(_ranking(tracker), first):
        if intent == "request_counsellor":
            buttons.append({"title": translate(language, PERSON), "payload": "/request_counsellor"})
            continue
        entities = (
            {"route": route} if route in ROUTE_IDS and intent in {"ask_costs", "ask_duration", "ask_funding"} else {}
        )
        payload = PAYLOADS.get(intent, f"/{intent}") + (json.dumps(entities) if entities else "")
        if intent == "change_language":
            named = next(tracker.get_latest_entity_values("language"), None)
            payload = "/change_language" + (json.dumps({"language": named}) if named else "")
        buttons.append({"title": _label(intent, language) or intent, "payload": payload})
    return buttons


def ask_back(dispatcher: CollectingDispatcher, tracker: Tracker, first: str | None = None, text: str = "") -> None:
    """ "Meinst du …?" (or ``text``) with the best guesses as buttons."""
    text = text or (ASK_BACK_UNSURE if first else ASK_BACK)
    dispatcher.utter_message(text=translate(language_of(tracker), text), buttons=guesses(tracker, first))
    logger.info("understanding.ask_back", guarded=first or "")


class ActionAskBack(Action):
    """Not sure what the person means: ask back with the best guesses."""

    def name(self) -> str:
        return "action_ask_back"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        message, ranking = tracker.latest_message.get("text") or "", _ranking(tracker)
        explained = term_answer(tracker)
        if explained is None and answers_named_route(ranking, message, question_index()):
            # the model is unsure, but the words name one route ("Când am nevoie de recunoaşterea
            # calificărilor mele?"): answer that route (and the aspect the words ask about)
            explained = compose_answer(tracker)
        if explained is not None:
            answer, buttons, route_id = explained
            dispatcher.utter_message(text=answer, buttons=buttons)
            return [SlotSet("current_route", route_id)] if route_id else []
        best = ranking[0][0] if ranking else ""
        if is_short_small_talk(best, message):
            dispatcher.utter_message(response=SMALL_TALK[best])
            return []
        if best == "out_of_scope":
            if not refer(dispatcher, tracker):  # "Vizemi nasıl alabilirim?" names whose it is
                ask_back(dispatcher, tracker, text=NOT_MINE_UNSURE)
            return []
        if refer_before_guessing(ranking, message, referral_index()):
            # "… Aufenthaltserlaubnis nach § 25b … Einbürgerung?": who answers it, then the guesses
            refer(dispatcher, tracker, buttons=False)
        ask_back(dispatcher, tracker)
        return []


class ActionRestartWhenSure(Action):
    """``start_over`` typed ("neu anfangen"): start over — only when surely meant. (A button's
    ``/restart`` is Rasa's own restart intent and restarts at once.)"""

    def name(self) -> str:
        return "action_restart_when_sure"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if not is_sure(tracker):
            ask_back(dispatcher, tracker, first="start_over")
            return []
        dispatcher.utter_message(response="utter_restart")
        return [Restarted()]
