"""The JSON the chat API answers with (also the events of its stream), and its kind errors."""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

from fastapi.responses import JSONResponse

from bot.engine import Button
from bot.i18n import text_direction
from bot.inbound import Rejection


class Download(TypedDict):
    """A file the chat offers as a link (a confirmed appointment's calendar file)."""

    url: str
    """Same-origin path with its query (``/api/appointment.ics?…``)."""
    title: str


class ChatMessage(TypedDict):
    """One message as the chat page shows it."""

    text: str
    buttons: list[Button]
    kind: NotRequired[str]
    """``counsellor`` for a message a person of the advice team wrote (shown apart from Lotse's)."""
    author: NotRequired[str]
    """For a counsellor's message: "Anna vom Beratungsteam schreibt:" in the chat's language."""
    download: NotRequired[Download]
    """A file to download under the message."""


def reply_body(messages: list[ChatMessage], language: str) -> dict[str, Any]:
    """``{messages, language, dir}``: what ``static/chat.js`` shows, in ``language``'s direction."""
    return {"messages": messages, "language": language, "dir": text_direction(language)}


def json_error(rejection: Rejection, language: str, status: int, limit: int = 0) -> JSONResponse:
    """A kind answer in the person's language instead of a bare error code."""
    body = reply_body([{"text": rejection.text(language, limit), "buttons": []}], language)
    body["error"] = rejection.name.lower()
    return JSONResponse(body, status_code=status)
