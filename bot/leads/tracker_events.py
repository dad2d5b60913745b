"""The adapter for Rasa's tracker store table, as far as erasure and retention need it.

Rasa (``rasa/core/tracker_store.py``: ``SQLEvent``) writes one row per event into ``events`` of
the same database; our models do not map it, so these functions use plain SQL. Where Rasa keeps
its tracker elsewhere (no such table), there is nothing to delete.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import inspect, text
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

TRACKER_EVENTS_TABLE = "events"
"""Rasa's SQL tracker store table."""


def has_tracker_events(session: Session) -> bool:
    """Whether Rasa's tracker store table is in this database."""
    return inspect(session.connection()).has_table(TRACKER_EVENTS_TABLE)


def delete_tracker_events(session: Session, sender_ids: list[str]) -> int:
    """Delete the tracker events of these conversations; how many."""
    if not sender_ids or not has_tracker_events(session):
        return 0
    total = 0
    for sender in sender_ids:
        result = session.execute(
            text(f"DELETE FROM {TRACKER_EVENTS_TABLE} WHERE sender_id = :sender"), {"sender": sender}
        )
        total += cast(CursorResult[Any], result).rowcount or 0
    return total


def inactive_senders(session: Session, cutoff: float) -> list[str]:
    """The conversations whose last event is older than ``cutoff`` (a Unix timestamp, as Rasa
    stores it)."""
    if not has_tracker_events(session):
        return []
    return [
        row[0]
        for row in session.execute(
            text(f"SELECT sender_id FROM {TRACKER_EVENTS_TABLE} GROUP BY sender_id HAVING MAX(timestamp) < :cutoff"),
            {"cutoff": cutoff},
        )
    ]
