"""The counsellor inbox: login, lead list with filters, lead detail (consents, transcript, the
messages with the person, the appointments), status, outcome and notes, writing to the person
(``bot.leads.relay``), calling an appointment off, the upcoming appointments (a counsellor's own; an
admin's: all), CSV export, deletion, and the statistics page (time to first human contact, outcomes
per route and language). Every view, export and deletion is written to the audit table.

The routes are module-level functions on ``router``; what they work on (database, cookie store,
the logged-in counsellor) reaches them as FastAPI dependencies (``bot.inbox.dependencies``).
Routes that touch the database are plain ``def``s, which FastAPI runs in its thread pool; the
async ones send their database work there with ``asyncio.to_thread``.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import anyio.from_thread
import structlog
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.counsellors import authenticate, second_factor_ok
from bot.database import utcnow
from bot.i18n import LANGUAGES
from bot.inbox.auth import COOKIE, InboxCookies, csrf_ok
from bot.inbox.dependencies import (
    LOGIN_PATH,
    CookiesDep,
    CurrentCounsellor,
    EngineDep,
    InboxRoute,
    InboxState,
    SessionsDep,
    SettingsDep,
    SignedIn,
    set_login_cookie,
    signed_in,
)
from bot.inbox.export import leads_csv
from bot.inbox.throttle import LoginThrottler
from bot.leads.appointment_texts import german_when
from bot.leads.appointments import CANCEL_REFUSALS, appointments_of, cancel_appointment, upcoming_appointments
from bot.leads.audit import record_audit
from bot.leads.claims import change_status
from bot.leads.erasure import erase_conversation
from bot.leads.labels import APPOINTMENT_STATUS_NAMES, OUTCOMES, REASONS, ROUTE_NAMES
from bot.leads.models import LEAD_STATUSES, Consent, Counsellor, Lead, RelayMessage
from bot.leads.relay import TEMPLATES, end_relay, refusal, relay_messages, write_to_person
from bot.leads.stats import lead_stats
from bot.working_hours import WorkingHours
from knowledge.loader import load_knowledge
from knowledge.schema import months_ago

logger = structlog.get_logger(__name__)

FACTS_DUE_MONTHS = 12
"""The inbox says how many facts were last checked longer ago than this (``bot.cli facts-due``)."""
STATUS_NAMES = {"new": "neu", "claimed": "übernommen", "contacted": "kontaktiert", "closed": "erledigt"}
GONE = "Diese Anfrage gibt es nicht (mehr)."
FAILED_LOGIN_DELAY = 0.5
"""Seconds a failed login waits before it is answered."""
LOCKED = "Zu viele fehlgeschlagene Anmeldungen. Bitte versuche es in einigen Minuten noch einmal."
"""The same text whether the account exists or not."""

router = APIRouter(prefix="/inbox", route_class=InboxRoute)
_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(["html"])
)
_templates.globals.update(
    STATUS_NAMES=STATUS_NAMES,
    ROUTE_NAMES=ROUTE_NAMES,
    REASONS=REASONS,
    LANGUAGES=LANGUAGES,
    REPLIES=TEMPLATES,
    OUTCOMES=OUTCOMES,
    APPOINTMENT_STATUS_NAMES=APPOINTMENT_STATUS_NAMES,
    german_when=german_when,
)
SENT_NOTES = {
    "sent": "Die Nachricht ist unterwegs zur Person.",
    "hint": "Die Nachricht ist unterwegs. Hinweis: Sie sieht nach Deutsch aus, die Person hat aber eine andere "
    "Sprache gewählt; sie ist so weitergeleitet, wie du sie geschrieben hast. Vorlagen kommen in der Sprache der "
    "Person an.",
    "ended": "Gespräch beendet: Lotse antwortet der Person wieder. Sie hat eine Nachricht dazu bekommen.",
    "not_active": "Es läuft gerade kein Gespräch mit der Person.",
    "cancelled": "Der Termin ist abgesagt. Die Person hat eine Nachricht dazu bekommen.",
}
"""What the lead page says after writing to the person (``?sent=…``)."""
OUTCOME_MISSING = "Bitte wähle ein Ergebnis, um die Anfrage abzuschließen."
STATS_PERIODS = {30: "30 Tage", 90: "90 Tage", 365: "ein Jahr", 0: "alles Gespeicherte"}
"""The periods the statistics page offers (days; 0: every stored lead)."""


def create_inbox(sessions: sessionmaker[Session], cookies: InboxCookies) -> APIRouter:
    """The inbox routes (under ``/inbox``) working on this database and cookie store, for the
    bot's app to include."""
    inbox = APIRouter(dependencies=[Depends(InboxState(sessions, cookies))])
    inbox.include_router(router)
    return inbox


@lru_cache(maxsize=2)
def facts_due(today: date) -> int:
    """How many facts are due on ``today``: counted once a day, not on every page view (the
    knowledge data does not change while the process runs)."""
    return len(load_knowledge().due(months_ago(FACTS_DUE_MONTHS, today)))


def _page(name: str, status: int = 200, **values: Any) -> HTMLResponse:
    response = HTMLResponse(_templates.get_template(name).render(**values), status_code=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _admins_only(sessions: sessionmaker[Session], me: SignedIn, action: str, lead_id: str | None = None) -> Response:
    """Refuse (403) what only an admin may do, and write the refusal to the audit trail."""
    _audit(sessions, me.counsellor.username, "denied", lead_id, tried=action)
    return _page("error.html", 403, message="Das dürfen nur Admins.", me=me.counsellor, csrf=me.login.csrf)


def _forbidden() -> HTMLResponse:
    return _page("error.html", 403, message="Das Formular ist abgelaufen. Bitte lade die Seite neu.")


def _audit(sessions: sessionmaker[Session], actor: str, action: str, lead_id: str | None = None, **detail: Any) -> None:
    """An audit entry on its own (for what only reads: login, list, view, export)."""
    with sessions.begin() as db:
        record_audit(db, actor, action, lead_id, **detail)


@router.get("/login", response_class=HTMLResponse)
async def login_page() -> HTMLResponse:
    return _page("login.html")


@router.post("/login")
async def login(
    request: Request,
    sessions: SessionsDep,
    cookies: CookiesDep,
    username: str = Form(max_length=64),
    password: str = Form(max_length=256),
    code: str = Form("", max_length=16),
) -> Response:
    throttle = LoginThrottler(sessions)
    address = request.client.host if request.client else None
    if await asyncio.to_thread(throttle.locked, username, address):
        logger.info("inbox.login_locked")
        return _page("login.html", 429, locked=LOCKED)
    counsellor = await asyncio.to_thread(authenticate, sessions, username.strip(), password)
    if counsellor is None or not second_factor_ok(counsellor, code):  # one answer for either
        logger.info("inbox.login_failed")
        await asyncio.to_thread(throttle.failed, username, address)
        await asyncio.sleep(FAILED_LOGIN_DELAY)
        return _page("login.html", 401, failed=True)
    await asyncio.to_thread(throttle.succeeded, username)
    new_login, cookie = cookies.new(counsellor.id, counsellor.session_generation)
    response = RedirectResponse("/inbox", status_code=303)
    set_login_cookie(response, cookies, new_login, cookie)
    await asyncio.to_thread(_audit, sessions, counsellor.username, "login")
    return response


@router.post("/logout")
async def logout(signed: Annotated[SignedIn | None, Depends(signed_in)], csrf: str = Form("")) -> Response:
    if signed is not None and not csrf_ok(signed.login, csrf):
        return _forbidden()
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    response.delete_cookie(COOKIE, path="/inbox")
    return response


def _log_out_everywhere(sessions: sessionmaker[Session], counsellor_id: int) -> None:
    with sessions.begin() as db:
        counsellor = db.get(Counsellor, counsellor_id)
        if counsellor is not None:
            counsellor.session_generation += 1
            record_audit(db, counsellor.username, "logout_everywhere", None)


@router.post("/logout-everywhere")
def logout_everywhere(sessions: SessionsDep, me: CurrentCounsellor, csrf: str = Form("")) -> Response:
    """Ends every login of this counsellor, on every device (the session generation moves on)."""
    if not csrf_ok(me.login, csrf):
        return _forbidden()
    _log_out_everywhere(sessions, me.counsellor.id)
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    response.delete_cookie(COOKIE, path="/inbox")
    return response


def _find_leads(sessions: sessionmaker[Session], status: str, route: str, language: str, min_warmth: int) -> list[Lead]:
    query = select(Lead).order_by(Lead.warmth.desc(), Lead.created_at)
    if status in LEAD_STATUSES:
        query = query.where(Lead.status == status)
    if language in LANGUAGES:
        query = query.where(Lead.language == language)
    if min_warmth:
        query = query.where(Lead.warmth >= min_warmth)
    with sessions() as db:
        return [lead for lead in db.scalars(query) if not route or route in lead.routes]


@router.get("", response_class=HTMLResponse)
def leads(
    sessions: SessionsDep,
    me: CurrentCounsellor,
    status: str = "",
    route: str = "",
    language: str = "",
    min_warmth: int = 0,
) -> Response:
    rows = _find_leads(sessions, status, route, language, min_warmth)
    _audit(sessions, me.counsellor.username, "list", count=len(rows))
    return _page(
        "leads.html",
        leads=rows,
        me=me.counsellor,
        csrf=me.login.csrf,
        facts_due=facts_due(date.today()),
        facts_due_months=FACTS_DUE_MONTHS,
        filters={"status": status, "route": route, "language": language, "min_warmth": min_warmth},
    )


LeadDetail = tuple[Lead, list[Consent], str]
"""A lead, the consents of its conversation, and who has it (display name)."""


def _lead_with_consents(sessions: sessionmaker[Session], lead_id: str) -> LeadDetail | None:
    with sessions() as db:
        lead = db.get(Lead, lead_id)
        if lead is None:
            return None
        consents = list(db.scalars(select(Consent).where(Consent.conversation_id == lead.conversation_id)))
        return lead, consents, lead.claimed_by.display_name if lead.claimed_by else ""


@router.get("/leads/{lead_id}", response_class=HTMLResponse)
async def lead_detail(
    lead_id: str, sessions: SessionsDep, me: CurrentCounsellor, engine: EngineDep, sent: str = ""
) -> Response:
    found = await asyncio.to_thread(_lead_with_consents, sessions, lead_id)
    if found is None:
        return _page("error.html", 404, message=GONE)
    lead, consents, claimed_by = found
    transcript = await engine.transcript(lead.conversation_id)
    relay: list[RelayMessage] = await asyncio.to_thread(relay_messages, sessions, lead_id)
    appointments = await asyncio.to_thread(appointments_of, sessions, lead_id)
    await asyncio.to_thread(_audit, sessions, me.counsellor.username, "view", lead_id)
    holds = lead.claimed_by_id == me.counsellor.id or (me.counsellor.is_admin and lead.claimed_by_id is not None)
    return _page(
        "lead.html",
        lead=lead,
        consents=consents,
        transcript=transcript,
        relay=relay,
        appointments=appointments,
        now=utcnow(),
        may_write=holds and lead.status != "closed",
        relay_note=SENT_NOTES.get(sent, ""),
        claimed_by=claimed_by,
        me=me.counsellor,
        csrf=me.login.csrf,
        statuses=LEAD_STATUSES,
    )


def _wake_outbox(request: Request) -> None:
    """Wake the notifier (it runs on the event loop; these routes run in a worker thread), so that
    what was just queued for a person in Telegram goes out now, not at its next look."""
    wakeup = getattr(getattr(request.app.state, "telegram", None), "wakeup", None)
    if wakeup is not None:
        with contextlib.suppress(RuntimeError):  # not in a worker thread of the running loop
            anyio.from_thread.run_sync(wakeup.set)


@router.post("/leads/{lead_id}/message")
def write_message(
    lead_id: str,
    request: Request,
    sessions: SessionsDep,
    settings: SettingsDep,
    me: CurrentCounsellor,
    text: str = Form("", max_length=4000),
    template: str = Form("", max_length=32),
    values: str = Form("", max_length=2000),
    csrf: str = Form(""),
) -> Response:
    """A message to the person, free text or a ready-made reply (only who holds the lead, or an admin)."""
    if not csrf_ok(me.login, csrf):
        return _forbidden()
    written = write_to_person(
        sessions,
        lead_id,
        me.counsellor.id,
        text,
        template=template or None,
        values=values,
        via="inbox",
        timezone=settings.office_timezone,
    )
    if not written.ok:
        status = 404 if written.reason == "unknown_lead" else 403 if written.reason == "not_holder" else 400
        return _page("error.html", status, message=refusal(written), me=me.counsellor, csrf=me.login.csrf)
    _wake_outbox(request)
    sent = "hint" if written.german_hint else "sent"
    return RedirectResponse(f"/inbox/leads/{lead_id}?sent={sent}#relay", status_code=303)


@router.post("/leads/{lead_id}/relay-end")
def end_conversation(
    lead_id: str, request: Request, sessions: SessionsDep, me: CurrentCounsellor, csrf: str = Form("")
) -> Response:
    """Hand the person back to Lotse (they are told)."""
    if not csrf_ok(me.login, csrf):
        return _forbidden()
    ended = end_relay(sessions, lead_id, me.counsellor.id)
    if not ended.ok:
        status = 404 if ended.reason == "unknown_lead" else 403
        return _page("error.html", status, message=refusal(ended), me=me.counsellor, csrf=me.login.csrf)
    _wake_outbox(request)
    return RedirectResponse(f"/inbox/leads/{lead_id}?sent={ended.reason}#relay", status_code=303)


@router.post("/appointments/{appointment_id}/cancel")
def cancel(
    appointment_id: int, request: Request, sessions: SessionsDep, me: CurrentCounsellor, csrf: str = Form("")
) -> Response:
    """Call an appointment off (who holds the lead, or an admin); the person is told."""
    if not csrf_ok(me.login, csrf):
        return _forbidden()
    cancelled = cancel_appointment(sessions, appointment_id, me.counsellor.id)
    if not cancelled.ok:
        status = {"unknown": 404, "not_upcoming": 400}.get(cancelled.reason, 403)
        message = CANCEL_REFUSALS.get(cancelled.reason, "Nicht abgesagt.")
        return _page("error.html", status, message=message, me=me.counsellor, csrf=me.login.csrf)
    _wake_outbox(request)
    return RedirectResponse(f"/inbox/leads/{cancelled.lead_id}?sent=cancelled#appointments", status_code=303)


@router.get("/appointments", response_class=HTMLResponse)
def appointments(sessions: SessionsDep, me: CurrentCounsellor) -> Response:
    """The upcoming appointments, soonest first: a counsellor's own (proposed by them, or of leads
    they hold), an admin's: all."""
    mine = None if me.counsellor.is_admin else me.counsellor
    rows = upcoming_appointments(sessions, mine)
    _audit(sessions, me.counsellor.username, "appointments", count=len(rows))
    return _page("appointments.html", appointments=rows, everyone=mine is None, me=me.counsellor, csrf=me.login.csrf)


def _status_of(sessions: sessionmaker[Session], lead_id: str) -> str | None:
    with sessions() as db:
        return db.scalar(select(Lead.status).where(Lead.id == lead_id))


@router.post("/leads/{lead_id}/status")
def save_status(
    lead_id: str,
    sessions: SessionsDep,
    me: CurrentCounsellor,
    status: str = Form(),
    note: str = Form("", max_length=2000),
    outcome: str = Form("", max_length=32),
    csrf: str = Form(""),
) -> Response:
    if not csrf_ok(me.login, csrf):
        return _forbidden()
    current = _status_of(sessions, lead_id)
    if current is None:
        return _page("error.html", 404, message=GONE)
    if status == "closed" and current != "closed" and outcome not in OUTCOMES:
        return _page("error.html", 400, message=OUTCOME_MISSING, me=me.counsellor, csrf=me.login.csrf)
    if change_status(sessions, lead_id, me.counsellor, status, note, outcome) is None:
        return _page("error.html", 404, message=GONE)
    return RedirectResponse(f"/inbox/leads/{lead_id}", status_code=303)


@router.post("/leads/{lead_id}/delete")
def delete(lead_id: str, sessions: SessionsDep, me: CurrentCounsellor, csrf: str = Form("")) -> Response:
    if not csrf_ok(me.login, csrf):
        return _forbidden()
    if not me.counsellor.is_admin:
        return _admins_only(sessions, me, "delete", lead_id)
    with sessions() as db:
        conversation = db.scalar(select(Lead.conversation_id).where(Lead.id == lead_id))
    if conversation is not None:
        erase_conversation(sessions, conversation, me.counsellor.username)
    return RedirectResponse("/inbox", status_code=303)


@router.get("/export.csv")
def export(sessions: SessionsDep, me: CurrentCounsellor) -> Response:
    if not me.counsellor.is_admin:
        return _admins_only(sessions, me, "export")
    text, count = leads_csv(sessions)
    _audit(sessions, me.counsellor.username, "export", count=count)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="lotse-leads.csv"', "Cache-Control": "no-store"},
    )


@router.get("/stats", response_class=HTMLResponse)
def stats(sessions: SessionsDep, settings: SettingsDep, me: CurrentCounsellor, days: int = 90) -> Response:
    """Time to first human contact and outcomes, per route and per language (``bot.leads.stats``)."""
    days = days if days in STATS_PERIODS else 90
    figures = lead_stats(sessions, WorkingHours.from_settings(settings), days or None)
    _audit(sessions, me.counsellor.username, "stats", days=days)
    return _page(
        "stats.html",
        stats=figures,
        days=days,
        periods=STATS_PERIODS,
        route_name=_route_name,
        language_name=_language_name,
        me=me.counsellor,
        csrf=me.login.csrf,
    )


def _route_name(route: str) -> str:
    return ROUTE_NAMES.get(route, route or "noch offen")


def _language_name(code: str) -> str:
    return f"{LANGUAGES[code].endonym} ({code})" if code in LANGUAGES else code
