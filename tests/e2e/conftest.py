"""End-to-end: Debian's Chromium driven by Playwright against the real gateway, engine and action
server; Telegram tests use the real aiogram Bot against a fake Bot API server over HTTP.

Chromium comes from Debian (``make test`` installs the package); Playwright's own browser download
does not work here and is never used. Screenshots go to ``tests/artifacts/`` (not committed).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from bot.settings import Settings
from bot.starter import Stack
from devtools.browser import CHROMIUM, CHROMIUM_FLAGS, PHONE
from devtools.servers import Gateway, PartnerSite, start_gateway, start_partner_site


@pytest.fixture(scope="session")
def partner() -> Iterator[PartnerSite]:
    site = start_partner_site()
    yield site
    site.stop()


@pytest.fixture(scope="session")
def gateway(stack: Stack, partner: PartnerSite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """The real gateway in front of the session's engine; the partner site (127.0.0.1) may embed."""
    folder = tmp_path_factory.mktemp("gateway")

    def settings(port: int) -> Settings:
        return Settings(
            var_dir=folder,
            engine_url=stack.engine_url,
            engine_token=stack.token,
            database_url=stack.settings.effective_database_url,
            public_url=f"http://localhost:{port}",
            widget_origins=partner.url().rstrip("/"),
        )

    running = start_gateway(settings)
    yield running
    running.stop()


# Module scope: Playwright's sync API keeps an event loop running in this thread while it is
# open, which would stop later asyncio tests ("cannot be called from a running event loop").
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
    yield launched
    launched.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile (own local storage) with a phone-sized screen."""
    created = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    created.set_default_timeout(30_000)
    yield created
    created.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()
