"""The triage: a Rasa form that asks for the profile (DESIGN.md's slots), and the recommendation.

Habits of the best Rasa demos, for users who read little: every question has buttons where the
answer is a choice; "Warum fragst du?" explains the question being asked; after two answers
that were not understood comes an explanation and the offer to skip; side questions are
answered and the form goes on; "neu starten" restarts.
"""

from __future__ import annotations

import asyncio
import json
import re
from abc import ABC, abstractmethod
from functools import lru_cache
from typing import Any

import structlog
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import ROUTE_INTENTS, TOPIC_INTENTS, compose_answer, office_line
from actions.formatting import bullet_list, fact_text, phone_messages
from actions.story import CORRECTED_SLOT
from actions.tracker import language_of
from bot.i18n import N_, directed, translate, translate_plural
from bot.leads.store import DatabaseUnavailable
from bot.plan import PLAN_LINK, PLAN_LINK_GERMAN, plan_message, plan_url, plan_views, save_plan
from bot.settings import get_settings
from knowledge.loader import load_knowledge, read_answer_words
from knowledge.numbers import is_unknown, parse_age, parse_years
from knowledge.triage import (
    Profile,
    find_occupation,
    jobcenter_for,
    longest_match,
    notes,
    phrase,
    recommend_routes,
)

logger = structlog.get_logger(__name__)

FORM = "triage_form"
FAILURES_SLOT = "triage_failures"
SKIPPED_SLOT = "triage_skipped"
SLOTS = (
    "age",
    "qualification",
    "unskilled_years",
    "occupation",
    "training_years",
    "experience_years",
    "status",
    "german_level",
    "residence",
    "needs_part_time",
)
NOT_SKIPPABLE = {"qualification"}
SIDE_QUESTION_CONFIDENCE = 0.6
"""An answer that is not understood counts as a side question only when the NLU is this sure
(and it is a button, has a question mark or more than one word: "blau" is no question)."""

WHY = {
    "age": N_(
        "Die Validierung gibt es erst ab 25, und die meisten Teilqualifikationen sind für Erwachsene. "
        "Unter 25 ist eine Ausbildung oft der beste Weg."
    ),
    "qualification": N_(
        "Mit einem Abschluss aus dem Ausland kannst du ihn anerkennen lassen. Ohne Abschluss "
        "gibt es andere Wege und oft Geld von der Agentur für Arbeit."
    ),
    "unskilled_years": N_(
        "Wer mehr als 4 Jahre ohne Fachausbildung gearbeitet hat, zählt bei der Förderung wie "
        "jemand ohne Abschluss. Zeiten ohne Arbeit, mit Kindern oder mit der Pflege von "
        "Angehörigen zählen mit. Dann kann die Agentur für Arbeit einen neuen Abschluss bezahlen."
    ),
    "occupation": N_(
        "Jeder Beruf hat eine eigene Ausbildungsdauer. Daran sehe ich, ob deine Erfahrung für die "
        "Externenprüfung reicht."
    ),
    "training_years": N_(
        "Für die Externenprüfung brauchst du das 1,5-fache der normalen Ausbildungszeit als Berufserfahrung."
    ),
    "experience_years": N_(
        "Wenn du lange genug in dem Beruf gearbeitet hast, kannst du die Prüfung ohne "
        "Ausbildung machen. Arbeit im Ausland zählt mit."
    ),
    "status": N_("Je nachdem, ob du arbeitest oder arbeitslos bist, hilft jemand anderes und es gibt anderes Geld."),
    "german_level": N_("Kurse und Prüfungen sind auf Deutsch. Ich sage dir, welcher Deutschkurs passt."),
    "residence": N_("So finde ich das richtige Jobcenter und die Stellen in deiner Nähe."),
    "needs_part_time": N_("Ausbildung und Teilqualifikationen gehen auch in Teilzeit, zum Beispiel mit Kindern."),
}
HINTS = {
    "age": N_("Schreib bitte dein Alter als Zahl, zum Beispiel 27."),
    "qualification": N_("Tippe bitte auf eine der Tasten."),
    "unskilled_years": N_("Schreib bitte eine Zahl, zum Beispiel 3 oder 5,5."),
    "occupation": N_("Schreib bitte den Beruf mit einem Wort, zum Beispiel Koch, Lager oder Verkauf."),
    "training_years": N_("Schreib bitte eine Zahl, zum Beispiel 3 oder 3,5."),
    "experience_years": N_("Schreib bitte eine Zahl, zum Beispiel 4,5 – oder „seit 2019“."),
    "status": N_("Tippe bitte auf eine der Tasten."),
    "german_level": N_("Tippe bitte auf eine der Tasten."),
    "residence": N_("Tippe bitte auf eine der Tasten."),
    "needs_part_time": N_("Tippe bitte auf Ja oder Nein."),
}
NOT_UNDERSTOOD = N_("Das habe ich nicht verstanden.")
LAW_LINE = N_("Rechtsgrundlage: {law} – {rule}")
"""A rule behind a recommendation: the paragraph stays German ("§ 45 Abs. 2 BBiG"), the rule is translated."""
GO_ON = N_("Sollen wir weitermachen? Du kannst die Frage auch überspringen oder neu anfangen.")
SKIP = N_("Überspringen")
RESTART = N_("Neu anfangen")
COUNSELLOR = N_("Beratung anfragen")

# What people write for the choices (German, English, some everyday mixes); lowercase. Every other
# language: knowledge/data/answer_words/<lang>.yml.
CHOICES: dict[str, dict[str, tuple[str, ...]]] = {
    "qualification": {
        "foreign": ("ausland", "ausländisch", "abroad", "foreign", "diplom", "ukraine", "syrien", "heimat"),
        "incomplete": ("abgebrochen", "angefangen", "nicht fertig", "not finished", "dropped", "incomplete"),
        "german": ("deutsch", "in deutschland", "german", "ja", "yes", "gesellenbrief", "facharbeiter"),
        "none": ("nein", "keinen", "keine", "kein", "no", "none", "ohne", "never"),
    },
    "status": {
        "temp_agency": ("zeitarbeit", "leiharbeit", "temp", "agency"),
        "self_employed": (
            "selbstständig",
            "selbständig",
            "selbststandig",
            "self-employed",
            "self employed",
            "freelance",
        ),
        "unemployed": (
            "arbeitslos",
            "ohne arbeit",
            "keine arbeit",
            "jobcenter",
            "bürgergeld",
            "unemployed",
            "no job",
            "jobless",
        ),
        "in_school": ("schule", "schüler", "school", "student", "studium"),
        "employed": ("arbeite", "job", "angestellt", "beschäftigt", "work", "employed", "minijob"),
        "other": ("anderes", "sonstiges", "elternzeit", "other", "something else"),
    },
    "german_level": {
        "c1": ("c1", "c2", "sehr gut", "fließend", "muttersprache", "fluent", "native"),
        "b2": ("b2", "gut", "good"),
        "b1": ("b1", "mittel", "okay", "ok", "medium"),
        "a2": ("a2", "ein bisschen", "bisschen", "a little"),
        "a1": ("a1", "wenig", "anfänger", "beginner"),
        "none": ("kaum", "gar nicht", "kein deutsch", "nichts", "none", "not at all", "no german"),
    },
    "residence": {
        "schwerin": ("schwerin",),
        "nordwestmecklenburg": ("nordwestmecklenburg", "nwm", "wismar", "grevesmühlen", "gadebusch", "rehna"),
        "ludwigslust_parchim": ("ludwigslust", "parchim", "hagenow", "lübz", "sternberg", "boizenburg", "lup"),
        "other": ("woanders", "anders", "elsewhere", "other", "berlin", "hamburg", "rostock"),
    },
    "needs_part_time": {
        "true": ("ja", "yes", "teilzeit", "part-time", "part time", "kinder", "kind", "pflege"),
        "false": ("nein", "no", "vollzeit", "full-time", "full time", "nicht nötig"),
    },
}


@lru_cache(maxsize=1)
def choice_words() -> dict[str, dict[str, tuple[str, ...]]]:
    """``CHOICES`` plus the words of every further language (``knowledge/data/answer_words/``),
    folded as answers are."""
    merged = {slot: {value: list(words) for value, words in values.items()} for slot, values in CHOICES.items()}
    for language, slots in read_answer_words().items():
        for slot, values in slots.items():
            for value, words in values.items():
                if slot not in merged or value not in merged[slot]:
                    raise ValueError(f"answer_words/{language}.yml: unknown choice {slot}.{value}")
                merged[slot][value].extend(words)
    return {
        slot: {value: tuple(dict.fromkeys(phrase(w) for w in words if w.strip())) for value, words in values.items()}
        for slot, values in merged.items()
    }


def choose(slot: str, text: str) -> str | None:
    """The choice a free-text answer names, by keyword (longest keyword wins), in any language."""
    return longest_match(text, ((word, value) for value, words in choice_words()[slot].items() for word in words))


def _buttons(language: str, slot: str) -> list[dict[str, str]]:
    buttons = [{"title": translate(language, N_("Warum fragst du?")), "payload": "/help"}]
    if slot not in NOT_SKIPPABLE:
        buttons.append({"title": translate(language, SKIP), "payload": '/inform{"skip": true}'})
    return buttons


class ValidateTriageForm(FormValidationAction):
    """Read every triage answer, count what was not understood, skip on request."""

    def name(self) -> str:
        return "validate_triage_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        skipped = set(tracker.get_slot(SKIPPED_SLOT) or [])
        needed = ["age", "qualification"]
        if tracker.get_slot("qualification") == "german":
            needed.append("unskilled_years")
        needed.append("occupation")
        if tracker.get_slot("occupation") and "occupation" not in skipped:
            needed += ["training_years", "experience_years"]
        needed += ["status", "german_level", "residence", "needs_part_time"]
        return [slot for slot in needed if slot not in skipped]

    def _entity(self, tracker: Tracker, name: str) -> Any:
        return next(tracker.get_latest_entity_values(name), None)

    def _failed(self, slot: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        language = language_of(tracker)
        understood = tracker.latest_message.get("intent") or {}
        said = (tracker.latest_message.get("text") or "").strip()
        sure = (understood.get("confidence") or 0) >= SIDE_QUESTION_CONFIDENCE
        question_like = said.startswith("/") or "?" in said or len(said.split()) >= 2
        intent = understood.get("name") if sure and question_like else None
        if intent in ROUTE_INTENTS or intent in TOPIC_INTENTS:
            # a side question: answer it, then the form asks its question again
            text, _buttons, route_id = compose_answer(tracker)
            dispatcher.utter_message(text=text)
            return {slot: None, "current_route": route_id or tracker.get_slot("current_route")}
        if intent == "help":
            dispatcher.utter_message(text=translate(language, WHY[slot]))
            return {slot: None}
        if intent == "bot_challenge":
            dispatcher.utter_message(response="utter_bot_challenge")
            return {slot: None}
        failures = int(tracker.get_slot(FAILURES_SLOT) or 0) + 1
        if failures >= 2:
            text = "\n\n".join(
                [translate(language, NOT_UNDERSTOOD), translate(language, WHY[slot]), translate(language, GO_ON)]
            )
            buttons = [{"title": translate(language, RESTART), "payload": "/restart"}]
            if slot not in NOT_SKIPPABLE:
                buttons.insert(0, {"title": translate(language, SKIP), "payload": '/inform{"skip": true}'})
            dispatcher.utter_message(text=directed(language, text), buttons=buttons)
        else:
            dispatcher.utter_message(text=f"{translate(language, NOT_UNDERSTOOD)} {translate(language, HINTS[slot])}")
        return {slot: None, FAILURES_SLOT: failures}

    @staticmethod
    def _only_a_correction(slot: str, tracker: Tracker) -> bool:
        """ "nein, 8 Jahre" right after Lotse said what it read from a story corrects that story
        (``actions/story.py``); it is no answer to the question being asked."""
        corrected = tracker.get_slot(CORRECTED_SLOT) or []
        return bool(corrected) and slot not in corrected and slot == tracker.get_slot("requested_slot")

    def _skip(self, slot: str, tracker: Tracker) -> dict[str, Any] | None:
        wants_skip = self._entity(tracker, "skip") is not None or is_unknown(tracker.latest_message.get("text") or "")
        if not wants_skip or slot in NOT_SKIPPABLE:
            return None
        skipped = list(tracker.get_slot(SKIPPED_SLOT) or [])
        if slot not in skipped:
            skipped.append(slot)
        return {slot: None, SKIPPED_SLOT: skipped, FAILURES_SLOT: 0}

    def _ok(self, slot: str, value: Any, **more: Any) -> dict[str, Any]:
        return {slot: value, FAILURES_SLOT: 0, **more}

    def _text(self, value: Any) -> str:
        return value if isinstance(value, str) else str(value or "")

    def _number(
        self,
        slot: str,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        parse: Any,
        low: float,
        high: float,
    ) -> dict[str, Any]:
        if self._only_a_correction(slot, tracker):
            return {slot: None}
        skipped = self._skip(slot, tracker)
        if skipped is not None:
            return skipped
        entity = self._entity(tracker, slot)
        number = float(entity) if isinstance(entity, (int, float)) else parse(self._text(value))
        if number is None or not low <= number <= high:
            return self._failed(slot, dispatcher, tracker)
        return self._ok(slot, int(number) if slot == "age" else float(number))

    def _choice(self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        if self._only_a_correction(slot, tracker):
            return {slot: None}
        skipped = self._skip(slot, tracker)
        if skipped is not None:
            return skipped
        entity = self._entity(tracker, slot)
        chosen = str(entity).lower() if entity is not None else choose(slot, self._text(value))
        if chosen not in CHOICES[slot]:
            return self._failed(slot, dispatcher, tracker)
        if slot == "needs_part_time":
            return self._ok(slot, chosen == "true")
        return self._ok(slot, chosen)

    async def validate_age(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._number("age", value, dispatcher, tracker, parse_age, 14, 99)

    async def validate_unskilled_years(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._number("unskilled_years", value, dispatcher, tracker, parse_years, 0, 60)

    async def validate_training_years(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._number("training_years", value, dispatcher, tracker, parse_years, 1, 4)

    async def validate_experience_years(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._number("experience_years", value, dispatcher, tracker, parse_years, 0, 60)

    async def validate_qualification(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._choice("qualification", value, dispatcher, tracker)

    async def validate_status(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._choice("status", value, dispatcher, tracker)

    async def validate_german_level(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._choice("german_level", value, dispatcher, tracker)

    async def validate_residence(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._choice("residence", value, dispatcher, tracker)

    async def validate_needs_part_time(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._choice("needs_part_time", value, dispatcher, tracker)

    async def validate_occupation(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if self._only_a_correction("occupation", tracker):
            return {"occupation": None}
        skipped = self._skip("occupation", tracker)
        if skipped is not None:
            return skipped
        text = self._text(value).strip()
        if text.startswith("/") or len(text) < 2 or not re.search(r"[^\W\d_]{2}", text):
            return self._failed("occupation", dispatcher, tracker)
        occupation = find_occupation(text, load_knowledge().occupations)
        if occupation is None:
            return self._ok("occupation", text[:80])
        return self._ok("occupation", occupation.name, training_years=occupation.training_years)


class ActionExplainQuestion(Action):
    """ "Warum fragst du?": why the question being asked matters."""

    def name(self) -> str:
        return "action_explain_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        slot = tracker.get_slot("requested_slot")
        if slot in WHY:
            dispatcher.utter_message(text=translate(language_of(tracker), WHY[slot]))
        else:
            dispatcher.utter_message(response="utter_help")
        return []


class ActionAskTriageQuestion(Action, ABC):
    """Base for ``action_ask_<slot>``: the question, with "why?" and "skip" buttons."""

    slot = ""
    question = ""
    choices: tuple[tuple[str, Any], ...] = ()

    @abstractmethod
    def name(self) -> str:
        """``action_ask_<slot>``."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        language = language_of(tracker)
        buttons = [
            {"title": translate(language, title), "payload": "/inform" + json.dumps({self.slot: value})}
            for title, value in self.choices
        ]
        buttons += _buttons(language, self.slot)
        dispatcher.utter_message(text=translate(language, self.question), buttons=buttons)
        return []


def _ask(slot: str, question: str, choices: tuple[tuple[str, Any], ...] = ()) -> type[ActionAskTriageQuestion]:
    return type(
        f"ActionAsk{''.join(p.title() for p in slot.split('_'))}",
        (ActionAskTriageQuestion,),
        {
            "slot": slot,
            "question": question,
            "choices": choices,
            "__module__": __name__,
            "name": lambda self: f"action_ask_{self.slot}",
        },
    )


ActionAskAge = _ask("age", N_("Wie alt bist du?"))
ActionAskQualification = _ask(
    "qualification",
    N_("Hast du schon einen Berufsabschluss?"),
    (
        (N_("Nein, keinen"), "none"),
        (N_("Ja, aus Deutschland"), "german"),
        (N_("Ja, aus dem Ausland"), "foreign"),
        (N_("Angefangen, nicht fertig"), "incomplete"),
    ),
)
ActionAskUnskilledYears = _ask(
    "unskilled_years",
    N_(
        "Wie viele Jahre hast du seitdem ohne Fachausbildung gearbeitet, zum Beispiel als Helfer? "
        "Zeiten ohne Arbeit, mit Kindern oder mit der Pflege von Angehörigen zählen mit."
    ),
)
ActionAskOccupation = _ask(
    "occupation",
    N_(
        "In welchem Beruf hast du gearbeitet – oder in welchem möchtest du einen Abschluss? "
        "Schreib es einfach, zum Beispiel „Koch“ oder „Lager“."
    ),
)
ActionAskTrainingYears = _ask(
    "training_years",
    N_("Diesen Beruf kenne ich noch nicht. Wie lange dauert die Ausbildung darin normalerweise?"),
    ((N_("2 Jahre"), 2), (N_("3 Jahre"), 3), (N_("3,5 Jahre"), 3.5)),
)
ActionAskExperienceYears = _ask(
    "experience_years",
    N_(
        "Wie viele Jahre hast du in diesem Beruf gearbeitet? Zähl in Vollzeit, Arbeit im Ausland zählt mit. "
        "Zum Beispiel „4,5“ oder „seit 2019“."
    ),
)
ActionAskStatus = _ask(
    "status",
    N_("Was machst du gerade?"),
    (
        (N_("Ich bin arbeitslos"), "unemployed"),
        (N_("Ich arbeite"), "employed"),
        (N_("Zeitarbeit"), "temp_agency"),
        (N_("Selbstständig"), "self_employed"),
        (N_("Schule"), "in_school"),
        (N_("Etwas anderes"), "other"),
    ),
)
ActionAskGermanLevel = _ask(
    "german_level",
    N_("Wie gut ist dein Deutsch?"),
    ((N_("Kaum"), "none"), ("A1", "a1"), ("A2", "a2"), ("B1", "b1"), ("B2", "b2"), (N_("C1 oder besser"), "c1")),
)
ActionAskResidence = _ask(
    "residence",
    N_("Wo wohnst du?"),
    (
        ("Schwerin", "schwerin"),
        ("Nordwestmecklenburg", "nordwestmecklenburg"),
        ("Ludwigslust-Parchim", "ludwigslust_parchim"),
        (N_("Woanders"), "other"),
    ),
)
ActionAskNeedsPartTime = _ask(
    "needs_part_time",
    N_("Brauchst du Teilzeit, zum Beispiel wegen Kindern oder Pflege?"),
    ((N_("Ja"), "true"), (N_("Nein"), "false")),
)


def profile_from(tracker: Tracker) -> Profile:
    """The triage slots as a ``Profile`` (values that do not fit are left out)."""

    def number(slot: str) -> float | None:
        value = tracker.get_slot(slot)
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    def choice(slot: str) -> Any:
        value = tracker.get_slot(slot)
        return value if value in CHOICES.get(slot, {}) else None

    age = number("age")
    part_time = tracker.get_slot("needs_part_time")
    return Profile(
        age=int(age) if age is not None else None,
        qualification=choice("qualification"),
        unskilled_years=number("unskilled_years"),
        occupation=tracker.get_slot("occupation") if isinstance(tracker.get_slot("occupation"), str) else None,
        training_years=number("training_years"),
        experience_years=number("experience_years"),
        status=choice("status"),
        german_level=choice("german_level"),
        residence=choice("residence"),
        needs_part_time=part_time if isinstance(part_time, bool) else None,
    )


async def _send_plan(dispatcher: CollectingDispatcher, tracker: Tracker, language: str, profile: Profile) -> None:
    """Mein Plan: store it and send its link; in Telegram the plan itself too (both languages).
    Without the database the recommendation still stands, only the link is missing."""
    try:
        token = await asyncio.to_thread(save_plan, None, tracker.sender_id, language, profile)
    except DatabaseUnavailable as error:
        logger.error("plan.not_saved", error=type(error).__name__)
        return
    url = plan_url(get_settings().public_url, token)
    link = PLAN_LINK_GERMAN if language.startswith("de") else PLAN_LINK
    dispatcher.utter_message(text=translate(language, link, url=url))
    if (tracker.sender_id or "").startswith("tg:"):
        dispatcher.utter_message(text=plan_message(plan_views(profile, language, load_knowledge())))


class ActionRecommendRoutes(Action):
    """Tell the person which routes fit, why, what to do next and who helps."""

    def name(self) -> str:
        return "action_recommend_routes"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        knowledge = load_knowledge()
        language = language_of(tracker)
        profile = profile_from(tracker)
        found = recommend_routes(profile, knowledge.occupations, knowledge.rules)
        names: dict[str, str] = {r.id: translate(language, r.name) for r in knowledge.routes}
        best = found[0]
        lines = [translate(language, N_("Das passt am besten zu dir: {route}"), route=names[best.route])]
        lines += [translate(language, t.msgid, **t.values) for t in best.reasons]
        occupation = find_occupation(profile.occupation, knowledge.occupations)
        if occupation is not None and occupation.note is not None:
            lines.append(fact_text(occupation.note, language, knowledge))
        laws = [
            translate(language, LAW_LINE, law=knowledge.rule(r).law, rule=translate(language, knowledge.rule(r).text))
            for r in best.rules
        ]
        if laws:
            lines.append("\n".join(laws))
        for part in phone_messages(directed(language, "\n\n".join(lines))):
            dispatcher.utter_message(text=part)
        steps = [translate(language, t.msgid, **t.values) for t in best.next_steps]
        text = translate(language, N_("So geht es weiter:")) + "\n" + bullet_list(steps)
        offices = list(best.offices)
        jobcenter = jobcenter_for(profile.residence)
        if jobcenter and profile.status in ("unemployed", None):
            offices.append(jobcenter)
        text += (
            "\n\n"
            + translate(language, N_("Wer hilft:"))
            + "\n"
            + bullet_list([office_line(o, language, knowledge) for o in offices[:3]])
        )
        documents = {d.id: d for d in knowledge.documents}
        text += (
            "\n\n"
            + translate(language, N_("Das bringst du mit:"))
            + "\n"
            + bullet_list([translate(language, documents[d].text) for d in best.documents])
        )
        for part in phone_messages(directed(language, text)):
            dispatcher.utter_message(text=part)
        others = found[1:3]
        if others:
            dispatcher.utter_message(
                text=translate_plural(
                    language,
                    "Auch dieser Weg ist möglich: {routes}",
                    "Auch diese Wege sind möglich: {routes}",
                    len(others),
                    routes=", ".join(names[r.route] for r in others),
                )
            )
        for note in notes(profile):
            dispatcher.utter_message(text=translate(language, note.msgid, **note.values))
        await _send_plan(dispatcher, tracker, language, profile)
        buttons = [{"title": translate(language, COUNSELLOR), "payload": "/request_counsellor"}]
        buttons += [{"title": names[r.route], "payload": f"/ask_{r.route}"} for r in found[:3]]
        buttons.append({"title": translate(language, RESTART), "payload": "/restart"})
        dispatcher.utter_message(text=translate(language, N_("Willst du mehr zu einem Weg wissen?")), buttons=buttons)
        return [SlotSet("recommended_routes", [r.route for r in found])]
