"""What happens to a lead: consent, submission (lead + outbox in one transaction), erasure, purge.

Each public function is one unit of work: it opens a session, commits once, or rolls back
everything — a lead is never saved without its outbox message, an erasure never half-done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import delete, inspect, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.database import utcnow
from bot.i18n import N_
from bot.leads.contact import normalize_email, normalize_phone
from bot.leads.models import AuditEvent, Consent, Lead, NoticeShown, OutboxMessage, Plan
from bot.leads.warmth import LeadFacts, warmth

logger = structlog.get_logger(__name__)

TRACKER_EVENTS_TABLE = "events"
"""Rasa's SQL tracker store table (``rasa/core/tracker_store.py``: ``SQLEvent``)."""


class ConsentMissing(Exception):
    """A lead was submitted without an active consent to be contacted."""


class NoticeNotShown(Exception):
    """A consent without the privacy notice of that version shown before in this conversation."""


class ContactInvalid(Exception):
    """The chosen way of contact has no valid phone number, e-mail or chat."""


@dataclass(frozen=True)
class LeadSubmission:
    """What the contact form hands over."""

    conversation_id: str
    channel: str
    language: str
    first_name: str
    contact_method: str
    phone: str | None = None
    email: str | None = None
    preferred_time: str | None = None
    call_language: str | None = None
    source: str | None = None
    routes: tuple[str, ...] = ()
    triage: dict[str, Any] = field(default_factory=dict)
    has_documents: bool | None = None
    wants_counsellor: bool = True
    urgent: bool = False


LEAD_CARD = "lead_card"
"""Outbox kind: the lead's card in the counsellors' chat."""
NOTICE_TELEGRAM = "notice_telegram"
"""Outbox kind: a message to the person's own Telegram chat (sent by the notifier)."""
NOTICE_WEB = "notice_web"
"""Outbox kind: a message to the person's web chat (sent by the gateway's event stream)."""
CLAIMED_NOTICE = N_(
    "Gute Nachricht: Eine Beraterin oder ein Berater hat deine Anfrage übernommen "
    "und meldet sich bald bei dir."
)


def take_web_notices(sessions: sessionmaker, conversation_id: str) -> list[tuple[str, str]]:
    """The pending messages for a web chat as (language, German msgid), marked as sent."""
    with sessions.begin() as session:
        rows = session.execute(
            select(OutboxMessage.id, Lead.language)
            .join(Lead, OutboxMessage.lead_id == Lead.id)
            .where(Lead.conversation_id == conversation_id, OutboxMessage.kind == NOTICE_WEB,
                   OutboxMessage.status == "pending")
            .order_by(OutboxMessage.id)
        ).all()
        if rows:
            session.execute(update(OutboxMessage).where(OutboxMessage.id.in_([r.id for r in rows]))
                            .values(status="sent", sent_at=utcnow(), attempts=1))
    return [(language, CLAIMED_NOTICE) for _, language in rows]


def card_key(lead_id: str) -> str:
    """The outbox dedup key of a lead's card: one card per lead, ever."""
    return f"lead-card:{lead_id}"


def _audit(session: Session, actor: str, action: str, lead_id: str | None = None, **detail: Any) -> None:
    session.add(AuditEvent(actor=actor, action=action, lead_id=lead_id, detail=detail))


def _active_consent(session: Session, conversation_id: str, purpose: str) -> Consent | None:
    consent = session.scalar(
        select(Consent).where(Consent.conversation_id == conversation_id, Consent.purpose == purpose)
    )
    return consent if consent is not None and consent.active else None


def record_notice_shown(sessions: sessionmaker, conversation_id: str, notice_version: str,
                        language: str, channel: str) -> int:
    """Record that the privacy notice of ``notice_version`` is being shown; its id."""
    with sessions.begin() as session:
        shown = NoticeShown(conversation_id=conversation_id, notice_version=notice_version,
                            language=language, channel=channel)
        session.add(shown)
        session.flush()
        return shown.id


def record_consent(sessions: sessionmaker, conversation_id: str, purpose: str,
                   notice_version: str, channel: str) -> None:
    """Record (or renew) a consent for one purpose, given after the notice of ``notice_version``.

    Raises ``NoticeNotShown`` (and writes nothing) unless this conversation was shown that notice
    before: a consent given without the information is not a valid consent (Art. 4(11), 7 GDPR).
    """
    with sessions.begin() as session:
        shown = session.scalar(
            select(NoticeShown)
            .where(NoticeShown.conversation_id == conversation_id,
                   NoticeShown.notice_version == notice_version,
                   NoticeShown.shown_at <= utcnow())
            .order_by(NoticeShown.shown_at.desc(), NoticeShown.id.desc())
            .limit(1)
        )
        if shown is None:
            raise NoticeNotShown(notice_version)
        consent = session.scalar(
            select(Consent).where(Consent.conversation_id == conversation_id, Consent.purpose == purpose)
        )
        if consent is None:
            session.add(Consent(conversation_id=conversation_id, purpose=purpose,
                                notice_version=notice_version, channel=channel, notice_shown_id=shown.id))
        else:
            consent.notice_version, consent.channel = notice_version, channel
            consent.given_at, consent.withdrawn_at = utcnow(), None
            consent.notice_shown_id = shown.id
        _audit(session, "user", "consent", purpose=purpose, notice_version=notice_version)


def has_consent(sessions: sessionmaker, conversation_id: str, purpose: str) -> bool:
    """Whether the conversation has an active consent for ``purpose``."""
    with sessions() as session:
        return _active_consent(session, conversation_id, purpose) is not None


def submit_lead(sessions: sessionmaker, submission: LeadSubmission) -> Lead:
    """Create or update the conversation's lead and, for a new lead, its card in the outbox.

    Raises ``ConsentMissing`` or ``ContactInvalid``; nothing is written then.
    """
    phone = normalize_phone(submission.phone) if submission.phone else None
    email = normalize_email(submission.email) if submission.email else None
    contact_valid = {
        "telegram": submission.channel == "telegram",
        "phone": phone is not None,
        "email": email is not None,
    }.get(submission.contact_method, False)
    if not contact_valid:
        raise ContactInvalid(submission.contact_method)
    for attempt in range(2):
        try:
            with sessions.begin() as session:
                if _active_consent(session, submission.conversation_id, "contact") is None:
                    raise ConsentMissing(submission.conversation_id)
                lead = session.scalar(
                    select(Lead).where(Lead.conversation_id == submission.conversation_id)
                )
                created = lead is None
                if lead is None:
                    lead = Lead(conversation_id=submission.conversation_id)
                    session.add(lead)
                score, reasons = warmth(LeadFacts(
                    routes=submission.routes, contact_valid=True, consent_given=True,
                    asks_for_counsellor=submission.wants_counsellor,
                    documents_available=submission.has_documents, urgent=submission.urgent,
                ))
                lead.channel, lead.language = submission.channel, submission.language
                lead.source = submission.source or lead.source
                lead.first_name = submission.first_name.strip()[:80]
                lead.contact_method = submission.contact_method
                lead.phone = phone if submission.contact_method == "phone" else None
                lead.email = email if submission.contact_method == "email" else None
                lead.preferred_time, lead.call_language = submission.preferred_time, submission.call_language
                lead.routes, lead.triage = list(submission.routes), dict(submission.triage)
                lead.has_documents = submission.has_documents
                lead.wants_counsellor, lead.urgent = submission.wants_counsellor, submission.urgent
                lead.warmth, lead.warmth_reasons = score, reasons
                session.flush()
                if created:
                    session.add(OutboxMessage(lead_id=lead.id, kind=LEAD_CARD, dedup_key=card_key(lead.id)))
                _audit(session, "user", "lead_created" if created else "lead_updated", lead.id)
            logger.info("lead.saved", lead=lead.id, created=created, warmth=score)
            return lead
        except IntegrityError:
            # Two submissions of one conversation raced; the second one updates the first's lead.
            if attempt:
                raise
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Erased:
    """How many rows an erasure deleted, per table."""

    leads: int = 0
    consents: int = 0
    outbox: int = 0
    tracker_events: int = 0
    plans: int = 0


def _delete_tracker_events(session: Session, sender_ids: list[str]) -> int:
    if not sender_ids or not inspect(session.connection()).has_table(TRACKER_EVENTS_TABLE):
        return 0
    total = 0
    for sender in sender_ids:
        result = session.execute(
            text(f"DELETE FROM {TRACKER_EVENTS_TABLE} WHERE sender_id = :sender"), {"sender": sender}
        )
        total += result.rowcount or 0
    return total


REDACT = "redact"
"""Outbox kind: overwrite a card already in the counsellors' chat (its lead is gone)."""


def _redact_sent_cards(session: Session, lead_ids: list[str]) -> int:
    """Queue the overwriting of every card of these leads that reached Telegram (same transaction
    as the deletion: the card's text names the person, and the person is gone)."""
    sent = session.execute(
        select(OutboxMessage.id, OutboxMessage.telegram_message_id)
        .where(OutboxMessage.lead_id.in_(lead_ids), OutboxMessage.kind == LEAD_CARD,
               OutboxMessage.telegram_message_id.is_not(None))
    ).all()
    for outbox_id, telegram_message_id in sent:
        session.add(OutboxMessage(lead_id=None, kind=REDACT, dedup_key=f"redact:{outbox_id}",
                                  telegram_message_id=telegram_message_id))
    return len(sent)


def erase_conversation(sessions: sessionmaker, conversation_id: str, actor: str = "user") -> Erased:
    """Delete everything about one conversation: tracker events, lead, consents, pending outbox,
    the plan ("Mein Plan": its link shows nothing from then on).

    Art. 17 GDPR ("delete my data", withdrawal of consent). One transaction. The audit keeps
    only that an erasure happened (and the lead id), no personal data.
    """
    with sessions.begin() as session:
        lead_ids = list(session.scalars(select(Lead.id).where(Lead.conversation_id == conversation_id)))
        _redact_sent_cards(session, lead_ids)
        outbox = session.execute(delete(OutboxMessage).where(OutboxMessage.lead_id.in_(lead_ids))).rowcount
        leads = session.execute(delete(Lead).where(Lead.id.in_(lead_ids))).rowcount
        consents = session.execute(delete(Consent).where(Consent.conversation_id == conversation_id)).rowcount
        session.execute(delete(NoticeShown).where(NoticeShown.conversation_id == conversation_id))
        plans = session.execute(delete(Plan).where(Plan.conversation_id == conversation_id)).rowcount
        events = _delete_tracker_events(session, [conversation_id])
        for lead_id in lead_ids or [None]:
            _audit(session, actor, "erase", lead_id)
    logger.info("conversation.erased", leads=leads, consents=consents, outbox=outbox, events=events,
                plans=plans)
    return Erased(leads or 0, consents or 0, outbox or 0, events, plans or 0)


@dataclass(frozen=True)
class Purged:
    """What a retention run deleted."""

    leads: int = 0
    conversations: int = 0


def purge_expired(sessions: sessionmaker, lead_days: int, conversation_days: int,
                  now: datetime | None = None) -> Purged:
    """Delete leads closed longer than ``lead_days`` ago, conversations (tracker events, consents,
    plans) inactive for ``conversation_days`` that have no open lead, and plans older than that."""
    now = now or utcnow()
    lead_cutoff = now - timedelta(days=lead_days)
    conversation_cutoff = (now - timedelta(days=conversation_days)).timestamp()
    with sessions.begin() as session:
        old = list(session.scalars(
            select(Lead.id).where(Lead.status == "closed", Lead.closed_at < lead_cutoff)
        ))
        _redact_sent_cards(session, old)
        session.execute(delete(OutboxMessage).where(OutboxMessage.lead_id.in_(old)))
        leads = session.execute(delete(Lead).where(Lead.id.in_(old))).rowcount or 0
        senders: list[str] = []
        if inspect(session.connection()).has_table(TRACKER_EVENTS_TABLE):
            senders = [row[0] for row in session.execute(text(
                f"SELECT sender_id FROM {TRACKER_EVENTS_TABLE} GROUP BY sender_id "
                "HAVING MAX(timestamp) < :cutoff"), {"cutoff": conversation_cutoff})]
            open_leads = set(session.scalars(select(Lead.conversation_id).where(Lead.conversation_id.in_(senders))))
            senders = [s for s in senders if s not in open_leads]
            _delete_tracker_events(session, senders)
            session.execute(delete(Consent).where(Consent.conversation_id.in_(senders)))
            session.execute(delete(NoticeShown).where(NoticeShown.conversation_id.in_(senders)))
            session.execute(delete(Plan).where(Plan.conversation_id.in_(senders)))
        session.execute(delete(Plan).where(Plan.created_at < now - timedelta(days=conversation_days)))
        for lead_id in old:
            _audit(session, "system", "purge", lead_id)
        if senders:
            _audit(session, "system", "purge_conversations", count=len(senders))
    logger.info("retention.purged", leads=leads, conversations=len(senders))
    return Purged(leads, len(senders))
