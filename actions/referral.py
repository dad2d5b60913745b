"""Questions outside Lotse's field get an honest "that I cannot answer — here is who can".

``action_refer_elsewhere`` answers ``out_of_scope``: when the words name a topic another office
answers (visa, studies, pension, citizenship, Wohngeld, another city — ``knowledge/referrals.py``),
it names that office and what it does, in the person's language; otherwise the general
``utter_out_of_scope``. Both offer a person and the help. The ask-back (``actions/understanding.py``)
refers too when the model's best, if unsure, guess is ``out_of_scope`` and the words name a topic.

A message whose words name exactly one of our routes is about our field unless the model is sure
it is not (``bot.understanding.SURE_OUT_OF_SCOPE``): "Cum vă puteți echivala studiile?" names the Anerkennung, and
gets its answer rather than "that I cannot answer".
"""

from __future__ import annotations

from functools import lru_cache

import structlog
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import compose_answer, office_line, question_index
from actions.formatting import bullet_list, phone_messages
from actions.responses import HELP_BUTTON, PERSON_BUTTON
from actions.tracker import language_of
from bot.i18n import N_, directed, translate
from bot.understanding import route_instead_of_out_of_scope
from knowledge.loader import DATA_DIR, load_knowledge
from knowledge.referrals import Referral, ReferralIndex, read_referral_words, read_referrals

logger = structlog.get_logger(__name__)

# TRANSLATORS: the offices follow as a list, each with what it does and its web page.
NOT_MINE = N_("Das kann ich dir leider nicht beantworten. Dafür ist eine andere Stelle zuständig:")
ALSO_A_PERSON = N_("Eine Beraterin oder ein Berater hilft dir auch gern weiter.")


@lru_cache(maxsize=1)
def referral_index() -> ReferralIndex:
    """Every language's words for the out-of-scope topics (compiled once)."""
    return ReferralIndex(read_referral_words(DATA_DIR), question_index())


@lru_cache(maxsize=1)
def referrals() -> dict[str, Referral]:
    """Topic → the offices that answer it."""
    return read_referrals(DATA_DIR)


def referral_text(topic: str, language: str, person: bool = True) -> str:
    """Who answers ``topic``: the offices, each in one line, in ``language`` (and, with ``person``,
    that a counsellor helps too)."""
    knowledge = load_knowledge()
    lines = [office_line(office, language, knowledge) for office in referrals()[topic].offices]
    parts = [translate(language, NOT_MINE) + "\n" + bullet_list(lines)]
    if person:
        parts.append(translate(language, ALSO_A_PERSON))
    return "\n\n".join(parts)


def refer(dispatcher: CollectingDispatcher, tracker: Tracker, buttons: bool = True) -> bool:
    """Name who answers the latest message's topic, if its words name one; whether it did. With
    ``buttons``, a person and the help are offered below (without: the caller offers its own)."""
    topic = referral_index().topic(tracker.latest_message.get("text") or "")
    if topic is None:
        return False
    language = language_of(tracker)
    offer = [{"title": translate(language, b.title), "payload": b.payload} for b in (PERSON_BUTTON, HELP_BUTTON)]
    # without buttons the caller asks back next, with "talk to a person" among its buttons
    *first, last = phone_messages(directed(language, referral_text(topic, language, person=buttons)))
    for part in first:
        dispatcher.utter_message(text=part)
    dispatcher.utter_message(text=last, buttons=offer if buttons else [])
    logger.info("understanding.referred", topic=topic)
    return True


class ActionReferElsewhere(Action):
    """Out of Lotse's field: name who can answer it, or say honestly that Lotse cannot."""

    def name(self) -> str:
        return "action_refer_elsewhere"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if refer(dispatcher, tracker):
            return []
        confidence = float((tracker.latest_message.get("intent") or {}).get("confidence") or 0.0)
        text = tracker.latest_message.get("text") or ""
        if route_instead_of_out_of_scope(confidence, text, question_index(), referral_index()):
            answer, buttons, route_id = compose_answer(tracker)
            dispatcher.utter_message(text=answer, buttons=buttons)
            logger.info("understanding.route_named", route=route_id)
            return [SlotSet("current_route", route_id)] if route_id else []
        dispatcher.utter_message(response="utter_out_of_scope")
        return []
