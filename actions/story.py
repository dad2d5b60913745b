"""A whole story in one message fills the check at once (issue 11).

"Guten Abend, ich bin 31, war in Kabul 9 Jahre Elektriker, habe aber kein Papier darüber" tells
the age, the occupation and the years of work. ``knowledge.story`` reads them in every language;
here they become the triage slots (DESIGN.md's names) right after the message arrives — this runs
inside ``action_validate_slot_mappings``, which Rasa calls after every user message, so it
costs no extra round trip. Lotse says in one line what it understood; the check then asks
only what is still missing (the form skips filled slots, ``validate_triage_form`` checks them).

A correction in words right after that line ("nein, 8 Jahre", "ні, мені 32") changes the facts
it names, and is not taken as the answer to the question the check is asking.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.tracker import input_kind
from bot.i18n import N_, Years, translate, translate_plural
from knowledge.loader import DATA_DIR, load_knowledge
from knowledge.story import Story, StoryWords, is_correction, read_story, read_story_words

READ_SLOT = "story_read"
"""The facts read from the previous message (a list), so that a correction can follow."""
CORRECTED_SLOT = "story_corrected"
"""The slots a correction changed in this turn: the check does not take the message as an answer."""
TRIAGE_FORM = "triage_form"

UNDERSTOOD = N_(
    "Ich habe verstanden: {facts}. Wenn etwas nicht stimmt, schreib es mir einfach – zum Beispiel „nein, 8 Jahre“."
)
CORRECTED = N_("Danke, ich habe es geändert: {facts}.")
EXPERIENCE = N_("{years} Berufserfahrung")
GERMAN = N_("Deutsch {level}")
CHECK = N_("Welcher Weg passt zu mir?")


@lru_cache(maxsize=1)
def story_words() -> StoryWords:
    """The words around numbers, read once."""
    return read_story_words(DATA_DIR)


def _slots(story: Story) -> dict[str, Any]:
    """The triage slots the story fills (DESIGN.md's names)."""
    slots: dict[str, Any] = {}
    if story.age is not None:
        slots["age"] = story.age
    if story.occupation is not None:
        slots["occupation"] = story.occupation.name
        slots["training_years"] = story.occupation.training_years
    elif story.profession is not None:  # a teacher, a doctor: kept as text, as the form keeps what it does not know
        slots["occupation"] = story.profession
        slots["training_years"] = None
    if story.experience_years is not None:
        slots["experience_years"] = story.experience_years
    if story.german_level is not None:
        slots["german_level"] = story.german_level
    return slots


def facts_line(story: Story, language: str) -> str:
    """ "31 Jahre alt, Elektroniker/Elektronikerin, 9 Jahre Berufserfahrung" in ``language``."""
    parts: list[str] = []
    if story.age is not None:
        parts.append(translate_plural(language, "{count} Jahr alt", "{count} Jahre alt", story.age))
    if story.occupation_name is not None:
        parts.append(story.occupation_name.split(" – ")[0])
    if story.experience_years is not None:
        parts.append(translate(language, EXPERIENCE, years=Years(story.experience_years)))
    if story.german_level is not None:
        parts.append(translate(language, GERMAN, level=story.german_level.upper()))
    return ", ".join(parts)


def story_events(dispatcher: CollectingDispatcher, tracker: Tracker, language: str) -> list[EventType]:
    """Slots (and one line to the person, in ``language``) for a story or a correction in the
    latest message."""
    message = tracker.latest_message or {}
    events: list[EventType] = []
    if tracker.get_slot(CORRECTED_SLOT):
        events.append(SlotSet(CORRECTED_SLOT, None))
    if input_kind(tracker) != "text":
        return events
    text = str(message.get("text") or "")
    if not text or text.startswith("/"):
        return events
    story = read_story(text, story_words(), load_knowledge().occupations)
    slots = _slots(story)
    if tracker.get_slot(READ_SLOT) and slots and is_correction(text, story_words()):
        dispatcher.utter_message(text=translate(language, CORRECTED, facts=facts_line(story, language)))
        return (
            events
            + [SlotSet(name, value) for name, value in slots.items()]
            + [SlotSet(CORRECTED_SLOT, list(slots)), SlotSet(READ_SLOT, None)]
        )
    if tracker.get_slot(READ_SLOT):
        events.append(SlotSet(READ_SLOT, None))
    if not story.is_story:
        return events
    intent = (message.get("intent") or {}).get("name")
    buttons = []
    if tracker.active_loop.get("name") != TRIAGE_FORM and intent != "start_check":
        buttons = [{"title": translate(language, CHECK), "payload": "/start_check"}]
    dispatcher.utter_message(text=translate(language, UNDERSTOOD, facts=facts_line(story, language)), buttons=buttons)
    return events + [SlotSet(name, value) for name, value in slots.items()] + [SlotSet(READ_SLOT, list(story.facts))]
