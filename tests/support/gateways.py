"""Two gateways and one inbox claim between them: the steps the Redis and the PostgreSQL
two-gateway tests share (``tests/integration/test_two_gateways.py``, ``test_news_postgres.py``)."""

from __future__ import annotations

import time
from typing import Any

import httpx

from devtools.events import Stream
from devtools.servers import Gateway
from tests.support.inbox import login


def claim_seen_on_other_gateway(
    one: Gateway, two: Gateway, bell: Any, chat: str, lead_id: Any, settle: float
) -> tuple[dict[str, Any], float]:
    """Open ``chat``'s event stream on gateway ``two``, wait ``settle`` seconds after it is open
    (its first look is over), claim the lead in gateway ``one``'s inbox: the stream's next event and
    the seconds from the claim to it."""
    stream = Stream(f"{two.url}/api/events?session={chat}")
    try:
        deadline = time.monotonic() + 10
        while f"web:{chat}" not in bell._open:  # the stream is open on the second gateway
            assert time.monotonic() < deadline, "the event stream did not open"
            time.sleep(0.02)
        time.sleep(settle)
        with httpx.Client(base_url=one.url, timeout=10, follow_redirects=True) as inbox:
            csrf = login(inbox, "carl")
            claimed_at = time.monotonic()
            taken = inbox.post(f"/inbox/leads/{lead_id}/status", data={"status": "claimed", "csrf": csrf})
        assert taken.status_code == 200
        event = stream.next(timeout=5.0)
        return event, time.monotonic() - claimed_at
    finally:
        stream.close()
