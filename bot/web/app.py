"""The gateway's ASGI app: chat page, chat API, health.

The only process reachable from outside. It cleans and caps what users send, passes it to the
engine's REST channel with the user's language, and answers kindly in that language whenever
something is wrong — a 4xx for bad input, never a 5xx.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import re
import uuid
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator
from urllib.parse import urlsplit

import structlog
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.conversation import Conversations
from bot.database import make_engine, make_sessions
from bot.inbox.auth import Sessions as InboxCookies
from bot.inbox.routes import create_inbox
from bot.workers import run_retention, start_telegram
from bot.engine import Engine
from bot.i18n import (
    LANGUAGES,
    N_,
    Days,
    available_languages,
    gettext_for,
    is_rtl,
    resolve_language,
    translate,
)
from bot.leads import notice
from bot.leads.service import take_web_notices
from bot.plan import GONE, PRINT, find_plan, plan_views, profile_of
from bot.inbound import Rejection
from bot.settings import Settings, get_settings
from bot.stack import engine_token
from knowledge.loader import load_knowledge

logger = structlog.get_logger(__name__)

WEB_DIR = Path(__file__).parent
MAX_BODY_BYTES = 64 * 1024
EMBEDDABLE = ("/chat", "/privacy")
"""Pages a partner site may show in the widget's frame (``LOTSE_WIDGET_ORIGINS``); the rest never."""
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
EVENTS_POLL_SECONDS = 3.0
"""How often an open web chat's event stream looks for news (a counsellor took the request)."""
EVENTS_HEARTBEAT_SECONDS = 25.0
SOURCE_SHAPE = r"^[A-Za-z0-9_.-]{1,64}$"
"""Where a person came from (widget ``data-start``, ``/chat?start=``), as Telegram deep links allow."""
COLOUR_SHAPE = re.compile(r"#[0-9a-fA-F]{6}")


def content_security_policy(frame_ancestors: str) -> str:
    """Everything from our own origin only: no CDN, no fonts, no inline script or style."""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self'; frame-ancestors {frame_ancestors}; base-uri 'none'; form-action 'self'"
    )


# Texts of the chat page and the launcher; translated per request.
PAGE_TEXTS = {
    "title": N_("Lotse – dein Weg zum Berufsabschluss"),
    "input_label": N_("Deine Nachricht"),
    "placeholder": N_("Schreib hier …"),
    "send": N_("Senden"),
    "language_label": N_("Sprache"),
    "log_label": N_("Unterhaltung mit Lotse"),
    "offline": N_("Keine Verbindung. Deine Nachricht wird gesendet, sobald du wieder online bist."),
    "noscript": N_("Bitte schalte JavaScript ein, um mit Lotse zu schreiben."),
    "pending": N_("Noch nicht gesendet"),
    "typing": N_("Lotse schreibt …"),
    "read_aloud": N_("Vorlesen"),
    "close": N_("Chat schließen"),
    "open": N_("Chat mit Lotse öffnen"),
    # TRANSLATORS: read out by screen readers before each of the user's own messages
    "you": N_("Du:"),
}
LAUNCHER_TEXTS = ("open", "close", "title")


def launcher_script() -> str:
    """``static/widget.js`` with the launcher's texts in every language filled in."""
    texts = {
        code: {key: gettext_for(code, PAGE_TEXTS[key]) if key != "title" else "Lotse" for key in LAUNCHER_TEXTS}
        for code in available_languages()
    }
    script = (WEB_DIR / "static" / "widget.js").read_text(encoding="utf-8")
    return script.replace("/*TEXTS*/{}", json.dumps(texts, ensure_ascii=True), 1)


def link_hosts(settings: Settings) -> list[str]:
    """Hosts whose links the chat shows as links: the offices' websites, our own, configured ones."""
    hosts = {urlsplit(settings.public_url).hostname or ""}
    hosts |= {o.website.host or "" for o in load_knowledge().offices if o.website is not None}
    hosts |= set(re.split(r"[\s,]+", settings.link_hosts))
    return sorted(h.lower() for h in hosts if h)


class ChatRequest(BaseModel):
    """One message from the chat page: typed ``text``, or a pressed button (``payload``, with
    its title as ``text``). A payload Lotse did not offer is handled as the text."""

    session: str = Field(max_length=64)
    text: str = Field(default="", max_length=MAX_BODY_BYTES)
    payload: str | None = Field(default=None, max_length=1024)
    language: str | None = Field(default=None, max_length=32)
    source: str | None = Field(default=None, pattern=SOURCE_SHAPE)


def text_direction(language: str) -> str:
    """``rtl`` or ``ltr``: the ``dir`` of a page or an answer in ``language``."""
    return "rtl" if is_rtl(language) else "ltr"


def _json_error(rejection: Rejection, language: str, status: int, limit: int = 0) -> JSONResponse:
    return JSONResponse(
        {
            "messages": [{"text": rejection.text(language, limit), "buttons": []}],
            "language": language,
            "dir": text_direction(language),
            "error": rejection.name.lower(),
        },
        status_code=status,
    )


async def _announce_when_ready(engine: Engine, settings: Settings) -> None:
    """Log the chat URL once the engine answers (it needs about a minute to load its model)."""
    while not await engine.is_ready():
        await asyncio.sleep(2)
    host = "localhost" if settings.bot_host in ("0.0.0.0", "::") else settings.bot_host
    logger.info("lotse.ready", chat=f"http://{host}:{settings.bot_port}/chat")


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the gateway app; tests pass their own settings or engine."""
    settings = settings or get_settings()
    db_sessions = make_sessions(make_engine(settings.effective_database_url))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = engine or Engine(
            settings.engine_url, settings.engine_timeout_seconds, token=engine_token(settings)
        )
        app.state.conversations = Conversations.from_settings(app.state.engine, settings, db_sessions)
        tasks = [asyncio.create_task(_announce_when_ready(app.state.engine, settings)),
                 asyncio.create_task(run_retention(db_sessions, settings))]
        telegram = start_telegram(settings, db_sessions, app.state.conversations)
        app.state.telegram = telegram
        tasks += telegram.tasks
        yield
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await telegram.close()
        await app.state.conversations.aclose()
        await app.state.engine.aclose()

    app = FastAPI(title="Lotse", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    templates = Environment(
        loader=FileSystemLoader(WEB_DIR / "templates"),
        autoescape=select_autoescape(["html"]),
    )
    app.add_middleware(GZipMiddleware, minimum_size=1024)  # cheap phones, slow mobile data
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    app.include_router(create_inbox(db_sessions, InboxCookies(settings)))

    csp_embeddable = content_security_policy(" ".join(["'self'", *settings.embedding_origins]))
    csp_closed = content_security_policy("'none'")
    hosts = link_hosts(settings)
    launcher = launcher_script()

    def language_of(request: Request, requested: Any = None) -> str:
        return resolve_language(
            requested or request.headers.get("accept-language", "").split(",")[0].split(";")[0],
            settings.default_language,
        )

    @app.middleware("http")
    async def guard(request: Request, call_next: Any) -> Response:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            return _json_error(Rejection.TOO_LONG, language_of(request), 413, settings.max_message_chars)
        response: Response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        path = request.url.path
        embeddable = path in EMBEDDABLE or path.startswith("/static/")
        response.headers.setdefault("Content-Security-Policy", csp_embeddable if embeddable else csp_closed)
        if not embeddable:
            response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/") and 400 <= error.status_code < 500:
            return _json_error(Rejection.BAD_REQUEST, language_of(request), error.status_code)
        return await http_exception_handler(request, error)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, _error: RequestValidationError) -> JSONResponse:
        logger.info("chat.bad_request", path=request.url.path)
        return _json_error(Rejection.BAD_REQUEST, language_of(request), 400)

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/chat")

    @app.get("/chat", response_class=HTMLResponse)
    async def chat_page(request: Request, lang: str | None = None, embed: bool = False,
                        start: str | None = None, colour: str | None = None) -> HTMLResponse:
        """The chat as a full page, or inside the widget's frame (``embed=1``)."""
        language = language_of(request, lang)
        texts = {key: gettext_for(language, msgid) for key, msgid in PAGE_TEXTS.items()}
        page = templates.get_template("chat.html").render(
            language=language,
            html_lang=language.split("_")[0],
            direction=text_direction(language),
            texts=texts,
            languages=[(code, LANGUAGES[code].endonym) for code in available_languages()],
            max_chars=settings.max_message_chars,
            embed=embed,
            source=start if start and re.fullmatch(SOURCE_SHAPE, start) else "",
            colour=colour if colour and COLOUR_SHAPE.fullmatch(colour) else "",
            link_hosts=json.dumps(hosts),
        )
        return HTMLResponse(page)

    @app.get("/widget.js", include_in_schema=False)
    async def widget_script() -> Response:
        """The launcher partner sites include with one ``<script>`` tag (see README)."""
        return Response(launcher, media_type="text/javascript; charset=utf-8", headers={
            "Cache-Control": "public, max-age=3600",
            "Cross-Origin-Resource-Policy": "cross-origin",
        })

    @app.get("/widget-demo", response_class=HTMLResponse, include_in_schema=False)
    async def widget_demo(request: Request, lang: str | None = None) -> HTMLResponse:
        """A stand-in for a partner's page with the launcher on it (``make demo``)."""
        language = language_of(request, lang)
        page = templates.get_template("widget-demo.html").render(
            language=language, html_lang=language.split("_")[0],
            direction=text_direction(language),
            request_origin=str(request.base_url).rstrip("/"),
        )
        return HTMLResponse(page)

    @app.get("/privacy", response_class=HTMLResponse)
    async def privacy_page(request: Request, lang: str | None = None) -> HTMLResponse:
        language = language_of(request, lang)
        retention = {"lead_days": Days(settings.lead_retention_days),
                     "conversation_days": Days(settings.conversation_retention_days)}
        page = templates.get_template("privacy.html").render(
            language=language,
            html_lang=language.split("_")[0],
            direction=text_direction(language),
            title=translate(language, notice.TITLE),
            sections=[(translate(language, heading), translate(language, text, **retention))
                      for heading, text in notice.SECTIONS],
            version=translate(language, N_("Stand: {version}"), version=notice.NOTICE_VERSION),
            languages=[(code, LANGUAGES[code].endonym) for code in available_languages()],
            languages_label=gettext_for(language, PAGE_TEXTS["language_label"]),
            back=translate(language, N_("Zurück zum Chat")),
        )
        return HTMLResponse(page)

    @app.get("/plan/{token}", response_class=HTMLResponse)
    async def plan_page(request: Request, token: str) -> HTMLResponse:
        """Mein Plan: printable, the person's language and German side by side, no cache, no index."""
        headers = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow",
                   "Referrer-Policy": "no-referrer"}
        try:
            plan = await asyncio.to_thread(find_plan, db_sessions, token, settings.conversation_retention_days)
        except SQLAlchemyError as error:
            logger.error("plan.unavailable", error=type(error).__name__)
            plan = None
        if plan is None:
            language = language_of(request)
            page = templates.get_template("plan.html").render(
                html_lang=language.split("_")[0], direction=text_direction(language),
                title=translate(language, N_("Mein Plan")), gone=translate(language, GONE), views=[])
            return HTMLResponse(page, status_code=404, headers=headers)
        views = plan_views(profile_of(plan.profile), plan.language, load_knowledge())
        page = templates.get_template("plan.html").render(
            html_lang=plan.language.split("_")[0], direction=views[0].direction, title=views[0].title,
            views=views, print_label=translate(plan.language, PRINT), gone=None,
            created=plan.created_at.date().isoformat(),
        )
        return HTMLResponse(page, headers=headers)

    @app.post("/api/chat")
    async def chat(request: Request, message: ChatRequest) -> JSONResponse:
        language = language_of(request, message.language)
        try:
            session = uuid.UUID(message.session)
        except ValueError:
            return _json_error(Rejection.BAD_REQUEST, language, 400)
        conversations: Conversations = request.app.state.conversations
        sender = f"web:{session}"
        outcome = None
        if message.payload is not None:
            outcome = await conversations.press(sender, message.payload, language, "web", message.source)
        if outcome is None:  # typed, or a button Lotse did not offer: text, never a payload
            outcome = await conversations.handle(sender, message.text or message.payload or "", language,
                                                 channel="web", source=message.source)
        body: dict[str, Any] = {
            "messages": [{"text": m.text, "buttons": m.buttons} for m in outcome.messages],
            "language": outcome.language,
            "dir": outcome.direction,
        }
        if outcome.rejection is not None:
            body["error"] = outcome.rejection.name.lower()
        if outcome.erased:
            body["erased"] = True
        headers = {}
        if outcome.retry_after is not None:
            body["retry_after"] = outcome.retry_after
            headers["Retry-After"] = str(outcome.retry_after)
        return JSONResponse(body, status_code=outcome.status, headers=headers)

    @app.get("/api/events")
    async def events(request: Request, session: str = "") -> Response:
        """Server-sent events: what Lotse says without being asked (a counsellor has taken the
        request). One stream per open chat; news is looked for every few seconds in the database,
        so it also reaches a chat opened later, and survives restarts."""
        try:
            sender = f"web:{uuid.UUID(session)}"
        except ValueError:
            return _json_error(Rejection.BAD_REQUEST, language_of(request), 400)

        async def stream() -> AsyncIterator[str]:
            yield "retry: 5000\n\n"
            quiet = 0.0
            while not await request.is_disconnected():
                try:
                    news = await asyncio.to_thread(take_web_notices, db_sessions, sender)
                except SQLAlchemyError as error:  # the type only: errors carry parameters
                    logger.error("events.failed", error=type(error).__name__)
                    news = []
                for language, msgid in news:
                    body = {"messages": [{"text": translate(language, msgid), "buttons": []}],
                            "language": language, "dir": text_direction(language)}
                    yield f"data: {json.dumps(body, ensure_ascii=False)}\n\n"
                    quiet = 0.0
                await asyncio.sleep(EVENTS_POLL_SECONDS)
                quiet += EVENTS_POLL_SECONDS
                if quiet >= EVENTS_HEARTBEAT_SECONDS:  # keeps proxies from closing the stream
                    yield ": ping\n\n"
                    quiet = 0.0

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    @app.post("/telegram/webhook", include_in_schema=False)
    async def telegram_webhook(request: Request) -> Response:
        """Updates from Telegram (webhook mode): the secret token is checked, duplicates ignored."""
        telegram = getattr(request.app.state, "telegram", None)
        if telegram is None or telegram.dispatcher is None or settings.telegram_webhook_secret is None:
            return JSONResponse({"ok": False}, status_code=404)
        sent = request.headers.get("x-telegram-bot-api-secret-token", "")
        if not hmac.compare_digest(sent, settings.telegram_webhook_secret.get_secret_value()):
            logger.warning("telegram.webhook_refused")
            return JSONResponse({"ok": False}, status_code=401)
        try:
            update = await request.json()
            update_id = int(update["update_id"])
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"ok": False}, status_code=400)
        if not telegram.seen.first_time(update_id):
            logger.info("telegram.duplicate_update")
            return JSONResponse({"ok": True})
        await telegram.dispatcher.feed_raw_update(telegram.bot, update)
        return JSONResponse({"ok": True})

    @app.get("/healthz")
    async def health(request: Request) -> JSONResponse:
        engine_ready = await request.app.state.engine.is_ready()
        return JSONResponse({"bot": "ok", "engine": "ok" if engine_ready else "unavailable"})

    return app
