"""What every request and answer of the gateway goes through: a cap on the body, security headers,
and kind answers (never a bare error) for bad requests to the chat API."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import structlog
from fastapi import Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.types import ASGIApp

from bot.inbound import Rejection
from bot.settings import Settings
from bot.web.language import request_language
from bot.web.limits import MAX_BODY_BYTES
from bot.web.replies import json_error

logger = structlog.get_logger(__name__)

EMBEDDABLE = ("/chat", "/privacy")
"""Pages a partner site may show in the widget's frame (``LOTSE_WIDGET_ORIGINS``); the rest never."""
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": (
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), bluetooth=(), serial=(), hid=(), "
        "midi=(), magnetometer=(), gyroscope=(), accelerometer=(), display-capture=(), interest-cohort=()"
    ),
}
"""On every answer: no MIME sniffing, no referrer to other sites, no device or sensor access."""
HSTS = "max-age=31536000; includeSubDomains"
"""Only when ``LOTSE_PUBLIC_URL`` is https: browsers then never try plain http for a year."""


def content_security_policy(frame_ancestors: str) -> str:
    """Everything from our own origin only: no CDN, no fonts, no inline script or style."""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self'; frame-ancestors {frame_ancestors}; base-uri 'none'; form-action 'self'"
    )


def route_template(request: Request) -> str:
    """The matched route's template ("/inbox/leads/{lead_id}"), never the path itself: a path can
    carry a lead id or a plan's token, which do not belong in a log."""
    route = request.scope.get("route")
    return str(getattr(route, "path", None) or "unmatched")


class Guard(BaseHTTPMiddleware):
    """Refuses a body over ``MAX_BODY_BYTES`` before it is read; puts the security headers and the
    content security policy on every answer, its own refusals and errors included (only the
    embeddable pages may be framed)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        super().__init__(app)
        self._max_chars = settings.max_message_chars
        self._csp_embeddable = content_security_policy(" ".join(["'self'", *settings.embedding_origins]))
        self._csp_closed = content_security_policy("'none'")
        self._headers = dict(SECURITY_HEADERS)
        if settings.public_url.lower().startswith("https://"):
            self._headers["Strict-Transport-Security"] = HSTS

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            response: Response = json_error(Rejection.TOO_LONG, request_language(request), 413, self._max_chars)
        else:
            try:
                response = await call_next(request)
            except Exception:  # a bug in a route (logged): still a 500 with the security headers
                logger.exception("gateway.unhandled", route=route_template(request))
                response = PlainTextResponse("Internal Server Error", status_code=500)
        return self._secure(request, response)

    def _secure(self, request: Request, response: Response) -> Response:
        """Put the security headers on ``response`` (those a route set itself stay)."""
        for name, value in self._headers.items():
            response.headers.setdefault(name, value)
        path = request.url.path
        embeddable = path in EMBEDDABLE or path.startswith("/static/")
        response.headers.setdefault("Content-Security-Policy", self._csp_embeddable if embeddable else self._csp_closed)
        if not embeddable:
            response.headers.setdefault("X-Frame-Options", "DENY")
        return response


async def http_error(request: Request, error: StarletteHTTPException) -> Response:
    """A 4xx of the chat API in the person's language; any other as FastAPI answers it."""
    if request.url.path.startswith("/api/") and 400 <= error.status_code < 500:
        return json_error(Rejection.BAD_REQUEST, request_language(request), error.status_code)
    return await http_exception_handler(request, error)


async def bad_request(request: Request, _error: RequestValidationError) -> JSONResponse:
    """A request that does not have the expected shape: a kind 400."""
    logger.info("chat.bad_request", path=request.url.path)
    return json_error(Rejection.BAD_REQUEST, request_language(request), 400)


EXCEPTION_HANDLERS: dict[int | type[Exception], Callable[[Request, Any], Coroutine[Any, Any, Response]]] = {
    StarletteHTTPException: http_error,
    RequestValidationError: bad_request,
}
"""Passed to ``FastAPI(exception_handlers=...)``; they replace FastAPI's own for these two."""
