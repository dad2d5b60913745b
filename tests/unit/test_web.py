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
    assert response.json()["messages"][0]["text"] == ("Your message is empty. Just write me your question.")


def test_ten_kilobytes_get_a_kind_answer_in_german(client: TestClient) -> None:
    response = _send(client, "a" * 10_240, "de")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "too_long" and "höchstens 1000 Zeichen" in body["messages"][0]["text"]


def test_a_huge_body_is_refused_before_it_is_read(client: TestClient) -> None:
    response = client.post("/api/chat", content=b"x" * 200_000, headers={"content-type": "application/json"})
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


def test_only_configured_sites_may_frame_the_chat_and_never_the_inbox(tmp_path) -> None:
    settings = Settings(
        var_dir=tmp_path,
        engine_url=f"http://127.0.0.1:{_closed_port()}",
        widget_origins="https://www.jobcenter-schwerin.de, https://www.hwk-schwerin.de",
    )
    with TestClient(create_app(settings)) as client:
        chat = client.get("/chat?lang=ar&embed=1")
        inbox = client.get("/inbox/login")
    assert (
        "frame-ancestors 'self' https://www.jobcenter-schwerin.de https://www.hwk-schwerin.de;"
        in (chat.headers["content-security-policy"])
    )
    assert 'id="close"' in chat.text and 'dir="rtl"' in chat.text
    assert "frame-ancestors 'none'" in inbox.headers["content-security-policy"]
    assert inbox.headers["x-frame-options"] == "DENY"


def test_widget_settings_refuse_what_is_not_an_origin(tmp_path) -> None:
    with pytest.raises(ValueError):
        Settings(var_dir=tmp_path, widget_origins="https://ok.example 'unsafe-inline'")


def test_chat_page_takes_only_well_formed_embed_options(client: TestClient) -> None:
    good = client.get("/chat?lang=de&embed=1&start=jobcenter_flyer&colour=%238a1538").text
    assert 'data-source="jobcenter_flyer"' in good and 'data-colour="#8a1538"' in good
    bad = client.get('/chat?lang=de&start="><b>x&colour=red;background:url(x)').text
    assert 'data-source=""' in bad and 'data-colour=""' in bad and "<b>x" not in bad


def test_the_launcher_script_carries_its_texts_in_every_language(client: TestClient) -> None:
    script = client.get("/widget.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert "/*TEXTS*/" not in script.text
    assert '"open": "Open the chat with Lotse"' in script.text
    assert "\\u0627\\u0641\\u062a\\u062d" in script.text  # Arabic, escaped for any page encoding


def test_a_bad_source_is_a_kind_400(client: TestClient) -> None:
    response = _send(client, "hallo", "de", source="<script>")
    assert response.status_code == 400 and response.json()["error"] == "bad_request"


def test_chat_page_escapes_the_language_parameter(client: TestClient) -> None:
    page = client.get('/chat?lang="><script>alert(1)</script>')
    assert page.status_code == 200
    assert "<script>alert" not in page.text


def test_health_reports_the_engine(client: TestClient) -> None:
    health = client.get("/healthz").json()
    assert {"bot": health["bot"], "engine": health["engine"]} == {"bot": "ok", "engine": "unavailable"}


class _SilentEngine(http.server.BaseHTTPRequestHandler):
    """Answers the REST channel like Rasa does when an action or the NLG endpoint failed: []."""

    def do_POST(self) -> None:
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


def test_a_flood_from_one_session_gets_a_kind_429_with_retry_after(tmp_path) -> None:
    settings = Settings(
        var_dir=tmp_path, engine_url=f"http://127.0.0.1:{_closed_port()}", rate_limit_burst=2, rate_limit_per_minute=6
    )
    session = str(uuid.uuid4())
    with TestClient(create_app(settings)) as client:
        answers = [
            client.post("/api/chat", json={"session": session, "text": "hallo", "language": "uk"}) for _ in range(3)
        ]
        other = _send(client, "hallo", "uk")
    assert [a.status_code for a in answers] == [503, 503, 429]  # the engine is down for the first two
    refused = answers[2]
    assert refused.headers["retry-after"] == "10" and refused.json()["retry_after"] == 10
    assert refused.json()["error"] == "too_fast"
    assert refused.json()["messages"][0]["text"].startswith("Ви зараз пишете дуже швидко")
    assert other.status_code == 503, "another session is not slowed down"


def test_pages_and_scripts_go_compressed_to_phones(client: TestClient) -> None:
    script = client.get("/static/chat.js", headers={"accept-encoding": "gzip"})
    assert script.headers["content-encoding"] == "gzip"
    assert "Content-Security-Policy" in script.headers
