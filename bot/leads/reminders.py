"""Nobody waits in silence: a lead nobody has taken within ``LOTSE_REMIND_AFTER_WORKING_HOURS``
working hours is raised again in the counsellors' chat, once per such period, at most
``LOTSE_REMINDERS`` times.

A reminder is an outbox row (kind ``lead_reminder``) that the notifier sends like a card, with its
retries; its dedup key names the lead and the period (``lead-reminder:<lead>:<n>``), so however
often and by however many workers the leads are looked at, period *n* of a lead is raised once.
Only leads with status ``new`` are raised; a lead taken or closed after its reminder was queued
is not raised any more (the notifier cancels the row), and an erased lead takes its reminders
with it (and overwrites those in the chat, as its card).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.database import utcnow
from bot.leads.models import Lead, OutboxMessage
from bot.leads.outbox import LEAD_REMINDER
from bot.leads.store import Sessions, sessions_or_default
from bot.working_hours import WorkingHours

logger = structlog.get_logger(__name__)


def reminder_key(lead_id: str, period: int) -> str:
    """The dedup key of a lead's reminder for one period (1, 2, …)."""
    return f"lead-reminder:{lead_id}:{period}"


def due_period(office: WorkingHours, created_at: datetime, now: datetime, every: timedelta, most: int) -> int:
    """Which reminder is due for a lead sent at ``created_at``: the number of whole periods of
    working time it has waited, at most ``most`` (0: none yet)."""
    return min(most, office.working_time(created_at, now) // every)


def _queue(session: Session, lead_id: str, period: int) -> bool:
    """Add the reminder unless it exists; a concurrent worker's insert of the same key loses
    nothing (a savepoint keeps the rest of the round)."""
    key = reminder_key(lead_id, period)
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedup_key == key)) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(OutboxMessage(lead_id=lead_id, kind=LEAD_REMINDER, dedup_key=key))
    except IntegrityError:
        return False  # another worker queued it in the meantime
    return True


def queue_reminders(
    sessions: Sessions | None,
    office: WorkingHours,
    every: timedelta,
    most: int,
    now: datetime | None = None,
) -> int:
    """Queue the reminders that are due at ``now``; how many were queued. One unit of work.

    The leads are locked while they are looked at (``FOR UPDATE SKIP LOCKED`` on PostgreSQL): a
    claim waits the few milliseconds, and a second worker skips them.
    """
    if most < 1:
        return 0
    now = now or utcnow()
    queued = 0
    with sessions_or_default(sessions).begin() as session:
        waiting = session.execute(
            select(Lead.id, Lead.created_at)
            .where(Lead.status == "new", Lead.created_at <= now - every)  # working time ≤ wall time
            .order_by(Lead.created_at)
            .with_for_update(skip_locked=True)
        ).all()
        for lead_id, created_at in waiting:
            period = due_period(office, created_at, now, every, most)
            if period >= 1 and _queue(session, lead_id, period):
                queued += 1
    if queued:
        logger.info("reminders.queued", count=queued)
    return queued
