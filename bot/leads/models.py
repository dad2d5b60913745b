"""Tables for leads, consent, the counsellors' outbox, counsellors, the audit trail, and the
person's plan ("Mein Plan").

Personal data lives in ``lead`` (first name, phone, e-mail, triage answers), in what goes with a
lead (``relay_message``, ``appointment``) and in Rasa's tracker events; everything else refers to a
conversation or a lead by id. ``audit_event`` keeps ids and actions, never personal data, so it may
outlive the lead it describes.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.database import Base, utcnow

LEAD_STATUSES = ("new", "claimed", "contacted", "closed")
CONTACT_METHODS = ("telegram", "phone", "email")
CONSENT_PURPOSES = ("contact", "statistics")
OUTBOX_STATUSES = ("pending", "sent", "failed", "cancelled")
"""``cancelled``: no longer to be sent (a reminder of a lead somebody took meanwhile)."""
OUTCOMES = ("route_started", "referred", "not_reachable", "not_interested")
"""How a closed lead ended: the person started a route, was referred to another office, could not
be reached, or no longer wants counselling."""
ROLES = ("counsellor", "admin")
"""A counsellor sees and changes leads; an admin also exports them and deletes them."""


def new_id() -> str:
    """A random id (UUID4 as text: the same on SQLite and PostgreSQL)."""
    return str(uuid.uuid4())


class Counsellor(Base):
    """A person at the job centre, the chambers or a counselling service who works leads."""

    __tablename__ = "counsellor"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    """Moves on with "log out everywhere": login cookies of an older generation are refused."""
    role: Mapped[str] = mapped_column(String(16), default="counsellor", server_default="counsellor")
    """One of ``ROLES``."""
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    """The TOTP second factor's secret (base32), if the account has one."""

    @property
    def is_admin(self) -> bool:
        """Whether this account may export and delete leads."""
        return self.role == "admin"


class LoginThrottle(Base):
    """Failed inbox logins of one account name or one client address, and its lockout.

    ``key`` is ``account:<username as typed>`` or ``address:<client address>``; the row exists
    whether or not the account does. Kept in the database so that a lockout holds across restarts
    and several gateway processes.
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    """Failed logins since ``window_started_at``."""
    window_started_at: Mapped[datetime] = mapped_column(default=utcnow)
    lockouts: Mapped[int] = mapped_column(default=0)
    """Lockouts in a row: each one lasts twice as long as the one before (capped)."""
    locked_until: Mapped[datetime | None]


class Lead(Base):
    """A person who consented to be contacted, with what a counsellor needs to call them back.

    One per conversation: submitting again updates the lead, never duplicates it.
    """

    __tablename__ = "lead"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    conversation_id: Mapped[str] = mapped_column(String(128), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(16))
    source: Mapped[str | None] = mapped_column(String(64))
    first_name: Mapped[str] = mapped_column(String(80))
    contact_method: Mapped[str] = mapped_column(String(16))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    preferred_time: Mapped[str | None] = mapped_column(String(64))
    call_language: Mapped[str | None] = mapped_column(String(16))
    routes: Mapped[list[str]] = mapped_column(default=list)
    triage: Mapped[dict[str, Any]] = mapped_column(default=dict)
    has_documents: Mapped[bool | None]
    wants_counsellor: Mapped[bool] = mapped_column(default=True)
    urgent: Mapped[bool] = mapped_column(default=False)
    warmth: Mapped[int] = mapped_column(default=0)
    warmth_reasons: Mapped[list[str]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16), default="new")
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("counsellor.id", ondelete="SET NULL"))
    claimed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(24))
    """One of ``OUTCOMES`` once the lead is closed with one (empty for an open lead)."""
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    relay_since: Mapped[datetime | None]
    """When the current conversation between a counsellor and the person began (``None``: Lotse
    answers the person); see ``bot.leads.relay``."""
    relay_last_at: Mapped[datetime | None]
    """The last relayed message of that conversation, either way (the quiet time counts from it)."""
    topic_id: Mapped[int | None] = mapped_column(BigInteger)
    """The lead's topic in the counsellors' chat, when that chat is a forum (``message_thread_id``)."""

    claimed_by: Mapped[Counsellor | None] = relationship()
    relay: Mapped[list[RelayMessage]] = relationship(
        back_populates="lead", cascade="all, delete-orphan", passive_deletes=True, order_by="RelayMessage.id"
    )
    outbox: Mapped[list[OutboxMessage]] = relationship(
        back_populates="lead", cascade="all, delete-orphan", passive_deletes=True
    )
    appointments: Mapped[list[Appointment]] = relationship(
        back_populates="lead", cascade="all, delete-orphan", passive_deletes=True, order_by="Appointment.starts_at"
    )

    __table_args__ = (Index("ix_lead_status_warmth", "status", "warmth"),)


class Plan(Base):
    """A person's plan ("Mein Plan"): the triage answers behind an unguessable link.

    The page renders the recommendation from these answers, in the person's language and in German.
    It is deleted with its conversation ("delete my data", retention), and at most one per
    conversation exists: a new recommendation replaces the old plan and its link.
    """

    __tablename__ = "plan"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(128), unique=True)
    language: Mapped[str] = mapped_column(String(16))
    profile: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NoticeShown(Base):
    """The privacy notice, as shown to a person before they were asked for consent.

    A consent is valid only if it was given after this conversation was shown the notice of that
    version: the consent row refers to this one. No personal data: ids, version, language, time.
    """

    __tablename__ = "notice_shown"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    notice_version: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    shown_at: Mapped[datetime] = mapped_column(default=utcnow)


class Consent(Base):
    """One consent for one purpose in one conversation; withdrawing keeps the row until erasure."""

    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    notice_version: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    given_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]
    notice_shown_id: Mapped[int | None] = mapped_column(ForeignKey("notice_shown.id"))
    """The notice this consent was given after (empty only for consents from before 2026-12)."""

    __table_args__ = (UniqueConstraint("conversation_id", "purpose", name="uq_consent_conversation_purpose"),)

    @property
    def active(self) -> bool:
        """Given and not withdrawn."""
        return self.withdrawn_at is None


RELAY_DIRECTIONS = ("to_person", "from_person")


class RelayMessage(Base):
    """One message between the counsellor who holds a lead and its person, either way.

    Personal data: it goes with its lead (erasure, retention). ``text`` is what the person got
    (without the "Anna from the advice team writes:" line, which is added in their language on
    the way) or what they wrote.
    """

    __tablename__ = "relay_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[str] = mapped_column(ForeignKey("lead.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(16))
    """One of ``RELAY_DIRECTIONS``."""
    counsellor_id: Mapped[int | None] = mapped_column(ForeignKey("counsellor.id", ondelete="SET NULL"))
    author: Mapped[str] = mapped_column(String(80), default="")
    """The counsellor's first name as the person sees it; empty for the person's own messages."""
    text: Mapped[str] = mapped_column(Text)
    template: Mapped[str | None] = mapped_column(String(32))
    """The ready-made reply it was made from (``bot.leads.relay.TEMPLATES``), if any."""
    language: Mapped[str] = mapped_column(String(16))
    """The person's language when it was written."""
    via: Mapped[str] = mapped_column(String(16))
    """``telegram`` (the counsellors' chat), ``inbox``, or the person's channel (``telegram``, ``web``)."""
    chat_message_id: Mapped[int | None] = mapped_column(BigInteger)
    """The counsellor's own message in the counsellors' chat (deleted when the lead is erased)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lead: Mapped[Lead] = relationship(back_populates="relay")


APPOINTMENT_STATUSES = ("proposed", "confirmed", "declined", "cancelled")
"""An appointment a counsellor proposed; the person took it ("Passt") or asked for another
("Anderer Termin"); or a counsellor called it off."""


def new_token() -> str:
    """An unguessable token (192 random bits, URL-safe): what the person's buttons and the web
    chat's calendar download name an appointment by."""
    return secrets.token_urlsafe(24)


class Appointment(Base):
    """An appointment a counsellor proposed to the person of a lead (the ready-made reply "📅 Termin
    vorschlagen"), and what became of it.

    Personal data: it goes with its lead (erasure, retention). ``starts_at`` is an instant (stored
    in UTC); ``timezone`` is the office's zone it was proposed in, in which the person reads it and
    its calendar file states it.
    """

    __tablename__ = "appointment"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    lead_id: Mapped[str] = mapped_column(ForeignKey("lead.id", ondelete="CASCADE"), index=True)
    relay_message_id: Mapped[int | None] = mapped_column(ForeignKey("relay_message.id", ondelete="SET NULL"))
    """The counsellor's message that proposed it."""
    counsellor_id: Mapped[int | None] = mapped_column(ForeignKey("counsellor.id", ondelete="SET NULL"))
    """Who proposed it."""
    starts_at: Mapped[datetime]
    timezone: Mapped[str] = mapped_column(String(64))
    place: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    """One of ``APPOINTMENT_STATUSES``."""
    answered_at: Mapped[datetime | None]
    reminder_sent_at: Mapped[datetime | None]
    """When the reminder the day before reached the person (Telegram) or their web chat."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lead: Mapped[Lead] = relationship(back_populates="appointments")
    counsellor: Mapped[Counsellor | None] = relationship()

    __table_args__ = (Index("ix_appointment_status_starts_at", "status", "starts_at"),)

    def worth_reminding(self, now: datetime) -> bool:
        """Whether its reminder is still worth sending at ``now``: confirmed, and not started."""
        return self.status == "confirmed" and self.starts_at > now


class OutboxMessage(Base):
    """A message to the counsellors' Telegram chat, written in the same transaction as its lead.

    ``dedup_key`` is unique, so a lead card exists once however often the lead is submitted.
    """

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[str | None] = mapped_column(ForeignKey("lead.id", ondelete="CASCADE"), index=True)
    """``None`` for a ``redact`` row: the lead is gone, only its card's message id is left."""
    kind: Mapped[str] = mapped_column(String(32))
    dedup_key: Mapped[str] = mapped_column(String(128), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    relay_message_id: Mapped[int | None] = mapped_column(ForeignKey("relay_message.id", ondelete="CASCADE"), index=True)
    """For a relayed message: which one it carries."""
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id", ondelete="CASCADE"), index=True)
    """For a message about an appointment (its calendar file, reminder, the person's answer): which one."""

    lead: Mapped[Lead | None] = relationship(back_populates="outbox")

    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),)


class AuditEvent(Base):
    """Who did what to which lead, when (views, exports, claims, deletions, erasures, purges)."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(32))
    lead_id: Mapped[str | None] = mapped_column(String(36), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
