"""``/metrics``: Prometheus' text format behind a bearer token (no token configured: 404), with
turns by channel and language, leads by route and language, the outbox and the engine — and no
conversation id, name or message anywhere in it. A real SQLite database; a small local engine."""

from __future__ import annotations

import http.server
import json
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from bot.database import make_engine, make_sessions, utcnow
from bot.engine import Engine
from bot.leads.models import Lead, OutboxMessage
from bot.migrations import upgrade
from bot.settings import Settings
from bot.web.app import create_app

TOKEN = "s3cret-metrics-token"


class _Engine(http.server.BaseHTTPRequestHandler):
    """The engine's REST channel (one answer) and ``/status`` with a model."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self._answer(json.dumps([{"recipient_id": "x", "text": "Hallo!"}]))

    def do_GET(self) -> None:
        self._answer(json.dumps({"model_id": "m1", "model_file": "lotse.tar.gz"}))

    def _answer(self, body: str) -> None:
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body.encode())))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def engine_port() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Engine)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield int(server.server_address[1])
    server.shutdown()


def _lead(conversation: str, language: str, routes: list[str], **changes: object) -> Lead:
    values: dict[str, object] = dict(
        conversation_id=conversation,
        channel="web",
        language=language,
        first_name="Olena",
        contact_method="phone",
        phone="+4917612345678",
        routes=routes,
    )
    values.update(changes)
    return Lead(**values)


@pytest.fixture
def client(tmp_path, engine_port: int) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path / 'lotse.db'}"
    upgrade(url)
    old = utcnow() - timedelta(minutes=30)
    with make_sessions(make_engine(url)).begin() as session:
        uk = _lead("web:11111111-1111-4111-8111-111111111111", "uk", ["anerkennung", "externenpruefung"])
        ar = _lead("tg:987654321", "ar", ["anerkennung"], channel="telegram", first_name="Karim")
        session.add_all([uk, ar])
        session.flush()
        session.add(OutboxMessage(lead_id=uk.id, kind="lead_card", dedup_key="card:uk", created_at=old))
        session.add(OutboxMessage(lead_id=ar.id, kind="lead_card", dedup_key="card:ar", status="failed"))
    settings = Settings(var_dir=tmp_path, database_url=url, metrics_token=TOKEN)
    engine = Engine(f"http://127.0.0.1:{engine_port}", token="t")
    with TestClient(create_app(settings, engine=engine)) as test_client:
        yield test_client


def _scrape(client: TestClient) -> str:
    response = client.get("/metrics", headers={"authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


def _value(text: str, name: str, missing: float | None = None, **labels: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    if missing is not None:
        return missing
    raise AssertionError(f"no sample {name} {labels}")


def test_without_a_token_setting_there_is_no_metrics_route(tmp_path) -> None:
    with TestClient(create_app(Settings(var_dir=tmp_path, engine_url="http://127.0.0.1:9"))) as client:
        assert client.get("/metrics").status_code == 404
        assert client.get("/metrics", headers={"authorization": "Bearer "}).status_code == 404


def test_the_token_is_required(client: TestClient) -> None:
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"authorization": TOKEN}).status_code == 401
    refused = client.get("/metrics", headers={"authorization": "Bearer wrong"})
    assert refused.headers["www-authenticate"] == "Bearer" and "lotse_" not in refused.text


def test_turns_leads_outbox_and_engine_are_counted(client: TestClient) -> None:
    before = _scrape(client)
    turns_before = _value(before, "lotse_turns_total", 0.0, channel="web", language="de", outcome="ok")
    session = str(uuid.uuid4())
    for _ in range(2):
        answer = client.post("/api/chat", json={"session": session, "text": "Guten Tag", "language": "de"})
        assert answer.status_code == 200
    text = _scrape(client)
    assert _value(text, "lotse_turns_total", channel="web", language="de", outcome="ok") == turns_before + 2
    assert _value(text, "lotse_turn_seconds_count", channel="web", language="de") >= 2
    assert _value(text, "lotse_leads", route="anerkennung", language="uk") == 1
    assert _value(text, "lotse_leads", route="anerkennung", language="ar") == 1
    assert _value(text, "lotse_leads", route="externenpruefung", language="uk") == 1
    assert _value(text, "lotse_outbox_pending", recipient="counsellors") == 1
    assert _value(text, "lotse_outbox_failed", recipient="counsellors") == 1
    assert _value(text, "lotse_outbox_oldest_pending_seconds", recipient="counsellors") >= 29 * 60
    assert _value(text, "lotse_engine_up") == 1 and _value(text, "lotse_database_up") == 1
    assert _value(text, "process_resident_memory_bytes") > 0
    assert session not in text and "web:" not in text and "tg:" not in text
    for personal in ("Olena", "Karim", "987654321", "4917612345678", "Guten Tag", "Hallo"):
        assert personal not in text


def test_a_down_engine_is_counted_as_such(tmp_path) -> None:
    settings = Settings(var_dir=tmp_path, engine_url="http://127.0.0.1:9", metrics_token=TOKEN)
    with TestClient(create_app(settings)) as client:
        before = _value(_scrape(client), "lotse_engine_up")
        client.post("/api/chat", json={"session": str(uuid.uuid4()), "text": "hallo", "language": "uk"})
        text = _scrape(client)
    assert before == 0 and _value(text, "lotse_engine_up") == 0
    assert _value(text, "lotse_turns_total", channel="web", language="uk", outcome="engine_down") >= 1
    assert _value(text, "lotse_database_up") == 0  # no schema in this database: the gauges are stale
