"""What actions read from the tracker: the language to answer in, and how the latest message came."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rasa_sdk import Tracker

from bot.i18n import available_languages, resolve_language
from bot.settings import get_settings


def language_of(tracker: Tracker | Mapping[str, Any]) -> str:
    """The language to answer in: the ``language`` slot, else the language the channel sent with
    the latest message (its metadata), else the default. ``tracker`` is an action's ``Tracker`` or
    the tracker dict Rasa posts to the NLG endpoint; both follow this one rule."""
    slots: Mapping[str, Any] | None
    latest: Mapping[str, Any] | None
    if isinstance(tracker, Tracker):
        slots, latest = tracker.slots, tracker.latest_message
    else:
        slots, latest = tracker.get("slots"), tracker.get("latest_message")
    chosen = (slots or {}).get("language")
    if chosen in available_languages():
        return str(chosen)
    metadata = (latest or {}).get("metadata") or {}
    requested = metadata.get("language") if isinstance(metadata, dict) else None
    return resolve_language(requested, get_settings().default_language)


def input_kind(tracker: Tracker) -> str:
    """How the latest message came: ``text`` (typed), ``button`` (a button Lotse offered and the
    person pressed) or ``command`` (``/start``, ``/help`` …). The gateway says so in
    ``metadata.input`` (``bot.conversation``); typed text, even text that looks like a payload, is
    never ``button``. A message without it counts as typed."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    kind = metadata.get("input") if isinstance(metadata, dict) else None
    return kind if kind in ("button", "command") else "text"


def pressed_button(tracker: Tracker) -> bool:
    """Whether the latest message is a button Lotse offered and the person pressed."""
    return input_kind(tracker) == "button"
