"""The web chat on a phone: what it costs to load, and how long a person waits for an answer.

Starts engine, actions and the gateway, then drives Debian's Chromium (Playwright) at a 360 px
phone screen and prints
- the bytes a first visit transfers (HTML, CSS, JavaScript, the greeting; compressed as sent),
- the time from opening ``/chat`` to the greeting on screen (p50 / p95 over fresh visits),
- the time from pressing Enter to the answer on screen (p50 / p95 over typed messages).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from figures import percentile  # bench/ is the script's folder (sys.path[0])
from playwright.sync_api import sync_playwright

from bot.settings import Settings
from bot.starter import start_stack
from devtools.browser import CHROMIUM, CHROMIUM_FLAGS, PHONE
from devtools.servers import start_gateway

VISITS = 10
QUESTIONS = [
    "Was ist eine Externenprüfung?",
    "Wer bezahlt eine Umschulung?",
    "Was ist Anerkennung?",
    "Was sind Teilqualifikationen?",
    "hallo",
]
ROUNDS = 4


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="lotse-bench-widget-") as folder:
        stack = start_stack(Path(folder) / "stack")
        gateway = start_gateway(
            lambda port: Settings(
                var_dir=Path(folder),
                engine_url=stack.engine_url,
                engine_token=stack.token,
                database_url=stack.settings.effective_database_url,
                rate_limit_burst=1000,
                rate_limit_per_minute=1000,
            )
        )
        try:
            first_load: list[float] = []
            answers: list[float] = []
            transferred = 0
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
                for visit in range(VISITS):
                    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
                    page = context.new_page()
                    sizes: list[int] = []
                    if visit == 0:
                        page.on(
                            "requestfinished",
                            lambda r, sizes=sizes: sizes.append(
                                r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"]
                            ),
                        )
                    started = time.perf_counter()
                    page.goto(f"{gateway.url}/chat?lang=ar")
                    page.locator(".msg--bot").first.wait_for()
                    first_load.append((time.perf_counter() - started) * 1000)
                    if visit == 0:
                        transferred = sum(sizes)
                        for question in QUESTIONS * ROUNDS:
                            count = page.locator(".msg--bot").count()
                            page.locator("#text").fill(question)
                            started = time.perf_counter()
                            page.keyboard.press("Enter")
                            page.locator(".msg--bot").nth(count).wait_for()
                            answers.append((time.perf_counter() - started) * 1000)
                    context.close()
                browser.close()
        finally:
            gateway.stop()
            stack.stop()

    print("web chat on a 360 px phone screen (Debian Chromium, headless, localhost)")
    print(f"  first visit transfers          {transferred / 1024:8.1f} KiB (HTML, CSS, JS, greeting)")
    print(
        f"  open /chat → greeting shown    p50 {percentile(first_load, 0.5):6.0f} ms"
        f"   p95 {percentile(first_load, 0.95):6.0f} ms   ({VISITS} fresh visits)"
    )
    print(
        f"  Enter → answer shown           p50 {percentile(answers, 0.5):6.0f} ms"
        f"   p95 {percentile(answers, 0.95):6.0f} ms   ({len(answers)} messages,"
        f" mean {statistics.mean(answers):.0f} ms)"
    )


if __name__ == "__main__":
    main()
