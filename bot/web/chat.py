"""The chat API: ``POST /api/chat`` (one message, its answers) and ``GET /api/events`` (what Lotse
says without being asked, as server-sent events, each with its ``id:``; ``POST /api/events/ack``:
the page has shown one). ``static/chat.js`` is their client."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import structlog
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker
from sse_starlette import EventSourceResponse, ServerSentEvent

from bot.conversation import Outcome
from bot.engine import Button
from bot.i18n import translate
from bot.inbound import Rejection
from bot.leads.appointment_texts import (
    ALREADY_ANSWERED,
    CALENDAR_FILENAME,
    CALENDAR_LINK,
    CONFIRMED,
    NO_LONGER_VALID,
    OTHER_TIME,
    answer_buttons,
    parse_answer,
    said,
)
from bot.leads.appointments import answer_proposal, calendar_for
from bot.leads.outbox import WebNotice, acknowledge_web_notices, pending_web_notices
from bot.leads.relay import FIRST_HINT, header
from bot.news import NewsBell
from bot.web.dependencies import ConversationsDep, NewsDep, SessionsDep
from bot.web.language import request_language
from bot.web.limits import MAX_BODY_BYTES, SOURCE_SHAPE
from bot.web.replies import ChatMessage, Download, json_error, reply_body

logger = structlog.get_logger(__name__)

EVENTS_HEARTBEAT_SECONDS = 25.0
"""How often a keep-alive comment (``: ping``) goes out on an open stream."""
EVENTS_RETRY_MS = 5000
"""How long a browser waits before it opens a lost stream again (the ``retry:`` hint)."""
EVENTS_SEPARATOR = "\n"

CALENDAR_PATH = "/api/appointment.ics"
"""Where the web chat fetches a confirmed appointment's calendar file (``?session=…&appointment=…``)."""

router = APIRouter(prefix="/api")


class ChatRequest(BaseModel):
    """One message from the chat page: typed ``text``, or a pressed button (``payload``, with
    its title as ``text``). A payload Lotse did not offer is handled as the text. The chat's id
    (a UUID the page keeps) arrives as ``session``, the protocol's name for it."""

    chat_id: str = Field(alias="session", max_length=64)
    text: str = Field(default="", max_length=MAX_BODY_BYTES)
    payload: str | None = Field(default=None, max_length=1024)
    language: str | None = Field(default=None, max_length=32)
    source: str | None = Field(default=None, pattern=SOURCE_SHAPE)


def _answer(outcome: Outcome) -> JSONResponse:
    """The answers to one message as ``static/chat.js`` reads them."""
    body = reply_body([{"text": m.text, "buttons": m.buttons} for m in outcome.messages], outcome.language)
    if outcome.rejection is not None:
        body["error"] = outcome.rejection.name.lower()
    if outcome.erased:
        body["erased"] = True
    if outcome.relayed:
        body["relayed"] = True
    headers = {}
    if outcome.retry_after is not None:
        body["retry_after"] = outcome.retry_after
        headers["Retry-After"] = str(outcome.retry_after)
    return JSONResponse(body, status_code=outcome.status, headers=headers)


@router.post("/chat")
async def chat(
    request: Request, message: ChatRequest, conversations: ConversationsDep, sessions: SessionsDep
) -> JSONResponse:
    language = request_language(request, message.language)
    try:
        chat_id = uuid.UUID(message.chat_id)
    except ValueError:
        return json_error(Rejection.BAD_REQUEST, language, 400)
    sender = f"web:{chat_id}"
    answer = parse_answer(message.payload)
    if answer is not None:  # "Passt" / "Anderer Termin" under a counsellor's proposal
        throttled = await conversations.throttle(sender, language, "web")
        if throttled is not None:
            return _answer(throttled)
        return await _appointment_answer(sessions, chat_id, *answer, language)
    outcome = None
    if message.payload is not None:
        outcome = await conversations.press(sender, message.payload, language, "web", message.source)
    if outcome is None:  # typed, or a button Lotse did not offer: text, never a payload
        outcome = await conversations.handle(
            sender, message.text or message.payload or "", language, channel="web", source=message.source
        )
    return _answer(outcome)


async def _appointment_answer(
    sessions: sessionmaker, chat_id: uuid.UUID, token: str, answer: str, language: str
) -> JSONResponse:
    """The person's answer to a proposed appointment, and what they get back: "Passt" — the
    appointment and its calendar file as a download that only this chat can fetch; "Anderer
    Termin" — the counsellor will propose another; else why the press changed nothing."""
    try:
        answered = await asyncio.to_thread(answer_proposal, sessions, f"web:{chat_id}", token, answer, "web")
    except SQLAlchemyError as error:  # the type only: errors carry parameters
        logger.error("appointment.answer_failed", error=type(error).__name__)
        return json_error(Rejection.NO_ANSWER, language, 503)
    appointment, shown_in = answered.appointment, answered.language or language
    reply: ChatMessage
    if answered.ok and answered.reason == "confirmed" and appointment is not None:
        download: Download = {
            "url": f"{CALENDAR_PATH}?{urlencode({'session': str(chat_id), 'appointment': appointment.token})}",
            "title": translate(shown_in, CALENDAR_LINK),
        }
        reply = {"text": said(CONFIRMED, appointment, shown_in), "buttons": [], "download": download}
    elif answered.ok:
        reply = {"text": translate(shown_in, OTHER_TIME), "buttons": []}
    else:
        refused = ALREADY_ANSWERED if answered.reason == "answered" else NO_LONGER_VALID
        reply = {"text": translate(shown_in, refused), "buttons": []}
    return JSONResponse(reply_body([reply], language))


@router.get("/appointment.ics")
async def calendar(
    request: Request,
    sessions: SessionsDep,
    chat_id: str = Query("", alias="session", max_length=64),
    token: str = Query("", alias="appointment", max_length=64),
) -> Response:
    """A confirmed appointment's calendar file, for the web chat it belongs to only: the chat's
    id (which only that browser knows) and the appointment's unguessable token must both fit;
    anything else is a 404 that says nothing about which did not."""
    try:
        sender = f"web:{uuid.UUID(chat_id)}"
    except ValueError:
        return json_error(Rejection.BAD_REQUEST, request_language(request), 404)
    try:
        ics = await asyncio.to_thread(calendar_for, sessions, sender, token)
    except SQLAlchemyError as error:
        logger.error("appointment.calendar_failed", error=type(error).__name__)
        return json_error(Rejection.NO_ANSWER, request_language(request), 503)
    if ics is None:
        return json_error(Rejection.BAD_REQUEST, request_language(request), 404)
    return Response(
        ics,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{CALENDAR_FILENAME}"',
            "Cache-Control": "no-store",
        },
    )


def _shown(notice: WebNotice) -> ChatMessage:
    """One piece of news as the chat shows it: a notice of Lotse's, or a counsellor's message
    (its own look, and "Anna vom Beratungsteam schreibt:" in the person's language; under a
    proposed appointment the buttons "Passt" / "Anderer Termin")."""
    if notice.msgid is not None:
        return {"text": translate(notice.language, notice.msgid), "buttons": []}
    if notice.said:
        return {"text": notice.said, "buttons": []}
    text = notice.text
    if notice.first:
        text += "\n\n" + translate(notice.language, FIRST_HINT)
    buttons: list[Button] = (
        [{"title": b.title, "payload": b.data} for b in answer_buttons(notice.offer, notice.language)]
        if notice.offer
        else []
    )
    return {"text": text, "buttons": buttons, "kind": "counsellor", "author": header(notice.language, notice.author)}


MAX_EVENT_ID = 2**63 - 1
"""Event ids are outbox row ids (a 64-bit integer in the database): anything else is no id."""


class AckRequest(BaseModel):
    """The chat page has shown the event ``id`` of its chat ``session``."""

    chat_id: str = Field(alias="session", max_length=64)
    event_id: int = Field(alias="id", ge=1, le=MAX_EVENT_ID, strict=True)


def event_id(raw: str | None) -> int | None:
    """An event id as the browser sends it back (``Last-Event-ID``), or ``None`` if it is none of ours."""
    if raw is None or not raw.isascii() or not raw.isdigit() or len(raw) > 19:
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_EVENT_ID else None


async def _acknowledge(sessions: sessionmaker, sender: str, ids: list[int]) -> bool:
    """Mark news of ``sender`` as delivered; ``False`` while the database fails (it is sent again)."""
    try:
        await asyncio.to_thread(acknowledge_web_notices, sessions, sender, ids)
    except SQLAlchemyError as error:  # the type only: errors carry parameters
        logger.error("events.ack_failed", error=type(error).__name__)
        return False
    return True


async def _notices(sessions: sessionmaker, sender: str) -> list[tuple[int, WebNotice]]:
    """News for ``sender`` its page has not acknowledged yet; none while the database fails."""
    try:
        return await asyncio.to_thread(pending_web_notices, sessions, sender)
    except SQLAlchemyError as error:  # the type only: errors carry parameters
        logger.error("events.failed", error=type(error).__name__)
        return []


async def _news(
    sessions: sessionmaker, bell: NewsBell, sender: str, acknowledged: int | None = None
) -> AsyncIterator[ServerSentEvent]:
    """The retry hint, then each notice for ``sender`` as one event with its outbox row's id:
    looked for when the bell rings (news committed on any gateway instance, ``bot.news``), and
    every ``poll_seconds`` anyway, so a missed ring only delays it. A counsellor's message is on
    the person's screen within about a second.

    At least once: a notice stays pending until the page acknowledges it (``POST
    /api/events/ack``, or the browser's ``Last-Event-ID`` on reconnecting: ``acknowledged``), so
    a stream that dies while writing loses nothing — the next stream sends it again, and the page
    skips an id it has already shown. Within one stream each id goes out once."""
    if acknowledged is not None:
        await _acknowledge(sessions, sender, [acknowledged])
    yield ServerSentEvent(retry=EVENTS_RETRY_MS, sep=EVENTS_SEPARATOR)
    sent: set[int] = set()
    with bell.listening(sender) as doorbell:
        while True:
            doorbell.clear()
            pending = await _notices(sessions, sender)
            sent &= {outbox_id for outbox_id, _ in pending}  # what was acknowledged meanwhile is done
            for outbox_id, notice in pending:
                if outbox_id in sent:
                    continue
                sent.add(outbox_id)
                body = reply_body([_shown(notice)], notice.language)
                yield ServerSentEvent(json.dumps(body, ensure_ascii=False), id=str(outbox_id), sep=EVENTS_SEPARATOR)
            await doorbell.wait(bell.poll_seconds)


def _ping() -> ServerSentEvent:
    return ServerSentEvent(comment="ping", sep=EVENTS_SEPARATOR)


@router.get("/events")
async def events(
    request: Request, sessions: SessionsDep, bell: NewsDep, chat_id: str = Query("", alias="session")
) -> Response:
    """Server-sent events: what Lotse says without being asked (a counsellor has taken the
    request, a counsellor's message). One stream per open chat; news is kept in the database until
    the page acknowledges it, so it also reaches a chat opened later, survives restarts and a
    stream cut mid-write. A browser reconnecting sends ``Last-Event-ID``: that event arrived. The
    stream ends when the browser goes away or the server stops; a comment line keeps proxies from
    closing it."""
    try:
        sender = f"web:{uuid.UUID(chat_id)}"
    except ValueError:
        return json_error(Rejection.BAD_REQUEST, request_language(request), 400)
    acknowledged = event_id(request.headers.get("last-event-id"))
    return EventSourceResponse(
        _news(sessions, bell, sender, acknowledged),
        ping=EVENTS_HEARTBEAT_SECONDS,
        ping_message_factory=_ping,
        sep=EVENTS_SEPARATOR,
    )


@router.post("/events/ack")
async def acknowledge(request: Request, ack: AckRequest, sessions: SessionsDep) -> Response:
    """The chat page has shown the event ``id``: it is delivered and not sent again. Validated as
    ``/api/chat`` is (the chat's id a UUID, the body's size capped by the guard); an id that is
    not a pending message of this chat changes nothing and gets the same answer, so the endpoint
    tells nothing about other chats. Not counted against the person's rate limit: acknowledging
    news is not writing, and a counsellor's burst of messages must not silence the person."""
    try:
        sender = f"web:{uuid.UUID(ack.chat_id)}"
    except ValueError:
        return json_error(Rejection.BAD_REQUEST, request_language(request), 400)
    if not await _acknowledge(sessions, sender, [ack.event_id]):
        return json_error(Rejection.NO_ANSWER, request_language(request), 503)
    return Response(status_code=204)
