"""Generated bad input against every endpoint of the gateway (issue 16, "Bad input, at scale").

Requests go through FastAPI's TestClient into ``create_app`` with a real SQLite database, a
counsellor and a lead in it, the engine's URL on a closed port (the gateway must answer kindly
when the engine is down), and Telegram in webhook mode against the fake Bot API server.

Properties, for every generated request: no 5xx, no unhandled exception (the TestClient raises
it), and no generated ``<script>`` marker echoed raw into an HTML page or a script.

``make test`` runs a small sample; ``make fuzz`` runs ``LOTSE_FUZZ_EXAMPLES`` (≥ 10,000) and
prints requests per second and the count by status code.
"""

from __future__ import annotations

import os
import re
import time
import types
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bot.inbox.routes
from bot.counsellors import add_counsellor
from bot.database import make_engine, make_sessions
from bot.engine import Engine
from bot.leads.submission import submit_lead
from bot.migrations import upgrade
from bot.settings import Settings
from bot.starter import free_port
from bot.web.app import create_app
from devtools.fake_telegram import FakeTelegram
from tests.support.databases import give_consent, submission
from tests.support.inbox import PASSWORD

EXAMPLES = int(os.environ.get("LOTSE_FUZZ_EXAMPLES", "200"))
MARKER = "<script>lotse-fuzz</script>"
"""Put into generated texts; must never come back raw in an HTML page or a script."""
SECRET = "webhook-secret"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Gateway:
    client: TestClient
    cookie: str
    csrf: str
    lead_id: str
    statuses: Counter[int] = field(repr=False)
    elapsed: list[float] = field(repr=False)


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    tmp = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{tmp / 'fuzz.db'}"
    upgrade(url)
    sessions = make_sessions(make_engine(url))
    add_counsellor(sessions, "anna", "Anna Berg", PASSWORD)
    conversation = str(uuid.uuid4())
    give_consent(sessions, conversation, "contact", "2026-11-28", "web")
    lead_id = str(submit_lead(sessions, submission(conversation)).id)
    telegram = FakeTelegram().start()
    settings_ = Settings(
        var_dir=tmp,
        database_url=url,
        public_url="http://testserver",
        telegram_token="123456:FUZZ",
        telegram_api_base=telegram.base_url,
        telegram_webhook_url="https://example.org/telegram/webhook",
        telegram_webhook_secret=SECRET,
    )
    # a failed login waits half a second (against guessing); not 10,000 times here
    real_asyncio = bot.inbox.routes.asyncio

    async def no_wait(_seconds: float) -> None:
        return None

    bot.inbox.routes.asyncio = types.SimpleNamespace(to_thread=real_asyncio.to_thread, sleep=no_wait)  # type: ignore[assignment]
    try:
        with TestClient(create_app(settings_, engine=Engine(f"http://127.0.0.1:{free_port()}", 2.0))) as client:
            login = client.post("/inbox/login", data={"username": "anna", "password": PASSWORD}, follow_redirects=False)
            cookie = login.cookies["lotse_inbox"]
            page = client.get("/inbox", cookies={"lotse_inbox": cookie}).text
            client.cookies.clear()
            found = CSRF.search(page)
            assert found, "the inbox page carries its CSRF token"
            yield Gateway(client, cookie, found.group(1), lead_id, Counter(), [])
    finally:
        bot.inbox.routes.asyncio = real_asyncio  # type: ignore[assignment]
        telegram.stop()


# --- what people (and attackers) send -------------------------------------------------------

nasty_text = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from(
        [
            MARKER,
            f'"><{MARKER}',
            f"</textarea>{MARKER}",
            "\x00\x01\x1b[31m\u202e\ufeff",
            "../../etc/passwd",
            "' OR 1=1 --",
            "{{7*7}}",
            "%00",
            '/inform{"age": -5}',
            '/request_counsellor{"consent": "contact"}',
            "😀" * 50,
        ]
    ),
    st.builds(lambda text, n: text * n, st.sampled_from(["a", MARKER, "ü"]), st.integers(1, 5000)),
).map(lambda text: text if MARKER in text or len(text) % 3 else text + MARKER)

short_text = nasty_text.map(lambda text: text[:500])
"""For URLs: the client refuses a query over 65,536 characters before anything is sent."""

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | nasty_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)

chat_bodies = st.one_of(
    st.fixed_dictionaries(
        {"session": st.one_of(st.uuids().map(str), nasty_text), "text": nasty_text},
        optional={
            "payload": st.one_of(
                st.none(),
                nasty_text,
                json_values,
                st.from_regex(r"appt:[A-Za-z0-9_-]{16,64}:(yes|other)", fullmatch=True),
            ),
            "language": st.one_of(st.sampled_from(["de", "en", "ar", "fa", "uk"]), nasty_text, json_values),
            "source": st.one_of(nasty_text, st.from_regex(r"[a-z0-9-]{1,20}", fullmatch=True)),
        },
    ),
    json_values,
)
ack_bodies = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "session": st.one_of(st.uuids().map(str), nasty_text, json_values),
            "id": st.one_of(st.integers(), st.integers(1, 10), st.floats(), nasty_text, json_values),
        },
    ),
    json_values,
)

query_params = st.dictionaries(
    st.sampled_from(
        ["lang", "language", "embed", "start", "colour", "status", "route", "min_warmth", "session", "appointment", "x"]
    )
    | short_text,
    short_text | st.integers().map(str) | st.sampled_from(["1", "true", "de", "#ff0000"]),
    max_size=4,
)

headers = st.dictionaries(
    st.sampled_from(["accept-language", "x-telegram-bot-api-secret-token", "origin", "referer", "last-event-id"]),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255, exclude_characters="\x7f"), max_size=40),
    max_size=2,
).map(lambda found: {name: value.encode("latin-1") for name, value in found.items()})  # as HTTP carries them


KINDS = ["chat", "chat_raw", "events", "ack", "ack_raw", "page", "inbox", "inbox_post", "login", "webhook"]
"""The kinds of request generated: every endpoint of the gateway."""


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, str, dict[str, Any], bool]:
    """(method, path, keyword arguments for the client, whether to send the inbox's cookie)."""
    kind = draw(st.sampled_from(KINDS))
    extra: dict[str, Any] = {"headers": draw(headers)}
    signed_in = draw(st.booleans())
    if kind == "chat":
        return "POST", "/api/chat", {**extra, "json": draw(chat_bodies)}, False
    if kind == "chat_raw":
        content = draw(st.binary(max_size=2000) | nasty_text.map(str.encode))
        return "POST", "/api/chat", {**extra, "content": content}, False
    if kind == "ack":
        return "POST", "/api/events/ack", {**extra, "json": draw(ack_bodies)}, False
    if kind == "ack_raw":
        content = draw(st.binary(max_size=2000) | nasty_text.map(str.encode))
        return "POST", "/api/events/ack", {**extra, "content": content}, False
    if kind == "events":
        session = draw(short_text)
        return "GET", "/api/events", {**extra, "params": {"session": session}}, False
    if kind == "page":
        path = draw(
            st.sampled_from(
                ["/", "/chat", "/privacy", "/widget.js", "/widget-demo", "/healthz", "/plan/", "/api/appointment.ics"]
            )
        )
        if path == "/plan/":
            path += draw(st.from_regex(r"[A-Za-z0-9_-]{0,50}", fullmatch=True))
        return "GET", path, {**extra, "params": draw(query_params)}, False
    lead = draw(
        st.one_of(st.just("LEAD"), st.uuids().map(str), st.from_regex(r"[A-Za-z0-9._~-]{1,80}", fullmatch=True))
    )
    if kind == "inbox":
        path = draw(
            st.sampled_from(["/inbox", "/inbox/login", "/inbox/export.csv", "/inbox/leads/{}", "/inbox/appointments"])
        )
        return "GET", path.format(lead), {**extra, "params": draw(query_params)}, signed_in
    if kind == "inbox_post":
        path = draw(
            st.sampled_from(
                ["/inbox/logout", "/inbox/leads/{}/status", "/inbox/leads/{}/delete", "/inbox/appointments/{}/cancel"]
            )
        )
        form = draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "csrf": st.one_of(st.just("CSRF"), nasty_text),
                    "status": st.one_of(st.sampled_from(["new", "claimed", "done"]), nasty_text),
                    "note": nasty_text,
                },
            )
        )
        return "POST", path.format(lead), {**extra, "data": form}, signed_in
    if kind == "login":
        form = draw(st.fixed_dictionaries({}, optional={"username": nasty_text, "password": nasty_text}))
        return "POST", "/inbox/login", {**extra, "data": form}, False
    secret = draw(st.sampled_from([SECRET, "", "wrong", "gefälscht"]))
    update = draw(
        st.one_of(
            json_values,
            st.fixed_dictionaries(
                {"update_id": st.integers(-(2**63), 2**63) | nasty_text},
                optional={
                    key: json_values
                    for key in ("x", "message", "edited_message", "callback_query", "channel_post", "my_chat_member")
                },
            ),
        )
    )
    return (
        "POST",
        "/telegram/webhook",
        {"json": update, "headers": {"x-telegram-bot-api-secret-token": secret.encode("latin-1")}},
        False,
    )


def _fill_in(gateway: Gateway, path: str, kwargs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Now and then the real lead id and the real CSRF token, so the signed-in paths are reached."""
    path = path.replace("LEAD", gateway.lead_id)
    data = kwargs.get("data")
    if isinstance(data, dict) and data.get("csrf") == "CSRF":
        kwargs = {**kwargs, "data": {**data, "csrf": gateway.csrf}}
    return path, kwargs


def _engine_down(response: Any) -> bool:
    """The one 5xx by design: the chat API's honest 503 while the engine is down, with a kind text."""
    if response.status_code != 503 or "json" not in response.headers.get("content-type", ""):
        return False
    body = response.json()
    return body.get("error") == "engine_down" and bool(body["messages"][0]["text"])


def _unhealthy(path: str, response: Any) -> bool:
    """The other 5xx by design: ``/healthz`` answers 503 naming the dependency that is down (here
    the engine and the action server, on closed ports) — for a load balancer, not a crash."""
    if path != "/healthz" or response.status_code != 503:
        return False
    body = response.json()
    return body.get("status") == "unhealthy" and any(
        check.get("status") != "ok" for check in body.get("checks", {}).values()
    )


def _check(method: str, path: str, response: Any) -> None:
    assert response.status_code < 500 or _engine_down(response) or _unhealthy(path, response), (
        f"{method} {path} -> {response.status_code}: {response.text[:300]}"
    )
    content_type = response.headers.get("content-type", "")
    if "html" in content_type or "javascript" in content_type:
        assert MARKER not in response.text, f"{method} {path} echoes user text unescaped"


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(request=requests())
def test_no_generated_request_gets_a_5xx_or_an_echo(
    gateway: Gateway, request: tuple[str, str, dict[str, Any], bool]
) -> None:
    method, path, kwargs, signed_in = request
    path, kwargs = _fill_in(gateway, path, kwargs)
    if path == "/api/events":  # a valid chat id opens an endless stream; invalid ones are the point
        try:
            uuid.UUID(kwargs["params"]["session"])
            return
        except ValueError:
            pass
    if signed_in:
        gateway.client.cookies.set("lotse_inbox", gateway.cookie, path="/inbox")
    started = time.perf_counter()
    response = gateway.client.request(method, path, follow_redirects=False, **kwargs)
    gateway.elapsed.append(time.perf_counter() - started)
    gateway.client.cookies.clear()  # neither the signed-in cookie nor a login's leaks into the next request
    gateway.statuses[response.status_code] += 1
    _check(method, path, response)


def test_figures(gateway: Gateway) -> None:
    """Prints what the run above did (``make fuzz`` shows it with ``-s``)."""
    total = sum(gateway.statuses.values())
    assert total > 0
    seconds = sum(gateway.elapsed)
    by_status = ", ".join(f"{status}: {count}" for status, count in sorted(gateway.statuses.items()))
    print(f"\nfuzz gateway: {total} requests, {total / seconds:.0f} requests/s in the gateway ({by_status})")


# --- what the fuzzing found, kept as plain cases -------------------------------------------


def test_a_csrf_token_with_non_ascii_letters_is_a_403_not_a_500(gateway: Gateway) -> None:
    gateway.client.cookies.set("lotse_inbox", gateway.cookie, path="/inbox")
    try:
        response = gateway.client.post("/inbox/logout", data={"csrf": "\x80"}, follow_redirects=False)
    finally:
        gateway.client.cookies.clear()
    assert response.status_code == 403


def test_a_webhook_secret_with_non_ascii_letters_is_a_401_not_a_500(gateway: Gateway) -> None:
    headers = {"x-telegram-bot-api-secret-token": "gefälscht".encode("latin-1")}
    response = gateway.client.post("/telegram/webhook", json={"update_id": 1}, headers=headers)
    assert response.status_code == 401


def test_an_update_of_the_wrong_shape_with_the_right_secret_is_a_400_not_a_500(gateway: Gateway) -> None:
    headers = {"x-telegram-bot-api-secret-token": SECRET}
    response = gateway.client.post("/telegram/webhook", json={"update_id": 77, "message": []}, headers=headers)
    assert response.status_code == 400


@pytest.mark.parametrize("bomb", [b"[" * 20_000 + b"]" * 20_000, b'{"update_id": 1, "message": ' + b'{"a":' * 10_000])
def test_a_json_bomb_to_the_webhook_is_a_400_not_a_500(gateway: Gateway, bomb: bytes) -> None:
    headers = {"x-telegram-bot-api-secret-token": SECRET, "content-type": "application/json"}
    response = gateway.client.post("/telegram/webhook", content=bomb, headers=headers)
    assert response.status_code == 400
