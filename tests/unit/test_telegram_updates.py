"""Telegram webhook updates: each update_id is handled once within a day."""

from __future__ import annotations

from bot.telegram.updates import SeenUpdates


def test_an_update_id_is_handled_once_within_a_day() -> None:
    seen = SeenUpdates(ttl=100)
    assert seen.first_time(1, now=0) and not seen.first_time(1, now=50)
    assert seen.first_time(1, now=200), "forgotten after the TTL"
