"""The counsellor inbox: login, lead list with filters, lead detail (consents, transcript), status
and notes, CSV export, deletion. Every view, export and deletion is written to the audit table.
"""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import structlog
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.counsellors import authenticate
from bot.database import utcnow
from bot.i18n import LANGUAGES
from bot.inbox.auth import COOKIE, MAX_AGE_SECONDS, InboxSession, Sessions, csrf_ok
from bot.leads.models import LEAD_STATUSES, AuditEvent, Consent, Counsellor, Lead
from bot.leads.erasure import erase_conversation
from bot.leads.service import mark_taken
from bot.leads.labels import REASONS, ROUTE_NAMES
from knowledge.loader import load_knowledge
from knowledge.schema import months_ago

FACTS_DUE_MONTHS = 12
"""The inbox says how many facts were last checked longer ago than this (``bot.cli facts-due``)."""


@lru_cache(maxsize=2)
def facts_due(today: date) -> int:
    """How many facts are due on ``today``: counted once a day, not on every page view (the
    knowledge data does not change while the process runs)."""
    return len(load_knowledge().due(months_ago(FACTS_DUE_MONTHS, today)))

logger = structlog.get_logger(__name__)

STATUS_NAMES = {"new": "neu", "claimed": "übernommen", "contacted": "kontaktiert", "closed": "erledigt"}
CSV_COLUMNS = (
    "lead_id", "created_at", "status", "warmth", "warmth_reasons", "first_name", "contact_method",
    "phone", "email", "preferred_time", "call_language", "language", "channel", "source", "routes",
    "consent_contact", "consent_statistics", "consent_notice_version", "claimed_by", "closed_at",
)


def _cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def create_inbox(sessions: sessionmaker, cookies: Sessions) -> APIRouter:
    """The inbox routes, mounted under ``/inbox`` by the bot's app."""
    router = APIRouter(prefix="/inbox")
    templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                            autoescape=select_autoescape(["html"]))
    templates.globals.update(STATUS_NAMES=STATUS_NAMES, ROUTE_NAMES=ROUTE_NAMES, REASONS=REASONS,
                             LANGUAGES=LANGUAGES)

    def page(name: str, status: int = 200, **values: Any) -> HTMLResponse:
        response = HTMLResponse(templates.get_template(name).render(**values), status_code=status)
        response.headers["Cache-Control"] = "no-store"
        return response

    def who(request: Request) -> tuple[InboxSession, Counsellor] | None:
        session = cookies.read(request.cookies.get(COOKIE))
        if session is None:
            return None
        with sessions() as db:
            counsellor = db.get(Counsellor, session.counsellor_id)
            if counsellor is None or not counsellor.active:
                return None
            db.expunge(counsellor)
        return session, counsellor

    def audit(actor: str, action: str, lead_id: str | None = None, **detail: Any) -> None:
        with sessions.begin() as db:
            db.add(AuditEvent(actor=actor, action=action, lead_id=lead_id, detail=detail))

    def to_login() -> RedirectResponse:
        return RedirectResponse("/inbox/login", status_code=303)

    def forbidden() -> HTMLResponse:
        return page("error.html", 403, message="Das Formular ist abgelaufen. Bitte lade die Seite neu.")

    @router.get("/login", response_class=HTMLResponse)
    async def login_page() -> HTMLResponse:
        return page("login.html")

    @router.post("/login")
    async def login(username: str = Form(max_length=64), password: str = Form(max_length=256)) -> Response:
        counsellor = await asyncio.to_thread(authenticate, sessions, username.strip(), password)
        if counsellor is None:
            logger.info("inbox.login_failed")
            await asyncio.sleep(0.5)
            return page("login.html", 401, failed=True)
        _session, cookie = cookies.new(counsellor.id)
        response = RedirectResponse("/inbox", status_code=303)
        response.set_cookie(COOKIE, cookie, max_age=MAX_AGE_SECONDS, httponly=True, samesite="strict",
                            secure=cookies.secure, path="/inbox")
        await asyncio.to_thread(audit, counsellor.username, "login")
        return response

    @router.post("/logout")
    async def logout(request: Request, csrf: str = Form("")) -> Response:
        current = who(request)
        if current is not None and not csrf_ok(current[0], csrf):
            return forbidden()
        response = to_login()
        response.delete_cookie(COOKIE, path="/inbox")
        return response

    @router.get("", response_class=HTMLResponse)
    async def leads(request: Request, status: str = "", route: str = "", language: str = "",
                    min_warmth: int = 0) -> Response:
        current = who(request)
        if current is None:
            return to_login()
        query = select(Lead).order_by(Lead.warmth.desc(), Lead.created_at)
        if status in LEAD_STATUSES:
            query = query.where(Lead.status == status)
        if language in LANGUAGES:
            query = query.where(Lead.language == language)
        if min_warmth:
            query = query.where(Lead.warmth >= min_warmth)
        with sessions() as db:
            rows = [lead for lead in db.scalars(query) if not route or route in lead.routes]
        await asyncio.to_thread(audit, current[1].username, "list", count=len(rows))
        return page("leads.html", leads=rows, me=current[1], csrf=current[0].csrf, facts_due=facts_due(date.today()),
                    facts_due_months=FACTS_DUE_MONTHS,
                    filters={"status": status, "route": route, "language": language, "min_warmth": min_warmth})

    @router.get("/leads/{lead_id}", response_class=HTMLResponse)
    async def lead_detail(request: Request, lead_id: str) -> Response:
        current = who(request)
        if current is None:
            return to_login()
        with sessions() as db:
            lead = db.get(Lead, lead_id)
            if lead is None:
                return page("error.html", 404, message="Diese Anfrage gibt es nicht (mehr).")
            consents = list(db.scalars(select(Consent).where(Consent.conversation_id == lead.conversation_id)))
            claimed_by = lead.claimed_by.display_name if lead.claimed_by else ""
        transcript = await request.app.state.engine.transcript(lead.conversation_id)
        await asyncio.to_thread(audit, current[1].username, "view", lead_id)
        return page("lead.html", lead=lead, consents=consents, transcript=transcript, claimed_by=claimed_by,
                    me=current[1], csrf=current[0].csrf, statuses=LEAD_STATUSES)

    @router.post("/leads/{lead_id}/status")
    async def change_status(request: Request, lead_id: str, status: str = Form(), note: str = Form("", max_length=2000),
                            csrf: str = Form("")) -> Response:
        current = who(request)
        if current is None:
            return to_login()
        if not csrf_ok(current[0], csrf):
            return forbidden()
        with sessions.begin() as db:
            lead = db.get(Lead, lead_id)
            if lead is None:
                return page("error.html", 404, message="Diese Anfrage gibt es nicht (mehr).")
            if status in LEAD_STATUSES and status != lead.status:
                lead.status = status
                if status == "closed":
                    lead.closed_at = utcnow()
                if status in ("claimed", "contacted"):
                    mark_taken(db, lead, current[1])  # the person is told, once
                elif status != "new" and lead.claimed_by_id is None:
                    lead.claimed_by_id, lead.claimed_at = current[1].id, utcnow()
                db.add(AuditEvent(actor=current[1].username, action="status", lead_id=lead_id,
                                  detail={"status": status}))
            if note.strip():
                stamp = utcnow().strftime("%Y-%m-%d %H:%M")
                lead.notes = (lead.notes + "\n" if lead.notes else "") + f"[{stamp} {current[1].display_name}] {note.strip()}"
                db.add(AuditEvent(actor=current[1].username, action="note", lead_id=lead_id))
        return RedirectResponse(f"/inbox/leads/{lead_id}", status_code=303)

    @router.post("/leads/{lead_id}/delete")
    async def delete(request: Request, lead_id: str, csrf: str = Form("")) -> Response:
        current = who(request)
        if current is None:
            return to_login()
        if not csrf_ok(current[0], csrf):
            return forbidden()
        with sessions() as db:
            conversation = db.scalar(select(Lead.conversation_id).where(Lead.id == lead_id))
        if conversation is not None:
            await asyncio.to_thread(erase_conversation, sessions, conversation, current[1].username)
        return RedirectResponse("/inbox", status_code=303)

    @router.get("/export.csv")
    async def export(request: Request) -> Response:
        current = who(request)
        if current is None:
            return to_login()
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        with sessions() as db:
            consents: dict[tuple[str, str], Consent] = {
                (c.conversation_id, c.purpose): c for c in db.scalars(select(Consent)) if c.active
            }
            rows = list(db.scalars(select(Lead).order_by(Lead.created_at)))
            for lead in rows:
                contact = consents.get((lead.conversation_id, "contact"))
                writer.writerow([_cell(v) for v in (
                    lead.id, lead.created_at.isoformat(), lead.status, lead.warmth, " ".join(lead.warmth_reasons),
                    lead.first_name, lead.contact_method, lead.phone, lead.email, lead.preferred_time,
                    lead.call_language, lead.language, lead.channel, lead.source, " ".join(lead.routes),
                    contact is not None, (lead.conversation_id, "statistics") in consents,
                    contact.notice_version if contact else "",
                    lead.claimed_by.username if lead.claimed_by else "",
                    lead.closed_at.isoformat() if lead.closed_at else "",
                )])
        await asyncio.to_thread(audit, current[1].username, "export", count=len(rows))
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": 'attachment; filename="lotse-leads.csv"', "Cache-Control": "no-store"})

    return router
