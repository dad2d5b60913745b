"""Which language the conversation is in, and switching it.

The channel tells the engine the user's language as ``metadata.language`` on each message;
``action_extract_language`` (a custom slot mapping, run by Rasa after every user message)
copies it into the ``language`` slot when the channel's choice changes. A switch in the
conversation (``change_language``) wins until the channel sends a different language.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.engine import LANGUAGE_CUSTOM_KEY
from bot.i18n import available_languages, language_from_name, normalize_code, resolve_language
from bot.settings import get_settings

LANGUAGE_SLOT = "language"
CHANNEL_LANGUAGE_SLOT = "channel_language"


def _requested_by_channel(tracker: Tracker) -> str | None:
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    if not isinstance(metadata, dict):
        return None
    requested = metadata.get("language")
    return requested[:20] if isinstance(requested, str) and requested.strip() else None


class ActionExtractLanguage(Action):
    """Fill ``language`` from the channel's ``metadata.language`` when that changes."""

    def name(self) -> str:
        return "action_extract_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        requested = _requested_by_channel(tracker)
        current = tracker.get_slot(LANGUAGE_SLOT)
        default = get_settings().default_language
        if requested is not None and requested != tracker.get_slot(CHANNEL_LANGUAGE_SLOT):
            return [
                SlotSet(LANGUAGE_SLOT, resolve_language(requested, default)),
                SlotSet(CHANNEL_LANGUAGE_SLOT, requested),
            ]
        if current not in available_languages():
            return [SlotSet(LANGUAGE_SLOT, resolve_language(requested, default))]
        return []


class ActionChangeLanguage(Action):
    """Switch to the language the user named or tapped, or ask which one."""

    def name(self) -> str:
        return "action_change_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        named = next(tracker.get_latest_entity_values(LANGUAGE_SLOT), None)
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
