"""An open web chat's event stream (``/api/events``), read over real HTTP as a browser's
EventSource would: each ``data:`` line is one event."""

from __future__ import annotations

import json
import queue
import socket
import threading
from typing import Any

import httpx


class Stream:
    """An open web chat's event stream, read in a thread (as a browser's EventSource would)."""

    def __init__(self, url: str) -> None:
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self._stop = threading.Event()
        self._response: httpx.Response | None = None
        self._thread = threading.Thread(target=self._read, args=(url,), daemon=True)
        self._thread.start()

    def _read(self, url: str) -> None:
        with httpx.Client(timeout=httpx.Timeout(5.0, read=None)) as client, client.stream("GET", url) as response:
            self._response = response
            try:
                for line in response.iter_lines():
                    if line.startswith("data: ") and not self._stop.is_set():
                        self.events.put(json.loads(line.removeprefix("data: ")))
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
