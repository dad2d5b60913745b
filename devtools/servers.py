"""HTTP servers on localhost for the browser tests: the real gateway (uvicorn in a thread) and a
partner's website that embeds the widget from another origin."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import uvicorn

from bot.settings import Settings
from bot.starter import free_port
from bot.web.app import create_app


@dataclass
class Gateway:
    """The bot's gateway serving ``/chat``, ``/api/chat`` and ``/widget.js`` on a free port."""

    settings: Settings
    server: uvicorn.Server
    thread: threading.Thread
    port: int

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


def start_gateway(make_settings: Callable[[int], Settings]) -> Gateway:
    """Start the gateway with ``make_settings(port)`` and wait until it serves."""
    port = free_port()
    settings = make_settings(port)
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        log_config=None,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="gateway", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the gateway did not start")
        time.sleep(0.05)
    return Gateway(settings, server, thread, port)


@dataclass
class PartnerSite:
    """A page on another origin with the widget's one ``<script>`` tag (``script_tag``) on it."""

    server: ThreadingHTTPServer
    port: int
    script_tag: str = ""

    def url(self, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}/"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_partner_site() -> PartnerSite:
    """Serve a partner's page (any path); set ``script_tag`` before a browser asks for it."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            page = (
                "<!doctype html><html lang='de'><head><meta charset='utf-8'>"
                "<meta name='viewport' content='width=device-width, initial-scale=1'>"
                "<title>Jobcenter</title></head><body><h1>Jobcenter Schwerin</h1>"
                f"<p>Beratung zum Berufsabschluss.</p>{site.script_tag}</body></html>"
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    site = PartnerSite(server, port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return site
