"""Consent: the privacy notice shown, the consent given after it, and whether it still stands.

A consent is valid only if this conversation was shown the notice of that version before
(Art. 4(11), 7 GDPR): the consent row refers to the notice it was given after.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.database import utcnow
from bot.leads.audit import record_audit
from bot.leads.models import Consent, Lead, NoticeShown
from bot.leads.store import Sessions, sessions_or_default


class NoticeNotShown(Exception):
    """A consent without the privacy notice of that version shown before in this conversation."""


def active_consents(session: Session, conversation_id: str) -> dict[str, Consent]:
    """The conversation's consents that are given and not withdrawn, by purpose."""
    rows = session.scalars(select(Consent).where(Consent.conversation_id == conversation_id))
    return {consent.purpose: consent for consent in rows if consent.active}


def active_consent(session: Session, conversation_id: str, purpose: str) -> Consent | None:
    """The conversation's consent for ``purpose`` if it is given and not withdrawn."""
    consent = session.scalar(
        select(Consent).where(Consent.conversation_id == conversation_id, Consent.purpose == purpose)
    )
    return consent if consent is not None and consent.active else None


def record_notice_shown(
    sessions: Sessions | None, conversation_id: str, notice_version: str, language: str, channel: str
) -> int:
    """Record that the privacy notice of ``notice_version`` is being shown; its id."""
    with sessions_or_default(sessions).begin() as session:
        shown = NoticeShown(
            conversation_id=conversation_id, notice_version=notice_version, language=language, channel=channel
        )
        session.add(shown)
        session.flush()
        return shown.id


def record_consent(
    sessions: Sessions | None, conversation_id: str, purpose: str, notice_version: str, channel: str
) -> None:
    """Record (or renew) a consent for one purpose, given after the notice of ``notice_version``.

    Raises ``NoticeNotShown`` (and writes nothing) unless this conversation was shown that notice
    before: a consent given without the information is not a valid consent (Art. 4(11), 7 GDPR).
    """
    with sessions_or_default(sessions).begin() as session:
        shown = session.scalar(
            select(NoticeShown)
            .where(
                NoticeShown.conversation_id == conversation_id,
                NoticeShown.notice_version == notice_version,
                NoticeShown.shown_at <= utcnow(),
            )
            .order_by(NoticeShown.shown_at.desc(), NoticeShown.id.desc())
            .limit(1)
        )
        if shown is None:
            raise NoticeNotShown(notice_version)
        consent = session.scalar(
            select(Consent).where(Consent.conversation_id == conversation_id, Consent.purpose == purpose)
        )
        if consent is None:
            session.add(
                Consent(
                    conversation_id=conversation_id,
                    purpose=purpose,
                    notice_version=notice_version,
                    channel=channel,
                    notice_shown_id=shown.id,
                )
            )
        else:
            consent.notice_version, consent.channel = notice_version, channel
            consent.given_at, consent.withdrawn_at = utcnow(), None
            consent.notice_shown_id = shown.id
        record_audit(session, "user", "consent", purpose=purpose, notice_version=notice_version)


def has_consent(sessions: Sessions | None, conversation_id: str, purpose: str) -> bool:
    """Whether the conversation has an active consent for ``purpose``."""
    with sessions_or_default(sessions)() as session:
        return active_consent(session, conversation_id, purpose) is not None


@dataclass(frozen=True)
class Offer:
    """Where a conversation stands when the person asks for a counsellor."""

    lead_name: str | None = None
    """The first name on the lead, when one was already sent (nothing more to ask)."""
    consented: bool = False
    """Whether the consent to be contacted stands (the contact form can start)."""


def offer_counsellor(
    sessions: Sessions | None, conversation_id: str, notice_version: str, language: str, channel: str
) -> Offer:
    """Where the conversation stands; when the consent question comes next, the privacy notice
    it shows is recorded first (a consent given later refers to it)."""
    with sessions_or_default(sessions)() as session:
        consented = active_consent(session, conversation_id, "contact") is not None
        lead = session.scalar(select(Lead).where(Lead.conversation_id == conversation_id))
        lead_name = lead.first_name if lead is not None else None
    if lead_name is None and not consented:
        record_notice_shown(sessions, conversation_id, notice_version, language, channel)
    return Offer(lead_name, consented)
