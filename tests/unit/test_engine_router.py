"""Several engines behind one gateway: which engine a conversation goes to (rendezvous hashing),
and where it goes when that engine does not take connections — against small HTTP engines that
talk Rasa's REST protocol, no Rasa needed."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator

import pytest

from bot.engine import Engine, EngineRouter, EngineUnavailable, engine_urls
from bot.settings import Settings

THREE = ["http://10.0.0.1:5005", "http://10.0.0.2:5005", "http://10.0.0.3:5005"]
SENDERS = [f"web:{n:05d}" for n in range(3000)]


def test_a_senders_order_never_changes_between_processes_or_lists() -> None:
    # pinned: Python's hash() is salted per process; a gateway restart must not move conversations
    assert EngineRouter(THREE).order("tg:4711") == [THREE[2], THREE[0], THREE[1]]
    assert EngineRouter(list(reversed(THREE))).order("tg:4711") == [THREE[2], THREE[0], THREE[1]]
    assert EngineRouter(THREE).order("web:0b7c") == THREE


def test_conversations_spread_evenly() -> None:
    homes = Counter(EngineRouter(THREE).order(sender)[0] for sender in SENDERS)
    assert set(homes) == set(THREE)
    for count in homes.values():
        assert 0.28 < count / len(SENDERS) < 0.39, homes


def test_removing_an_engine_moves_only_its_conversations_and_spreads_them() -> None:
    before, after = EngineRouter(THREE), EngineRouter(THREE[:2])
    moved = Counter()
    for sender in SENDERS:
        old, new = before.order(sender)[0], after.order(sender)[0]
        if old != THREE[2]:
            assert new == old, sender
        else:
            assert new == before.order(sender)[1]  # the next of its own order
            moved[new] += 1
    assert min(moved.values()) > 0.35 * sum(moved.values())  # not all onto one engine


def test_a_down_engine_goes_last_until_its_time_is_up() -> None:
    now = [100.0]
    router = EngineRouter(THREE, down_seconds=5, clock=lambda: now[0])
    sender = "tg:4711"
    home = router.order(sender)[0]
    router.mark_down(home)
    assert router.candidates(sender) == [*router.order(sender)[1:], home]
    now[0] += 4.9
    assert router.is_down(home)
    now[0] += 0.2
    assert not router.is_down(home) and router.candidates(sender) == router.order(sender)
    router.mark_down(home)
    router.mark_up(home)
    assert router.candidates(sender)[0] == home


def test_engine_urls_come_from_the_settings() -> None:
    assert Settings().engine_addresses == ["http://127.0.0.1:5005"]
    assert Settings(engine_url="http://e:1/").engine_addresses == ["http://e:1"]
    two = Settings(engine_url="http://e:1", engine_urls=" http://a:5005/, http://b:5006 ")
    assert two.engine_addresses == ["http://a:5005", "http://b:5006"]
    assert engine_urls("http://a:1,http://b:2") == ["http://a:1", "http://b:2"]
    with pytest.raises(ValueError):
        engine_urls("http://a:1,http://a:1")
    with pytest.raises(ValueError):
        engine_urls(" , ")


# --- failover against engines over HTTP -------------------------------------------------------


class _Engine(http.server.BaseHTTPRequestHandler):
    """Rasa's REST channel: answers with which engine it is; ``status`` can make it a 4xx; ``pause``
    keeps it from answering (a hung engine)."""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
        server = self.server
        server.received.append(body["sender"])  # type: ignore[attr-defined]
        time.sleep(server.pause)  # type: ignore[attr-defined]
        payload = json.dumps([{"text": server.name}]).encode()  # type: ignore[attr-defined]
        self.send_response(server.status)  # type: ignore[attr-defined]
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def engines() -> Iterator[list[http.server.ThreadingHTTPServer]]:
    servers = []
    for name in ("one", "two"):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Engine)
        server.name, server.received, server.status, server.pause = name, [], 200, 0.0  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    yield servers
    for server in servers:
        server.shutdown()
        server.server_close()


def _url(server: http.server.ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_port}"


def _closed_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"  # closed again: connections are refused


def _sender_at_home(router: EngineRouter, url: str) -> str:
    return next(s for s in SENDERS if router.order(s)[0] == url)


async def test_each_conversation_stays_on_its_engine(engines) -> None:
    engine = Engine([_url(s) for s in engines])
    try:
        for sender in SENDERS[:40]:
            for _ in range(2):
                reply = await engine.send(sender, "hallo", "de", "web")
                home = engine.router.order(sender)[0]
                assert reply.messages[0].text == ("one" if home == _url(engines[0]) else "two")
    finally:
        await engine.aclose()
    assert engines[0].received and engines[1].received


async def test_a_refused_connection_moves_the_conversation_and_marks_the_engine_down(engines) -> None:
    closed = _closed_url()
    engine = Engine([closed, _url(engines[0])], timeout=5, down_seconds=30)
    sender = _sender_at_home(engine.router, closed)
    try:
        started = time.monotonic()
        reply = await engine.send(sender, "hallo", "de", "web")
        assert time.monotonic() - started < 1
        assert reply.messages[0].text == "one" and engines[0].received == [sender]
        assert engine.router.is_down(closed)
        others = [s for s in SENDERS if s != sender and engine.router.order(s)[0] == closed]
        assert engine.router.candidates(others[0])[0] == _url(engines[0])  # skipped while down
        assert (await engine.send(others[0], "hallo", "de", "web")).messages[0].text == "one"
    finally:
        await engine.aclose()


async def test_no_engine_takes_connections_then_the_message_fails(engines) -> None:
    engine = Engine([_closed_url(), _closed_url()], timeout=2)
    try:
        with pytest.raises(EngineUnavailable):
            await engine.send("web:x", "hallo", "de", "web")
        assert all(engine.router.is_down(url) for url in engine.router.urls)
    finally:
        await engine.aclose()


async def test_an_engine_that_answers_4xx_is_not_failed_over(engines) -> None:
    engines[0].status = 400
    engine = Engine([_url(s) for s in engines])
    sender = _sender_at_home(engine.router, _url(engines[0]))
    try:
        with pytest.raises(EngineUnavailable):
            await engine.send(sender, "hallo", "de", "web")
    finally:
        await engine.aclose()
    assert engines[0].received == [sender] and engines[1].received == []
    assert not engine.router.is_down(_url(engines[0]))


async def test_an_engine_that_took_the_message_but_does_not_answer_is_not_asked_twice(engines) -> None:
    # it may still be handling the message; a second engine would handle it again (two answers)
    engines[0].pause = 1.5
    engine = Engine([_url(s) for s in engines], timeout=0.5)
    sender = _sender_at_home(engine.router, _url(engines[0]))
    try:
        with pytest.raises(EngineUnavailable):
            await engine.send(sender, "hallo", "de", "web")
        assert engines[1].received == []
        assert engine.router.is_down(_url(engines[0]))  # the next message goes elsewhere
        engines[0].pause = 0.0
        assert (await engine.send(sender, "und?", "de", "web")).messages[0].text == "two"
    finally:
        await engine.aclose()


async def test_health_is_ok_while_one_engine_answers(engines) -> None:
    engine = Engine([_closed_url(), _url(engines[0])])
    try:
        assert await engine.health(1.0) == "ok"
    finally:
        await engine.aclose()
    engine = Engine([_closed_url(), _closed_url()])
    try:
        assert await engine.health(1.0) == "unavailable"
    finally:
        await engine.aclose()
