"""Every answer of the gateway carries the security headers: pages, the chat API, the inbox,
static files, errors (a 404, a kind 400, a refused huge body, a bug's 500); HSTS only behind https."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import structlog
from fastapi.testclient import TestClient
from httpx import Response

from bot.settings import Settings
from bot.web.app import create_app


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _client(tmp_path, public_url: str) -> TestClient:
    settings = Settings(var_dir=tmp_path, engine_url=f"http://127.0.0.1:{_closed_port()}", public_url=public_url)
    app = create_app(settings)

    async def broken() -> None:
        raise RuntimeError("a bug in a route")

    async def broken_lead(lead_id: str) -> None:
        raise RuntimeError("a bug in a route with a lead id")

    app.add_api_route("/broken", broken, methods=["GET"])
    app.add_api_route("/broken/{lead_id}", broken_lead, methods=["GET"])
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def https_client(tmp_path) -> Iterator[TestClient]:
    with _client(tmp_path, "https://lotse.example.org") as client:
        yield client


def _answers(client: TestClient) -> dict[str, Response]:
    return {
        "page": client.get("/chat?lang=en"),
        "privacy": client.get("/privacy"),
        "api": client.post("/api/chat", json={"session": "x", "text": "   ", "language": "de"}),
        "api_bad": client.post("/api/chat", content=b"not json", headers={"content-type": "application/json"}),
        "too_big": client.post("/api/chat", content=b"x" * 200_000, headers={"content-type": "application/json"}),
        "inbox": client.get("/inbox/login"),
        "inbox_redirect": client.get("/inbox", follow_redirects=False),
        "static": client.get("/static/chat.js"),
        "widget": client.get("/widget.js"),
        "not_found": client.get("/no-such-page"),
        "health": client.get("/healthz"),
        "bug": client.get("/broken"),
    }


def test_every_kind_of_answer_carries_the_security_headers(https_client: TestClient) -> None:
    answers = _answers(https_client)
    assert answers["too_big"].status_code == 413 and answers["not_found"].status_code == 404
    assert answers["bug"].status_code == 500 and answers["api_bad"].status_code == 400
    for kind, response in answers.items():
        headers = response.headers
        assert headers["referrer-policy"] == "no-referrer", kind
        assert headers["x-content-type-options"] == "nosniff", kind
        for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
            assert feature in headers["permissions-policy"], kind
        assert headers["strict-transport-security"].startswith("max-age=31536000"), kind
        assert "default-src 'self'" in headers["content-security-policy"], kind


def test_a_bug_is_a_plain_500_without_its_details(https_client: TestClient) -> None:
    response = https_client.get("/broken")
    assert response.status_code == 500
    assert "a bug in a route" not in response.text


def test_a_bug_is_logged_with_its_route_template_not_the_path(https_client: TestClient) -> None:
    """A path can carry a lead id or a plan's token: the log names the route, never the path."""
    with structlog.testing.capture_logs() as logs:
        assert https_client.get("/broken/lead-4711-secret").status_code == 500
    failure = next(entry for entry in logs if entry["event"] == "gateway.unhandled")
    assert failure["route"] == "/broken/{lead_id}"
    assert "lead-4711-secret" not in repr(logs)


def test_no_hsts_when_the_bot_is_served_over_plain_http(tmp_path) -> None:
    with _client(tmp_path, "http://localhost:8080") as client:
        answers = _answers(client)
    for kind, response in answers.items():
        assert "strict-transport-security" not in response.headers, kind
        assert "camera=()" in response.headers["permissions-policy"], kind
