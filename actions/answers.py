"""Answers to questions about the routes and cross-route topics, sized for a phone.

One action, ``action_answer``, answers every ``ask_*`` intent: a short first message and buttons
to go deeper (requirements, costs, duration, who helps, documents, check my situation).

- **Route × aspect.** A question is answered for the route it names — a button's entity, the
  intent, or the words people use for it in any language (``knowledge/data/question_words/``)
  — and for the aspect it asks about ("Was kostet die Anerkennung?" → the costs of Anerkennung,
  whichever of the two the model picked). A follow-up without a route ("und was kostet das?")
  is about the route talked about last (slot ``current_route``).
- **Terms.** "What is X?" about a German term of the glossary, in any language, is answered with
  its explanation in the person's language and a button to the route it belongs to (a route's own
  name gets the route's summary).
"""

from __future__ import annotations

import json
from functools import lru_cache

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.formatting import bullet_list, fact_text, phone_messages
from actions.tracker import language_of
from bot.i18n import N_, directed, translate
from bot.understanding import SURE_OF_ROUTE
from knowledge.loader import DATA_DIR, load_knowledge
from knowledge.questions import QuestionIndex, read_question_words
from knowledge.schema import ROUTE_IDS, Knowledge, Route

ROUTE_INTENTS = {f"ask_{route}": route for route in ROUTE_IDS}
TOPIC_INTENTS = {
    "ask_funding": "funding",
    "ask_costs": "costs",
    "ask_duration": "duration",
    "ask_language": "language",
    "ask_work_while_learning": "work_while_learning",
    "ask_residence": "residence",
}
ASPECTS = ("requirements", "costs", "duration", "offices", "documents", "funding")

BUTTON_TITLES = {
    "requirements": N_("Voraussetzungen"),
    "costs": N_("Kosten"),
    "duration": N_("Dauer"),
    "offices": N_("Wer hilft?"),
    "documents": N_("Unterlagen"),
    "funding": N_("Wer bezahlt?"),
    "check": N_("Passt das zu mir?"),
}
HEADINGS = {
    "requirements": N_("Voraussetzungen für: {route}"),
    "costs": N_("Kosten: {route}"),
    "duration": N_("Dauer: {route}"),
    "offices": N_("Hier bekommst du Hilfe ({route}):"),
    "documents": N_("Diese Unterlagen brauchst du ({route}):"),
    "funding": N_("So kann das bezahlt werden ({route}):"),
}


def _payload(intent: str, entities: dict[str, str]) -> str:
    return f"/{intent}{json.dumps(entities)}"


def route_buttons(route: str, language: str, skip: str | None = None) -> list[dict[str, str]]:
    """Buttons to go deeper into one route, and to start the check."""
    buttons = [
        {"title": translate(language, BUTTON_TITLES[aspect]), "payload": _payload(f"ask_{route}", {"aspect": aspect})}
        for aspect in ASPECTS
        if aspect != skip
    ]
    buttons.append({"title": translate(language, BUTTON_TITLES["check"]), "payload": "/start_check"})
    return buttons


def office_line(office_id: str, language: str, knowledge: Knowledge) -> str:
    office = next(o for o in knowledge.offices if o.id == office_id)
    parts = [f"{office.name}: {fact_text(office.responsible_for, language, knowledge)}"]
    contact = ", ".join(p for p in (office.address, office.phone, str(office.website or "")) if p)
    if contact:
        parts.append(contact)
    return " – ".join(parts)


MAX_ITEMS = 3
"""Offices and ways to pay told in full per answer; the others are named, so a phone shows a few
messages, not seven (the data lists them most useful first)."""
ALSO = N_("Auch das kann passen: {names}")


def _also(names: list[str], language: str) -> list[str]:
    return [translate(language, ALSO, names=", ".join(names))] if names else []


def aspect_text(route: Route, aspect: str, language: str, knowledge: Knowledge) -> str:
    """The answer about one aspect of a route."""
    heading = translate(language, HEADINGS[aspect], route=translate(language, route.name))
    if aspect in ("requirements", "costs", "duration"):
        lines = [fact_text(f, language, knowledge) for f in getattr(route, aspect)]
    elif aspect == "offices":
        offices = {o.id: o for o in knowledge.offices}
        lines = [office_line(o, language, knowledge) for o in route.who_helps[:MAX_ITEMS]]
        lines += _also([offices[o].name for o in route.who_helps[MAX_ITEMS:]], language)
    elif aspect == "documents":
        by_id = {d.id: d for d in knowledge.documents}
        lines = [translate(language, by_id[d].text) for d in route.documents]
    else:
        funding = {f.id: f for f in knowledge.funding}
        named = [(translate(language, funding[f].name), funding[f]) for f in route.funding]
        lines = [f"{name}: {fact_text(way.summary, language, knowledge)}" for name, way in named[:MAX_ITEMS]]
        lines += _also([name for name, _ in named[MAX_ITEMS:]], language)
        if not lines:
            lines = [fact_text(next(t for t in knowledge.topics if t.id == "funding").answer[0], language, knowledge)]
    return f"{heading}\n{bullet_list(lines)}"


@lru_cache(maxsize=1)
def question_index() -> QuestionIndex:
    """Every language's words for routes, aspects and "what is", and the glossary (compiled once)."""
    return QuestionIndex(read_question_words(DATA_DIR), load_knowledge().glossary)


def term_answer(tracker: Tracker) -> tuple[str, list[dict[str, str]], str | None] | None:
    """ "What is X?" about a glossary term: its explanation and a button to its route — or, for a
    route's own name ("що таке аусбільдунг?"), the route's summary (and the route, for follow-ups)."""
    term = question_index().asks_about_term(tracker.latest_message.get("text") or "")
    if term is None:
        return None
    knowledge, language = load_knowledge(), language_of(tracker)
    route = next((r for r in knowledge.routes if r.id == term.route), None)
    if route is not None and route.name.split()[0] == term.term.split("/")[0].strip():
        # the term is a route's own name: its summary, with the buttons to go deeper
        text = f"{translate(language, route.name)}: {fact_text(route.summary, language, knowledge)}"
        return directed(language, text), route_buttons(route.id, language), route.id
    answer = f"{term.term}: {fact_text(term.explanation, language, knowledge)}"
    buttons = []
    if route is not None:
        buttons.append({"title": translate(language, route.name), "payload": f"/ask_{route.id}"})
    buttons.append({"title": translate(language, BUTTON_TITLES["check"]), "payload": "/start_check"})
    return directed(language, answer), buttons, None


def _route_entities(tracker: Tracker) -> tuple[str | None, str | None]:
    """The route a button carried (``/ask_costs{"route": "umschulung"}``: no extractor) and the route
    the model read in typed words (DIET's entity) — the first decides, the second is one more word
    naming a route ("Seine Ausbildung wurde nicht anerkannt" names no training to start)."""
    pressed = read = None
    for entity in (tracker.latest_message or {}).get("entities") or []:
        if entity.get("entity") != "route" or entity.get("value") not in ROUTE_IDS:
            continue
        if entity.get("extractor"):
            read = read or str(entity["value"])
        else:
            pressed = pressed or str(entity["value"])
    return pressed, read


def compose_answer(tracker: Tracker) -> tuple[str, list[dict[str, str]], str | None]:
    """The answer to the latest question: text, buttons, and the route it was about (if any)."""
    knowledge = load_knowledge()
    language = language_of(tracker)
    intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
    text = tracker.latest_message.get("text") or ""
    topic = TOPIC_INTENTS.get(intent)
    pressed_route, read_route = _route_entities(tracker)
    pressed = next(tracker.get_latest_entity_values("aspect"), None)
    subject = question_index().subject(
        text,
        intent_route=ROUTE_INTENTS.get(intent),
        topic=topic,
        named_route=pressed_route,
        read_route=read_route,
        pressed_aspect=pressed,
        current_route=tracker.get_slot("current_route"),
        sure=float((tracker.latest_message.get("intent") or {}).get("confidence") or 0.0) >= SURE_OF_ROUTE,
    )
    route_id, aspect = subject.route, subject.aspect
    routes: dict[str, Route] = {r.id: r for r in knowledge.routes}

    if route_id is not None:
        route = routes[route_id]
        if aspect in ASPECTS:
            text = aspect_text(route, aspect, language, knowledge)
        else:
            text = f"{translate(language, route.name)}: {fact_text(route.summary, language, knowledge)}"
        return directed(language, text), route_buttons(route_id, language, skip=aspect), route_id

    topic_data = next(t for t in knowledge.topics if t.id == (topic or "funding"))
    lines = [fact_text(f, language, knowledge) for f in topic_data.answer]
    offices = [office_line(o, language, knowledge) for o in topic_data.who_helps]
    text = "\n\n".join(lines)
    if offices:
        text += "\n\n" + translate(language, N_("Wer hilft:")) + "\n" + bullet_list(offices)
    buttons = [{"title": translate(language, routes[r].name), "payload": f"/ask_{r}"} for r in ROUTE_IDS]
    buttons.append({"title": translate(language, BUTTON_TITLES["check"]), "payload": "/start_check"})
    return directed(language, text), buttons, None


class ActionAnswer(Action):
    """Answer a question about a route or a topic, with buttons to go deeper."""

    def name(self) -> str:
        return "action_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        text, buttons, route_id = term_answer(tracker) or compose_answer(tracker)
        *first, last = phone_messages(text)
        for part in first:
            dispatcher.utter_message(text=part)
        dispatcher.utter_message(text=last, buttons=buttons)
        return [SlotSet("current_route", route_id)] if route_id else []
