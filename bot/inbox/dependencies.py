"""What the inbox's routes are given by FastAPI: the database and cookie store the inbox was
created with, the engine (for a lead's transcript), and the logged-in counsellor.

``create_inbox`` puts an ``InboxState`` in front of every inbox route (a router dependency, which
FastAPI solves before the route's own); the small dependencies below read it from the request.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Response
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session, sessionmaker

from bot.engine import Engine
from bot.inbox.auth import COOKIE, InboxCookies, InboxLogin
from bot.leads.models import Counsellor
from bot.settings import Settings

LOGIN_PATH = "/inbox/login"


@dataclass(frozen=True, eq=False)
class InboxState:
    """The database (a sessionmaker) and the cookie store of one inbox; as a dependency, it puts
    itself on the request."""

    sessions: sessionmaker[Session]
    cookies: InboxCookies

    async def __call__(self, request: Request) -> None:
        request.state.inbox = self


async def inbox_state(request: Request) -> InboxState:
    """The state of the inbox that serves this request."""
    state: InboxState = request.state.inbox
    return state


async def database(state: Annotated[InboxState, Depends(inbox_state)]) -> sessionmaker[Session]:
    """The sessionmaker of the inbox's database."""
    return state.sessions


async def cookie_store(state: Annotated[InboxState, Depends(inbox_state)]) -> InboxCookies:
    """The store that makes and reads the inbox's login cookies."""
    return state.cookies


async def engine(request: Request) -> Engine:
    """The engine client the app's lifespan put on ``app.state.engine``."""
    client: Engine = request.app.state.engine
    return client


async def app_settings(request: Request) -> Settings:
    """The settings the app was created with (``app.state.settings``)."""
    settings: Settings = request.app.state.settings
    return settings


SessionsDep = Annotated[sessionmaker[Session], Depends(database)]
SettingsDep = Annotated[Settings, Depends(app_settings)]
CookiesDep = Annotated[InboxCookies, Depends(cookie_store)]
EngineDep = Annotated[Engine, Depends(engine)]


@dataclass(frozen=True)
class SignedIn:
    """A logged-in counsellor: the login (with the token their forms must carry) and the account."""

    login: InboxLogin
    counsellor: Counsellor


class LoginRequired(HTTPException):
    """Nobody (or no active counsellor) is logged in: the browser is sent to the login page."""

    def __init__(self) -> None:
        super().__init__(303, "login required", headers={"Location": LOGIN_PATH})


def _active_counsellor(sessions: sessionmaker[Session], login: InboxLogin) -> Counsellor | None:
    """The login's counsellor if still active and not logged out everywhere since."""
    with sessions() as db:
        counsellor = db.get(Counsellor, login.counsellor_id)
        if counsellor is None or not counsellor.active or counsellor.session_generation != login.generation:
            return None
        db.expunge(counsellor)
    return counsellor


def signed_in(request: Request, sessions: SessionsDep, cookies: CookiesDep) -> SignedIn | None:
    """Who is logged in, or ``None``. (A plain ``def``: FastAPI runs it in its thread pool, off the
    event loop, because it reads the database.) Marks the cookie for refreshing (``InboxRoute``)
    so that the idle timeout counts from this request."""
    login = cookies.read(request.cookies.get(COOKIE))
    if login is None:
        return None
    counsellor = _active_counsellor(sessions, login)
    if counsellor is None:
        return None
    refreshed = cookies.refreshed(login)
    if refreshed is not None:
        request.state.inbox_refresh = (cookies, *refreshed)
    return SignedIn(login, counsellor)


def set_login_cookie(response: Response, cookies: InboxCookies, login: InboxLogin, value: str) -> None:
    """Put a login cookie on a response (HttpOnly, SameSite=Strict, only for ``/inbox``)."""
    response.set_cookie(
        COOKIE,
        value,
        max_age=cookies.max_age(login),
        httponly=True,
        samesite="strict",
        secure=cookies.secure,
        path="/inbox",
    )


class InboxRoute(APIRoute):
    """An inbox route: its response carries the refreshed login cookie ``signed_in`` asked for,
    unless the route set or deleted the cookie itself (login, logout)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            response = await handler(request)
            refresh = getattr(request.state, "inbox_refresh", None)
            own = any(value.startswith(f"{COOKIE}=") for value in response.headers.getlist("set-cookie"))
            if refresh is not None and not own:
                set_login_cookie(response, *refresh)
            return response

        return handle


async def current_counsellor(signed: Annotated[SignedIn | None, Depends(signed_in)]) -> SignedIn:
    """The logged-in counsellor; raises ``LoginRequired`` (a redirect to the login page) if none."""
    if signed is None:
        raise LoginRequired()
    return signed


CurrentCounsellor = Annotated[SignedIn, Depends(current_counsellor)]
