"""Which language the conversation is in, and switching it.

The channel tells the engine the user's language as ``metadata.language`` on each message;
``action_validate_slot_mappings`` (Rasa runs it after every user message, right after the slot
mappings) copies it into the ``language`` slot when the channel's choice changes. A switch in the
conversation (``change_language``, or a message the gateway detected to be in another language
with certainty, ``metadata.detected``; see ``bot.langid``) wins until the channel sends a
different language.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.story import story_events
from actions.tracker import language_of
from actions.understanding import ask_back, is_sure
from bot.i18n import (
    available_languages,
    language_from_name,
    language_named_in,
    normalize_code,
    resolve_language,
)
from bot.langid import Detection, Verdict, judge
from bot.protocol import LANGUAGE_CUSTOM_KEY
from bot.settings import get_settings

LANGUAGE_SLOT = "language"
CHANNEL_LANGUAGE_SLOT = "channel_language"
SOURCE_SLOT = "lead_source"


def _metadata(tracker: Tracker) -> dict[str, Any]:
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    return metadata if isinstance(metadata, dict) else {}


def _requested_by_channel(tracker: Tracker) -> str | None:
    requested = _metadata(tracker).get("language")
    return requested[:20] if isinstance(requested, str) and requested.strip() else None


def _detected_switch(tracker: Tracker, current: str | None) -> str | None:
    """The language to switch to because the message is surely written in it, if any."""
    detection = Detection.from_metadata(_metadata(tracker).get("detected"))
    text = (tracker.latest_message or {}).get("text") or ""
    if isinstance(text, str) and judge(detection, text, current) is Verdict.SWITCH:
        return detection.language
    return None


class ValidateSlotMappings(Action):
    """What a message says besides its intent — one round trip, run by Rasa after every user
    message: fill ``language`` from the channel's ``metadata.language`` when that changes, or from
    a sure detection of the message's language; keep where the person came from; read a story
    told in the message into the triage slots and say so (``actions/story.py``).

    Rasa's ``action_validate_slot_mappings`` rather than a custom slot mapping's action: Rasa
    delivers what this action says (a custom mapping's messages are dropped), and it runs on
    every message all the same. The slots it fills have ``type: custom`` mappings in the domain.
    """

    def name(self) -> str:
        return "action_validate_slot_mappings"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        language = self._language(tracker)
        # the story line is said in the language this very message may have switched to
        switched = next((e["value"] for e in language if e.get("name") == LANGUAGE_SLOT), None)
        said_in = switched or language_of(tracker)
        return language + self._source(tracker) + story_events(dispatcher, tracker, said_in)

    def _source(self, tracker: Tracker) -> list[EventType]:
        """Where the person came from (deep link, widget): kept for the lead, first one wins."""
        source = _metadata(tracker).get("source")
        if isinstance(source, str) and source.strip() and not tracker.get_slot(SOURCE_SLOT):
            return [SlotSet(SOURCE_SLOT, re.sub(r"[^\w.-]", "", source)[:64] or None)]
        return []

    def _language(self, tracker: Tracker) -> list[EventType]:
        requested = _requested_by_channel(tracker)
        current = tracker.get_slot(LANGUAGE_SLOT)
        default = get_settings().default_language
        if requested is not None and requested != tracker.get_slot(CHANNEL_LANGUAGE_SLOT):
            chosen = resolve_language(requested, default)
            return [
                SlotSet(LANGUAGE_SLOT, _detected_switch(tracker, chosen) or chosen),
                SlotSet(CHANNEL_LANGUAGE_SLOT, requested),
            ]
        if current not in available_languages():
            current = resolve_language(requested, default)
            return [SlotSet(LANGUAGE_SLOT, _detected_switch(tracker, current) or current)]
        switch = _detected_switch(tracker, current)
        return [SlotSet(LANGUAGE_SLOT, switch)] if switch else []


class ActionChangeLanguage(Action):
    """Switch to the language the user named or tapped, or ask which one."""

    def name(self) -> str:
        return "action_change_language"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if not is_sure(tracker):  # a switch only from a button, a command, or when surely meant
            ask_back(dispatcher, tracker, first="change_language")
            return []
        named = next(tracker.get_latest_entity_values(LANGUAGE_SLOT), None)
        if named is None:  # the model saw the wish but not the name: look for one in the words
            named = language_named_in(tracker.latest_message.get("text"))
        if named is None:
            dispatcher.utter_message(response="utter_ask_language")
            return []
        code = language_from_name(named) or normalize_code(named)
        if code not in available_languages():
            dispatcher.utter_message(response="utter_language_unavailable")
            return []
        # The NLG call sees the tracker before this action's events, so name the language.
        dispatcher.utter_message(response="utter_language_changed", language=code)
        dispatcher.utter_message(json_message={LANGUAGE_CUSTOM_KEY: code})
        return [SlotSet(LANGUAGE_SLOT, code)]
