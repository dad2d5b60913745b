"""Lead saved → lead card at the Telegram Bot API: how long a counsellor waits.

Submits leads (one transaction each: lead + outbox row) while the notifier runs as in the bot
process, against a fake Bot API server over HTTP on localhost, and prints p50/p95 of the time
from the commit to the ``sendMessage`` call arriving. Target: p95 ≤ 2 s.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from figures import percentile  # bench/ is the script's folder (sys.path[0])

from bot.database import make_engine, make_sessions
from bot.leads.consent import record_consent, record_notice_shown
from bot.leads.submission import LeadSubmission, submit_lead
from bot.migrations import upgrade
from bot.notifier import Notifier
from bot.settings import Settings
from bot.telegram import make_bot
from devtools.fake_telegram import FakeTelegram

TARGET_P95_SECONDS = 2.0


async def measure(count: int = 40, spacing: float = 0.13) -> list[float]:
    """Seconds from commit to the Bot API call, per lead."""
    telegram = FakeTelegram().start()
    with tempfile.TemporaryDirectory(prefix="lotse-bench-leads-") as folder:
        url = f"sqlite:///{folder}/bench.db"
        upgrade(url)
        engine = make_engine(url)
        sessions = make_sessions(engine)
        settings = Settings(var_dir=Path(folder), telegram_token="1:BENCH", telegram_api_base=telegram.base_url)
        bot = make_bot(settings)
        notifier = Notifier(sessions, bot, -1001, "http://localhost:8080")
        worker = asyncio.create_task(notifier.run(poll_seconds=1.0))
        saved: list[float] = []
        try:
            for n in range(count):
                conversation = f"bench:{n}"
                await asyncio.to_thread(record_notice_shown, sessions, conversation, "bench", "de", "web")
                await asyncio.to_thread(record_consent, sessions, conversation, "contact", "bench", "web")
                await asyncio.to_thread(
                    submit_lead,
                    sessions,
                    LeadSubmission(
                        conversation,
                        "web",
                        "ar",
                        f"Person {n}",
                        "email",
                        email=f"p{n}@example.org",
                        routes=("externenpruefung",),
                    ),
                )
                saved.append(time.monotonic())
                await asyncio.sleep(spacing)
            arrived = await asyncio.to_thread(telegram.wait_for, "sendMessage", count, 60)
        finally:
            worker.cancel()
            await bot.session.close()
            engine.dispose()
            telegram.stop()
    return [call.at - start for call, start in zip(arrived, saved, strict=False)]


def main() -> int:
    latencies = asyncio.run(measure())
    p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
    print(f"\nLead saved → Telegram sendMessage ({len(latencies)} leads, notifier polling every 1 s):")
    print(
        f"  p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
        f" → target p95 ≤ {TARGET_P95_SECONDS:.0f} s {'met' if p95 <= TARGET_P95_SECONDS else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
