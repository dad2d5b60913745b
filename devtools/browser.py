"""Debian's Chromium for the browser tests, and where their screenshots go."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page

CHROMIUM = Path(os.environ.get("LOTSE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    # no sandbox as root in CI; no calls home (this machine's network is closed)
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-dev-shm-usage",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "tests" / "artifacts"
PHONE = {"width": 360, "height": 740}


def screenshot(page: Page, name: str) -> Path:
    """Save a screenshot as a test artifact (``tests/artifacts/<name>.png``, not committed)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
