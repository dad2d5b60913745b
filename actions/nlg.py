"""Rasa's NLG endpoint: turn a response name into a message in the user's language.

Rasa posts ``{"response", "arguments", "tracker", "channel"}`` for every ``utter_*`` it sends
(see ``rasa/core/nlg/callback.py``) and expects ``{"text", "buttons", "custom", ...}`` back.
This module renders from ``actions.responses`` and the gettext catalogs; it never raises on
bad input, because a failing NLG call makes Rasa drop the whole action.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from typing import Any, TypedDict

import structlog

from actions.responses import RESPONSES, Response
from actions.tracker import language_of
from bot.i18n import LANGUAGES, available_languages, directed, gettext_for
from bot.settings import get_settings

logger = structlog.get_logger(__name__)


class ButtonPayload(TypedDict):
    """A button as Rasa's channels expect it."""

    title: str
    payload: str


class NLGMessage(TypedDict, total=False):
    """The body the NLG endpoint answers with (``nlg_response_format_spec`` in Rasa)."""

    text: str
    buttons: list[ButtonPayload]
    custom: dict[str, Any]


class _Blanks(dict[str, Any]):
    """Placeholder values; a missing one renders as empty text instead of raising."""

    def __missing__(self, key: str) -> str:
        logger.warning("nlg.placeholder_missing", placeholder=key)
        return ""


_FORMATTER = string.Formatter()


def fill_placeholders(template: str, values: Mapping[str, Any]) -> str:
    """``template.format_map(values)`` that never fails: missing values become empty text.

    Only plain ``{name}`` fields are filled; attribute or index access in a (translated)
    template is not evaluated, so a broken translation cannot reach into objects.
    """
    safe: dict[str, str] = _Blanks()
    try:
        for _literal, field_name, _spec, _conv in _FORMATTER.parse(template):
            if field_name is None:
                continue
            if not field_name.isidentifier():
                logger.warning("nlg.placeholder_invalid", placeholder=field_name)
                return template
            value = values.get(field_name)
            if value is not None:
                safe[field_name] = str(value)
        return template.format_map(safe)
    except (ValueError, IndexError, KeyError):
        logger.warning("nlg.template_invalid")
        return template


def render(
    name: str,
    language: str,
    values: Mapping[str, Any] | None = None,
) -> NLGMessage:
    """Render response ``name`` in ``language``; an unknown name renders a technical apology."""
    response: Response | None = RESPONSES.get(name)
    if response is None:
        logger.error("nlg.unknown_response", response=name)
        response = RESPONSES["utter_technical_problem"]
    text = directed(language, fill_placeholders(gettext_for(language, response.text), values or {}))
    message: NLGMessage = {"text": text}
    buttons: list[ButtonPayload] = [
        {"title": directed(language, gettext_for(language, button.title)), "payload": button.payload}
        for button in response.buttons
    ]
    if response.language_buttons:
        buttons.extend(
            {
                "title": LANGUAGES[code].endonym,
                "payload": "/change_language" + json.dumps({"language": code}),
            }
            for code in available_languages()
        )
    if buttons:
        message["buttons"] = buttons
    return message


def render_request(body: Any) -> NLGMessage:
    """Answer one NLG request body from Rasa; malformed bodies get the technical apology."""
    if not isinstance(body, dict) or not isinstance(body.get("response"), str):
        logger.error("nlg.bad_request")
        return render("utter_technical_problem", get_settings().default_language)
    tracker = tracker if isinstance(tracker := body.get("tracker"), dict) else {}
    arguments = arguments if isinstance(arguments := body.get("arguments"), dict) else {}
    # An action may name the language (a switch happens after its NLG call).
    named = arguments.get("language")
    language = named if named in available_languages() else language_of(tracker)
    values: dict[str, Any] = {}
    slots = tracker.get("slots")
    if isinstance(slots, dict):
        values.update(slots)
    values.update(arguments)
    return render(body["response"], language, values)
