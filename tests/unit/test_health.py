"""``/healthz`` names the dependency that is down, answers 503 then (200 when all are ok), fast,
and without personal data. A real SQLite database; the engine and the action server are either
small local HTTP servers or a closed port."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from bot.database import make_engine, make_sessions, utcnow
from bot.engine import Engine
from bot.health import check_all, healthy
from bot.leads.models import OutboxMessage
from bot.migrations import upgrade
from bot.settings import Settings
from bot.web.app import create_app


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Dependency(http.server.BaseHTTPRequestHandler):
    """The engine's ``/status`` (only with the token ``t0ken``) and the action server's ``/health``."""

    def do_GET(self) -> None:
        if self.path.startswith("/status"):
            ok = "token=t0ken" in self.path
            body, code = (json.dumps({"model_id": "abc", "model_file": "lotse.tar.gz"}), 200) if ok else ("", 401)
        elif self.path == "/health":
            body, code = '{"status": "ok"}', 200
        else:
            body, code = "Hello from Rasa", 200
        self.send_response(code)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def dependency() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Dependency)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield int(server.server_address[1])
    server.shutdown()


@pytest.fixture
def database_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'lotse.db'}"
    upgrade(url)
    return url


def test_all_dependencies_up_is_200(tmp_path, database_url: str, dependency: int) -> None:
    settings = Settings(var_dir=tmp_path, database_url=database_url, actions_port=dependency)
    engine = Engine(f"http://127.0.0.1:{dependency}", token="t0ken")
    with TestClient(create_app(settings, engine=engine)) as client:
        response = client.get("/healthz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["bot"] == "ok" and body["engine"] == "ok" and body["status"] == "ok"
    assert body["checks"] == {
        "database": {"status": "ok"},
        "engine": {"status": "ok"},
        "actions": {"status": "ok"},
        "telegram_outbox": {"status": "off"},
        "redis": {"status": "off"},
    }


def test_a_stopped_engine_is_named_and_the_answer_is_503(tmp_path, database_url: str) -> None:
    settings = Settings(
        var_dir=tmp_path, database_url=database_url, engine_url=f"http://127.0.0.1:{_closed_port()}", actions_port=9
    )
    with TestClient(create_app(settings)) as client:
        started = time.monotonic()
        response = client.get("/healthz")
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy" and body["engine"] == "unavailable"
    assert body["checks"]["database"] == {"status": "ok"}
    assert body["checks"]["engine"] == {"status": "unavailable"}
    assert body["checks"]["actions"] == {"status": "unavailable"}
    assert elapsed < settings.health_timeout_seconds + 1
    assert response.headers["cache-control"] == "no-store"


def test_a_wrong_engine_token_is_unauthorized(tmp_path, database_url: str, dependency: int) -> None:
    settings = Settings(var_dir=tmp_path, database_url=database_url, actions_port=dependency)
    engine = Engine(f"http://127.0.0.1:{dependency}", token="wrong")
    with TestClient(create_app(settings, engine=engine)) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["engine"] == {"status": "unauthorized"}
    assert response.json()["checks"]["actions"] == {"status": "ok"}


async def test_an_unreachable_database_is_named(tmp_path, dependency: int) -> None:
    url = f"postgresql+psycopg://nobody@127.0.0.1:{_closed_port()}/lotse"
    settings = Settings(var_dir=tmp_path, database_url=url, actions_port=dependency, telegram_token="1:x")
    engine = Engine(f"http://127.0.0.1:{dependency}", token="t0ken")
    results = await check_all(settings, make_sessions(make_engine(url)), engine)
    await engine.aclose()
    assert results["database"].status == "unavailable: OperationalError"
    assert results["telegram_outbox"].status == "unavailable: OperationalError"
    assert results["engine"].status == "ok" and not healthy(results)


async def test_a_telegram_backlog_is_named_with_its_count(tmp_path, database_url: str, dependency: int) -> None:
    settings = Settings(var_dir=tmp_path, database_url=database_url, actions_port=dependency, telegram_token="1:x")
    sessions = make_sessions(make_engine(database_url))
    old = utcnow() - timedelta(minutes=settings.health_outbox_minutes + 5)
    with sessions.begin() as session:
        session.add(OutboxMessage(kind="redact", dedup_key="redact:1", created_at=old))
        session.add(OutboxMessage(kind="redact", dedup_key="redact:2"))  # young: not yet a backlog
        session.add(OutboxMessage(kind="notice_web", dedup_key="web:1", created_at=old))  # the web chat's
        session.add(OutboxMessage(kind="redact", dedup_key="redact:3", created_at=old, status="sent"))
    engine = Engine(f"http://127.0.0.1:{dependency}", token="t0ken")
    results = await check_all(settings, sessions, engine)
    await engine.aclose()
    assert results["telegram_outbox"].as_json() == {"status": "backlog", "overdue": 1}
    assert not healthy(results)
    assert results["database"].status == "ok"


@pytest.mark.parametrize("redis_up", [True, False])
async def test_redis_is_named_but_only_degrades(tmp_path, database_url: str, dependency: int, redis_up: bool) -> None:
    """Without Redis a gateway keeps rate limits and dedup in memory: shown, still serving."""
    from tests.support.redis import REDIS_URL, redis_reachable

    if redis_up and not redis_reachable():
        pytest.skip("no Redis at 127.0.0.1:6379")
    url = REDIS_URL if redis_up else f"redis://127.0.0.1:{_closed_port()}/0"
    settings = Settings(var_dir=tmp_path, database_url=database_url, actions_port=dependency, redis_url=url)
    engine = Engine(f"http://127.0.0.1:{dependency}", token="t0ken")
    results = await check_all(settings, make_sessions(make_engine(database_url)), engine)
    await engine.aclose()
    assert results["redis"].status == ("ok" if redis_up else "unavailable: ConnectionError")
    assert healthy(results)
