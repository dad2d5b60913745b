"""A fake Telegram Bot API server that speaks the Bot API over HTTP on localhost.

The real aiogram ``Bot`` is pointed at it (``LOTSE_TELEGRAM_API_BASE``), so tests exercise the
real client, serialisation and error handling. It records every call, answers like Telegram
(``{"ok": true, "result": …}``), hands out queued updates through ``getUpdates``, and can be told
to fail: HTTP 500, 429 with ``retry_after``, or to hang (a timeout on the client's side).
A chat in ``forums`` is a forum supergroup: ``getChat`` says so and ``createForumTopic`` opens
topics in it (numbered thread ids); other methods (``deleteMessage``, ``closeForumTopic`` …)
answer ``true``. A file uploaded with a call (``sendDocument``: multipart, ``attach://<key>``)
is recorded in its parameter as ``{"filename": …, "content": <bytes>}``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.starter import free_port


@dataclass
class Call:
    """One Bot API call the fake answered successfully."""

    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    result: Any = None
    """What the fake answered (a sent message's ``message_id`` …)."""


@dataclass
class Fault:
    """What to do instead of answering, for the next call of one method."""

    status: int = 500
    retry_after: int | None = None
    hang_seconds: float = 0.0


def _decode(value: str) -> Any:
    if value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class FakeTelegram:
    """Start with :meth:`start`; ``base_url`` goes into ``LOTSE_TELEGRAM_API_BASE``."""

    def __init__(self) -> None:
        self.port = free_port()
        self.calls: list[Call] = []
        self.requests: list[str] = []
        """Every method requested, answered or not (a hanging call shows here at once)."""
        self.in_flight = 0
        """Requests received and not answered yet (a hanging or slow call counts until it ends)."""
        self.faults: dict[str, deque[Fault]] = {}
        self.updates: deque[dict[str, Any]] = deque()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(100)
        self._topic_ids = itertools.count(7000)
        self.forums: set[int] = set()
        """Chat ids that are forum supergroups."""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- what tests use ------------------------------------------------------------------

    def fail(self, method: str, status: int = 500, retry_after: int | None = None, times: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` fail."""
        with self._lock:
            for _ in range(times):
                self.faults.setdefault(method, deque()).append(Fault(status, retry_after))

    def hang(self, method: str, seconds: float, times: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` hang (and then fail) — a client timeout."""
        with self._lock:
            for _ in range(times):
                self.faults.setdefault(method, deque()).append(Fault(504, None, seconds))

    def slow(self, method: str, seconds: float, times: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` succeed, but only after ``seconds``."""
        with self._lock:
            for _ in range(times):
                self.faults.setdefault(method, deque()).append(Fault(200, None, seconds))

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update for ``getUpdates``; returns its ``update_id``."""
        update_id = next(self._update_ids)
        self.updates.append({"update_id": update_id, **update})
        return update_id

    def called(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Block until ``method`` was answered ``count`` times (or fail the test)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            calls = self.called(method)
            if len(calls) >= count:
                return calls
            time.sleep(0.02)
        raise AssertionError(f"{method} called {len(self.called(method))} times, wanted {count}")

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Block until every request received so far is answered (or failed, or dropped) — after
        that, nothing still on its way can show up in ``calls`` any more."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self.in_flight == 0:
                    return
            time.sleep(0.02)
        raise AssertionError(f"{self.in_flight} requests still unanswered after {timeout} s")

    # --- the server ------------------------------------------------------------------------

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        chat = {"id": int(params.get("chat_id", 0) or 0), "type": "private"}
        if method == "getMe":
            return {"id": 4242, "is_bot": True, "first_name": "Lotse", "username": "lotse_test_bot"}
        if method in ("sendMessage", "editMessageText"):
            sent: dict[str, Any] = {
                "message_id": int(params.get("message_id") or next(self._message_ids)),
                "date": int(time.time()),
                "chat": chat,
                "text": params.get("text", ""),
            }
            if params.get("message_thread_id"):
                sent["message_thread_id"] = int(params["message_thread_id"])
                sent["is_topic_message"] = True
            return sent
        if method == "sendDocument":
            document = params.get("document")
            name = document["filename"] if isinstance(document, dict) else "file"
            return {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": chat,
                "caption": params.get("caption", ""),
                "document": {"file_id": f"doc{self.port}", "file_unique_id": "doc", "file_name": name},
            }
        if method == "editMessageReplyMarkup":
            return {"message_id": int(params.get("message_id") or 0), "date": int(time.time()), "chat": chat}
        if method == "getChat":
            forum = chat["id"] in self.forums
            return {
                "id": chat["id"],
                "type": "supergroup" if forum or chat["id"] < 0 else "private",
                "is_forum": forum or None,
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
            }
        if method == "createForumTopic":
            if chat["id"] not in self.forums:
                return None  # (answered as Telegram's 400 below)
            return {"message_thread_id": next(self._topic_ids), "name": params.get("name", ""), "icon_color": 7322096}
        if method == "getUpdates":
            updates = list(self.updates)
            self.updates.clear()
            return updates
        if method == "getWebhookInfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        return True

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        with self._lock:
            self.requests.append(method)
            self.in_flight += 1
        try:
            return await self._answer(request, method)
        finally:
            with self._lock:
                self.in_flight -= 1

    async def _answer(self, request: web.Request, method: str) -> web.Response:
        form = await request.post()
        params: dict[str, Any] = {k: _decode(v) for k, v in form.items() if isinstance(v, str)}
        for key, value in params.items():  # uploaded files: what the call attached
            upload = form.get(value.removeprefix("attach://")) if isinstance(value, str) else None
            if isinstance(value, str) and value.startswith("attach://") and isinstance(upload, web.FileField):
                params[key] = {"filename": upload.filename, "content": upload.file.read()}
        with self._lock:
            queue = self.faults.get(method)
            fault = queue.popleft() if queue else None
        if fault is not None and fault.status == 200:
            await asyncio.sleep(fault.hang_seconds)
            fault = None
        if fault is not None:
            if fault.hang_seconds:
                await asyncio.sleep(fault.hang_seconds)
            description = "Too Many Requests" if fault.status == 429 else "Internal Server Error"
            body: dict[str, Any] = {"ok": False, "error_code": fault.status, "description": description}
            if fault.retry_after is not None:
                body["parameters"] = {"retry_after": fault.retry_after}
                body["description"] = f"Too Many Requests: retry after {fault.retry_after}"
            return web.json_response(body, status=fault.status)
        if method == "getUpdates" and not self.updates:
            await asyncio.sleep(min(float(params.get("timeout") or 0), 0.2))
        with self._lock:
            result = self._result(method, params)
            if result is None:
                description = "Bad Request: the chat is not a forum"
                return web.json_response({"ok": False, "error_code": 400, "description": description}, status=400)
            self.calls.append(Call(method, params, result=result))
        return web.json_response({"ok": True, "result": result})

    def start(self) -> FakeTelegram:
        ready = threading.Event()

        def serve() -> None:
            self._loop = asyncio.new_event_loop()
            app = web.Application()
            app.router.add_post("/bot{token}/{method}", self._handle)
            self._runner = web.AppRunner(app)
            self._loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", self.port)
            self._loop.run_until_complete(site.start())
            ready.set()
            self._loop.run_forever()
            self._loop.run_until_complete(self._runner.cleanup())
            self._loop.close()

        self._thread = threading.Thread(target=serve, name="fake-telegram", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)
