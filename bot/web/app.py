"""The gateway's ASGI app: chat page, chat API, health.

The only process reachable from outside. It cleans and caps what users send, passes it to the
engine's REST channel with the user's language, and answers kindly in that language whenever
something is wrong — a 4xx for bad input, never a 5xx.

The routes live in a router per concern (``pages``, ``chat``, ``webhook``; the inbox's in
``bot.inbox``); they find what they need on ``app.state`` through ``bot.web.dependencies``.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI, Request
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation import Conversations
from bot.database import make_engine, make_sessions
from bot.engine import Engine
from bot.health import check_all, healthy
from bot.inbox.auth import InboxCookies
from bot.inbox.routes import create_inbox
from bot.metrics import CONTENT_TYPE, exposition, read_database
from bot.news import news_bell, ring_on_commit
from bot.settings import Settings, get_settings
from bot.stack import engine_token
from bot.web import chat, pages, webhook
from bot.web.dependencies import EngineDep, SessionsDep, SettingsDep
from bot.web.guard import EXCEPTION_HANDLERS, Guard
from bot.web.pages import WEB_DIR, Pages
from bot.workers import run_appointment_reminders, run_relay_quiet, run_retention, start_telegram

logger = structlog.get_logger(__name__)


async def _announce_when_ready(engine: Engine, settings: Settings) -> None:
    """Log the chat URL once the engine answers (it needs 10–20 seconds to load its model)."""
    while not await engine.is_ready():
        await asyncio.sleep(2)
    host = "localhost" if settings.bot_host in ("0.0.0.0", "::") else settings.bot_host
    logger.info("lotse.ready", chat=f"http://{host}:{settings.bot_port}/chat")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """While the app runs: the engine client, the conversations, the Telegram tasks (polling or
    webhook, notifier), the retention purge, the end of quiet relays, the appointments' reminders
    and the ready message; all closed at the end."""
    settings: Settings = app.state.settings
    sessions = app.state.sessions
    app.state.engine = app.state.given_engine or Engine(
        settings.engine_addresses,
        settings.engine_timeout_seconds,
        token=engine_token(settings),
        down_seconds=settings.engine_down_seconds,
    )
    app.state.conversations = Conversations.from_settings(app.state.engine, settings, sessions)
    tasks = [
        asyncio.create_task(_announce_when_ready(app.state.engine, settings)),
        asyncio.create_task(run_retention(sessions, settings)),
        asyncio.create_task(run_relay_quiet(sessions, settings)),
        asyncio.create_task(app.state.news.run()),
    ]
    telegram = start_telegram(settings, sessions, app.state.conversations)
    app.state.telegram = telegram
    tasks += telegram.tasks
    tasks.append(asyncio.create_task(run_appointment_reminders(sessions, telegram.wakeup)))
    yield
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await telegram.close()
    await app.state.conversations.aclose()
    await app.state.news.aclose()
    await app.state.engine.aclose()


async def health(settings: SettingsDep, sessions: SessionsDep, engine: EngineDep) -> JSONResponse:
    """``/healthz``: 200 when every dependency is ok, 503 (what a load balancer understands) when
    one is not; ``checks`` says which. ``bot`` and ``engine`` stay at the top for older pollers."""
    results = await check_all(settings, sessions, engine)
    ok = healthy(results)
    body = {
        "bot": "ok",
        "engine": "ok" if results["engine"].status == "ok" else "unavailable",
        "status": "ok" if ok else "unhealthy",
        "checks": {name: result.as_json() for name, result in results.items()},
    }
    return JSONResponse(body, status_code=200 if ok else 503, headers={"Cache-Control": "no-store"})


async def metrics(request: Request, settings: SettingsDep, sessions: SessionsDep, engine: EngineDep) -> Response:
    """``/metrics`` for Prometheus, behind ``Authorization: Bearer <LOTSE_METRICS_TOKEN>``; without
    that setting the route does not exist (404)."""
    if settings.metrics_token is None:
        return JSONResponse({"detail": "Not Found"}, status_code=404)
    expected = f"Bearer {settings.metrics_token.get_secret_value()}".encode()
    given = request.headers.get("authorization", "").encode()
    if not hmac.compare_digest(given, expected):
        return JSONResponse({"detail": "Unauthorized"}, status_code=401, headers={"WWW-Authenticate": "Bearer"})
    engine_status, database_ok = await asyncio.gather(
        engine.health(settings.health_timeout_seconds), asyncio.to_thread(_read_database, sessions)
    )
    body = exposition(engine_status == "ok", database_ok)
    return Response(body, media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})


def _read_database(sessions: sessionmaker[Session]) -> bool:
    """Refresh the database's gauges; ``False`` when they are stale (the scrape still answers)."""
    try:
        read_database(sessions)
    except SQLAlchemyError as error:
        logger.error("metrics.database_unavailable", error=type(error).__name__)
        return False
    return True


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the gateway app; tests pass their own settings or engine."""
    settings = settings or get_settings()
    app = FastAPI(
        title="Lotse",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        exception_handlers=EXCEPTION_HANDLERS,
    )
    app.state.settings = settings
    app.state.sessions = make_sessions(make_engine(settings.effective_database_url))
    app.state.news = news_bell(settings.redis_url, settings.effective_database_url)
    ring_on_commit(app.state.sessions, app.state.news)  # news queued here wakes the open web chats
    app.state.inbox_cookies = InboxCookies(settings)
    app.state.given_engine = engine  # None: the lifespan makes one from the settings
    app.state.pages = Pages.build(settings)
    app.add_middleware(GZipMiddleware, minimum_size=1024)  # cheap phones, slow mobile data
    app.add_middleware(Guard, settings=settings)  # added last: outermost, sees every request first
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    app.include_router(create_inbox(app.state.sessions, app.state.inbox_cookies))
    app.include_router(pages.router)
    app.include_router(chat.router)
    app.include_router(webhook.router)
    app.add_api_route("/healthz", health, methods=["GET"])
    app.add_api_route("/metrics", metrics, methods=["GET"], include_in_schema=False)
    return app
