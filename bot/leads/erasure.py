"""Erasure and retention: everything about a conversation goes at once, and nothing is kept longer
than the privacy notice says.

Each function is one transaction: an erasure is never half-done. The audit keeps only that an
erasure or purge happened (and the lead id), no personal data. Cards of deleted leads that already
reached the counsellors' chat are overwritten (``redact`` rows in the same transaction).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import structlog
from sqlalchemy import Delete, delete, select
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from bot.database import utcnow
from bot.leads.audit import record_audit
from bot.leads.models import Appointment, Consent, Lead, NoticeShown, OutboxMessage, Plan
from bot.leads.outbox import redact_sent_cards
from bot.leads.store import Sessions, sessions_or_default
from bot.leads.tracker_events import delete_tracker_events, inactive_senders

logger = structlog.get_logger(__name__)


def _delete(session: Session, statement: Delete) -> int:
    """Run a DELETE in the session's transaction; how many rows it removed."""
    return cast(CursorResult[Any], session.execute(statement)).rowcount or 0


@dataclass(frozen=True)
class Erased:
    """How many rows an erasure deleted, per table."""

    leads: int = 0
    consents: int = 0
    outbox: int = 0
    tracker_events: int = 0
    plans: int = 0
    appointments: int = 0


def erase_conversation(sessions: Sessions | None, conversation_id: str, actor: str = "user") -> Erased:
    """Delete everything about one conversation: tracker events, lead (with its relay messages and
    appointments), consents, pending outbox, the plan ("Mein Plan": its link shows nothing from then on).

    Art. 17 GDPR ("delete my data", withdrawal of consent). One transaction. The audit keeps
    only that an erasure happened (and the lead id), no personal data.
    """
    with sessions_or_default(sessions).begin() as session:
        lead_ids = list(session.scalars(select(Lead.id).where(Lead.conversation_id == conversation_id)))
        redact_sent_cards(session, lead_ids)
        outbox = _delete(session, delete(OutboxMessage).where(OutboxMessage.lead_id.in_(lead_ids)))
        appointments = _delete(session, delete(Appointment).where(Appointment.lead_id.in_(lead_ids)))
        leads = _delete(session, delete(Lead).where(Lead.id.in_(lead_ids)))
        consents = _delete(session, delete(Consent).where(Consent.conversation_id == conversation_id))
        session.execute(delete(NoticeShown).where(NoticeShown.conversation_id == conversation_id))
        plans = _delete(session, delete(Plan).where(Plan.conversation_id == conversation_id))
        events = delete_tracker_events(session, [conversation_id])
        erased: list[str | None] = [*lead_ids] or [None]
        for lead_id in erased:
            record_audit(session, actor, "erase", lead_id)
    logger.info(
        "conversation.erased",
        leads=leads,
        consents=consents,
        outbox=outbox,
        events=events,
        plans=plans,
        appointments=appointments,
    )
    return Erased(leads, consents, outbox, events, plans, appointments)


@dataclass(frozen=True)
class Purged:
    """What a retention run deleted."""

    leads: int = 0
    conversations: int = 0


def _purge_closed_leads(session: Session, cutoff: datetime) -> tuple[list[str], int]:
    """Delete the leads closed before ``cutoff`` (and their outbox, relay messages and
    appointments); their ids and how many went."""
    old = list(session.scalars(select(Lead.id).where(Lead.status == "closed", Lead.closed_at < cutoff)))
    redact_sent_cards(session, old)
    session.execute(delete(OutboxMessage).where(OutboxMessage.lead_id.in_(old)))
    session.execute(delete(Appointment).where(Appointment.lead_id.in_(old)))
    return old, _delete(session, delete(Lead).where(Lead.id.in_(old)))


def _purge_inactive_conversations(session: Session, cutoff: datetime) -> list[str]:
    """Delete the conversations without an open lead whose last event is older than ``cutoff``:
    tracker events, consents, notices shown, plans. Their ids."""
    senders = inactive_senders(session, cutoff.timestamp())
    if not senders:
        return []
    open_leads = set(session.scalars(select(Lead.conversation_id).where(Lead.conversation_id.in_(senders))))
    senders = [sender for sender in senders if sender not in open_leads]
    delete_tracker_events(session, senders)
    session.execute(delete(Consent).where(Consent.conversation_id.in_(senders)))
    session.execute(delete(NoticeShown).where(NoticeShown.conversation_id.in_(senders)))
    session.execute(delete(Plan).where(Plan.conversation_id.in_(senders)))
    return senders


def purge_expired(
    sessions: Sessions | None, lead_days: int, conversation_days: int, now: datetime | None = None
) -> Purged:
    """Delete leads closed longer than ``lead_days`` ago, conversations (tracker events, consents,
    plans) inactive for ``conversation_days`` that have no open lead, and plans older than that."""
    now = now or utcnow()
    conversation_cutoff = now - timedelta(days=conversation_days)
    with sessions_or_default(sessions).begin() as session:
        old, leads = _purge_closed_leads(session, now - timedelta(days=lead_days))
        senders = _purge_inactive_conversations(session, conversation_cutoff)
        session.execute(delete(Plan).where(Plan.created_at < conversation_cutoff))
        for lead_id in old:
            record_audit(session, "system", "purge", lead_id)
        if senders:
            record_audit(session, "system", "purge_conversations", count=len(senders))
    logger.info("retention.purged", leads=leads, conversations=len(senders))
    return Purged(leads, len(senders))
