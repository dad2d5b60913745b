"""The gateway answers bad input kindly, in the user's language, and never with a 5xx.

No engine runs here: inputs are rejected before they reach it, and "engine down" is a real
refused connection to a closed port.
"""

from __future__ import annotations

import http.server
import socket
import threading
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bot.settings import Settings
from bot.web.app import create_app


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def client(tmp_path) -> Iterator[TestClient]:
    settings = Settings(var_dir=tmp_path, engine_url=f"http://127.0.0.1:{_closed_port()}")
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _send(client: TestClient, text: object, language: object = "en", **extra: object):
    body = {"session": str(uuid.uuid4()), "text": text, "language": language, **extra}
    return client.post("/api/chat", json=body)


def test_empty_message_gets_a_kind_answer(client: TestClient) -> None:
    response = _send(client, "   \x00  ")
    assert response.status_code == 400
    assert response.json()["messages"][0]["text"] == (
        "Your message is empty. Just write me your question."
    )


def test_ten_kilobytes_get_a_kind_answer_in_german(client: TestClient) -> None:
    response = _send(client, "a" * 10_240, "de")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "too_long" and "höchstens 1000 Zeichen" in body["messages"][0]["text"]


def test_a_huge_body_is_refused_before_it_is_read(client: TestClient) -> None:
    response = client.post(
        "/api/chat", content=b"x" * 200_000, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"] == "too_long"


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"text": 5}', b'{"session": "x", "text": "hi"}', b"\xff\xfe\x00"],
)
def test_malformed_requests_get_a_kind_400(client: TestClient, body: bytes) -> None:
    response = client.post("/api/chat", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"
    assert response.json()["messages"][0]["text"]


def test_unknown_language_code_falls_back_and_says_so_in_the_reply(client: TestClient) -> None:
    response = _send(client, "", "klingon-<b>")
    assert response.status_code == 400
    assert response.json()["language"] == "en"


def test_engine_down_is_an_honest_503_in_the_users_language(client: TestClient) -> None:
    response = _send(client, "hallo", "de")
    assert response.status_code == 503
    assert response.json()["messages"][0]["text"].startswith("Ich bin gerade nicht erreichbar")


def test_chat_page_is_translated_and_has_a_strict_csp(client: TestClient) -> None:
    page = client.get("/chat?lang=en")
    assert page.status_code == 200
    assert '<html lang="en" dir="ltr" data-language="en">' in page.text
    assert ">Send<" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    german = client.get("/chat", headers={"accept-language": "de-DE,de;q=0.9"})
    assert ">Senden<" in german.text


def test_chat_page_escapes_the_language_parameter(client: TestClient) -> None:
    page = client.get('/chat?lang="><script>alert(1)</script>')
    assert page.status_code == 200
    assert "<script>alert" not in page.text


def test_health_reports_the_engine(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"bot": "ok", "engine": "unavailable"}


class _SilentEngine(http.server.BaseHTTPRequestHandler):
    """Answers the REST channel like Rasa does when an action or the NLG endpoint failed: []."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("content-length", 0)))
        body = b"[]"
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


def test_an_empty_answer_from_the_engine_is_not_shown_as_silence(tmp_path) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SilentEngine)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings = Settings(var_dir=tmp_path, engine_url=f"http://127.0.0.1:{server.server_port}")
        with TestClient(create_app(settings)) as client:
            response = _send(client, "hallo", "en")
    finally:
        server.shutdown()
    assert response.status_code == 503
    assert response.json()["error"] == "no_answer"
    assert response.json()["messages"][0]["text"].startswith("Sorry, something went wrong")
