"""Fixtures shared by the integration and end-to-end tests: one real engine + action server for
the whole session (10–20 seconds to start), and a fake Telegram Bot API server per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.starter import Stack, start_stack
from devtools.fake_telegram import FakeTelegram


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    """A fake Telegram Bot API server on localhost (the real aiogram Bot talks to it over HTTP)."""
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("stack"))
    yield running
    running.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``breaks_stack`` run after every other test (a stable sort keeps the rest in
    order): whatever they break on the shared stack, also when a repair does not run because the
    test failed half-way, no other test sees it — and the session starts one engine, not two."""
    items.sort(key=lambda item: item.get_closest_marker("breaks_stack") is not None)
