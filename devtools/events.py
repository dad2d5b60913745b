"""An open web chat's event stream (``/api/events``), read over real HTTP as a browser's
EventSource would: each event is its ``id:`` and its ``data:`` (one JSON line); like the chat page,
the stream acknowledges each event it got (``POST /api/events/ack``) unless told not to."""

from __future__ import annotations

import json
import queue
import socket
import threading
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx


class Stream:
    """An open web chat's event stream, read in a thread (as a browser's EventSource would).

    ``ack``: acknowledge each event as the page does once it has shown it (before the test sees
    it); ``False`` is a page that died before it could. ``last_event_id``: sent as the
    ``Last-Event-ID`` header, as a reconnecting EventSource does."""

    def __init__(self, url: str, *, ack: bool = True, last_event_id: str | bytes | None = None) -> None:
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.ids: list[str | None] = []
        """Each event's id, in the order they came."""
        parts = urlsplit(url)
        self._ack_url = f"{parts.scheme}://{parts.netloc}/api/events/ack" if ack else None
        self._session = parse_qs(parts.query).get("session", [""])[0]
        self._headers = {"Last-Event-ID": last_event_id} if last_event_id is not None else {}
        self._stop = threading.Event()
        self._response: httpx.Response | None = None
        self._thread = threading.Thread(target=self._read, args=(url,), daemon=True)
        self._thread.start()

    def _read(self, url: str) -> None:
        with (
            httpx.Client(timeout=httpx.Timeout(5.0, read=None)) as client,
            client.stream("GET", url, headers=self._headers) as response,
        ):
            self._response = response
            event_id: str | None = None
            try:
                for line in response.iter_lines():
                    if line.startswith("id: "):
                        event_id = line.removeprefix("id: ")
                    elif line.startswith("data: ") and not self._stop.is_set():
                        data = json.loads(line.removeprefix("data: "))
                        if self._ack_url is not None and event_id is not None:
                            acked = client.post(self._ack_url, json={"session": self._session, "id": int(event_id)})
                            assert acked.status_code == 204, acked.text
                        self.ids.append(event_id)
                        self.events.put(data)
                    elif line == "":
                        event_id = None
            except (httpx.HTTPError, RuntimeError, ValueError):
                return  # closed from the test (the browser went away)

    def next(self, timeout: float = 10.0) -> dict[str, Any]:
        return self.events.get(timeout=timeout)

    def close(self) -> None:
        """Go away like a closed browser tab: the connection ends."""
        self._stop.set()
        if self._response is not None:  # shut the socket: a read blocked in the other thread ends now
            self._response.extensions["network_stream"].get_extra_info("socket").shutdown(socket.SHUT_RDWR)
        self._thread.join(5)
        assert not self._thread.is_alive()
