"""Counsellor's message → on the person's screen: how long a person waits for it (issue 15).

Starts the real gateway (the FastAPI app under uvicorn on localhost) in Telegram webhook mode,
with the notifier running in it as in the bot process and the aiogram ``Bot`` talking to a fake
Bot API server over HTTP. No Rasa engine: this path does not use it. A counsellor has claimed two
leads, one of a person in Telegram and one of a person in the web chat, and writes ``COUNT``
messages to each, with a pause of 1–3 s between them:

- Telegram: a reply to the lead's card in the counsellors' chat, posted as Telegram would post it
  to ``/telegram/webhook`` (secret token, the real route and dispatcher) → the person's
  ``sendMessage`` arriving at the fake Bot API;
- web: the message sent from the inbox (logged in, CSRF, ``POST /inbox/leads/<id>/message``) →
  the message arriving on the person's open ``/api/events`` stream, read over HTTP as the chat
  page's EventSource reads it.

Prints p50/p95/max of each. SQLite in a temporary folder by default; ``LOTSE_DATABASE_URL`` for
another database (PostgreSQL: give it a fresh one). Target: p95 ≤ 2 s.
"""

from __future__ import annotations

import os
import random
import re
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from figures import percentile  # bench/ is the script's folder (sys.path[0])
from sqlalchemy import select

from bot.counsellors import add_counsellor
from bot.database import make_engine, make_sessions
from bot.leads.claims import claim_lead
from bot.leads.consent import record_consent, record_notice_shown
from bot.leads.models import OutboxMessage
from bot.leads.store import Sessions
from bot.leads.submission import LeadSubmission, submit_lead
from bot.logs import configure_logging
from bot.migrations import upgrade
from bot.settings import Settings
from devtools.events import Stream
from devtools.fake_telegram import Call, FakeTelegram
from devtools.servers import Gateway, start_gateway

TARGET_P95_SECONDS = 2.0
COUNT = 40
PAUSE_SECONDS = (1.0, 3.0)
"""Between two messages of the counsellor (uneven: not in step with the notifier's 1-s look)."""
WAIT_SECONDS = 15.0
"""Longer than this, a message counts as lost and the run fails."""
CHAT = -1009000
"""The counsellors' chat."""
SECRET = "bench-webhook-secret"
PASSWORD = "a long bench password"


@dataclass(frozen=True)
class Run:
    """Ids of one run, fresh each time: a database or Redis used before has none of them."""

    bot_id: int
    counsellor: int
    """The counsellor's Telegram user id."""
    person: int
    """The Telegram person's chat id."""

    @property
    def username(self) -> str:
        return f"anna{self.counsellor}"

    @classmethod
    def new(cls) -> Run:
        draw = random.SystemRandom()
        return cls(draw.randrange(10**9, 10**10), draw.randrange(10**6, 10**7), draw.randrange(10**8, 10**9))


def _settings(url: str, folder: Path, telegram: FakeTelegram, run: Run, port: int) -> Settings:
    return Settings(
        var_dir=folder,
        database_url=url,
        engine_url="http://127.0.0.1:9",  # nothing listens: this path does not need the engine
        engine_token=SecretStr("unused"),
        public_url=f"http://localhost:{port}",
        telegram_token=SecretStr(f"{run.bot_id}:BENCH"),
        telegram_api_base=telegram.base_url,
        telegram_webhook_url="https://lotse.example/telegram/webhook",
        telegram_webhook_secret=SecretStr(SECRET),
        counsellor_chat_id=CHAT,
        relay_quiet_minutes=60,
    )


def _claimed_lead(sessions: Sessions, run: Run, conversation: str, channel: str) -> str:
    """An Arabic-speaking person's lead with its consent, claimed by the counsellor on the card."""
    record_notice_shown(sessions, conversation, "bench", "ar", channel)
    record_consent(sessions, conversation, "contact", "bench", channel)
    if channel == "telegram":
        submission = LeadSubmission(conversation, channel, "ar", "Amal", "telegram", routes=("anerkennung",))
    else:
        submission = LeadSubmission(conversation, channel, "ar", "Amal", "email", email="amal@example.org")
    lead = submit_lead(sessions, submission)
    claimed = claim_lead(sessions, lead.id, run.counsellor)
    if not claimed.ok:
        raise SystemExit(f"could not claim the bench lead: {claimed.reason}")
    return lead.id


def _card(sessions: Sessions, lead_id: str, timeout: float = 15.0) -> int:
    """The lead card's message id in the counsellors' chat, once the notifier posted it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sessions() as session:
            found = session.scalar(
                select(OutboxMessage.telegram_message_id).where(
                    OutboxMessage.lead_id == lead_id, OutboxMessage.kind == "lead_card"
                )
            )
        if found is not None:
            return found
        time.sleep(0.1)
    raise SystemExit("the notifier did not post the lead card")


def _reply_to_card(update_id: int, card: int, run: Run, text: str) -> dict[str, Any]:
    chat = {"id": CHAT, "type": "supergroup"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": chat,
            "from": {"id": run.counsellor, "is_bot": False, "first_name": "Anna"},
            "text": text,
            "reply_to_message": {
                "message_id": card,
                "date": 0,
                "chat": chat,
                "from": {"id": run.bot_id, "is_bot": True, "first_name": "Lotse"},
                "text": "card",
            },
        },
    }


def _arrived(telegram: FakeTelegram, person: int, marker: str) -> Call:
    """The person's ``sendMessage`` carrying ``marker``, once it arrived at the fake Bot API."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        for call in telegram.called("sendMessage"):
            if call.params.get("chat_id") == str(person) and marker in str(call.params.get("text", "")):
                return call
        time.sleep(0.005)
    raise SystemExit(f"message {marker} did not reach the person in Telegram within {WAIT_SECONDS:.0f} s")


def _text(n: int) -> str:
    return f"مرحبا أمل، أنا آنا. سأتصل بك غدًا في العاشرة. [{n}]"


def measure_telegram(
    gateway: Gateway, telegram: FakeTelegram, card: int, run: Run, pauses: random.Random
) -> list[float]:
    """Seconds from the counsellor's reply (the webhook's POST) to the person's ``sendMessage``."""
    latencies: list[float] = []
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    with httpx.Client(base_url=gateway.url, timeout=30) as client:
        for n in range(COUNT):
            update = _reply_to_card(1_000 + n, card, run, _text(n))
            started = time.monotonic()
            response = client.post("/telegram/webhook", json=update, headers=headers)
            if response.status_code != 200:
                raise SystemExit(f"the webhook answered {response.status_code}")
            latencies.append(_arrived(telegram, run.person, f"[{n}]").at - started)
            time.sleep(pauses.uniform(*PAUSE_SECONDS))
    return latencies


def measure_web(gateway: Gateway, run: Run, lead_id: str, chat: str, pauses: random.Random) -> list[float]:
    """Seconds from the inbox's POST to the message on the person's open event stream."""
    latencies: list[float] = []
    stream = Stream(f"{gateway.url}/api/events?session={chat}")
    try:
        first = stream.next(WAIT_SECONDS)  # "a counsellor has taken your request"
        if any(message.get("kind") == "counsellor" for message in first.get("messages", [])):
            raise SystemExit("the stream's first event should be the claim's notice")
        with httpx.Client(base_url=gateway.url, timeout=30) as inbox:
            login = {"username": run.username, "password": PASSWORD}
            page = inbox.post("/inbox/login", data=login, follow_redirects=True)
            found = re.search(r'name="csrf" value="([^"]+)"', page.text)
            if page.status_code != 200 or found is None:
                raise SystemExit(f"the inbox login failed ({page.status_code})")
            csrf = found.group(1)
            for n in range(COUNT):
                marker = f"[{n}]"
                started = time.monotonic()
                sent = inbox.post(f"/inbox/leads/{lead_id}/message", data={"text": _text(n), "csrf": csrf})
                if sent.status_code != 303:
                    raise SystemExit(f"the inbox answered {sent.status_code}")
                while True:
                    event = stream.next(WAIT_SECONDS)
                    texts = [m.get("text", "") for m in event.get("messages", []) if m.get("kind") == "counsellor"]
                    if any(marker in text for text in texts):
                        latencies.append(time.monotonic() - started)
                        break
                time.sleep(pauses.uniform(*PAUSE_SECONDS))
    finally:
        stream.close()
    return latencies


def measure(url: str | None = None) -> tuple[list[float], list[float]]:
    """Telegram and web latencies, in seconds, on ``url`` (a temporary SQLite file without one)."""
    pauses = random.Random(15)  # the same pauses each run
    run = Run.new()
    telegram = FakeTelegram().start()
    with tempfile.TemporaryDirectory(prefix="lotse-bench-relay-") as folder:
        url = url or f"sqlite:///{folder}/bench.db"
        upgrade(url)
        engine = make_engine(url)
        sessions = make_sessions(engine)
        add_counsellor(sessions, run.username, "Anna Berg", PASSWORD, telegram_user_id=run.counsellor)
        gateway = start_gateway(lambda port: _settings(url, Path(folder), telegram, run, port))
        try:
            tg_lead = _claimed_lead(sessions, run, f"tg:{run.person}", "telegram")
            chat = str(uuid.uuid4())
            web_lead = _claimed_lead(sessions, run, f"web:{chat}", "web")
            card = _card(sessions, tg_lead)
            on_telegram = measure_telegram(gateway, telegram, card, run, pauses)
            on_web = measure_web(gateway, run, web_lead, chat, pauses)
        finally:
            gateway.stop()
            engine.dispose()
            telegram.stop()
    return on_telegram, on_web


def _report(title: str, latencies: list[float]) -> None:
    p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
    print(f"\n{title} ({len(latencies)} messages, {PAUSE_SECONDS[0]:.0f}–{PAUSE_SECONDS[1]:.0f} s apart):")
    print(
        f"  p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
        f" → target p95 ≤ {TARGET_P95_SECONDS:.0f} s {'met' if p95 <= TARGET_P95_SECONDS else 'NOT met'}"
    )


def main() -> int:
    configure_logging("WARNING")  # the figures, and only what went wrong besides them
    on_telegram, on_web = measure(os.environ.get("LOTSE_DATABASE_URL"))
    _report("Counsellor's reply to the card (webhook) → the person's Telegram sendMessage", on_telegram)
    _report("Counsellor's message from the inbox → the person's open web chat (event stream)", on_web)
    return 0


if __name__ == "__main__":
    sys.exit(main())
