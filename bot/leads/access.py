"""The right of access (Art. 15 GDPR): what is stored about a conversation, for the person to see.

Erasure (Art. 17) is ``bot.leads.erasure``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from bot.leads.consent import active_consents
from bot.leads.models import Appointment, Consent, Lead, RelayMessage
from bot.leads.store import Sessions, sessions_or_default


@dataclass(frozen=True)
class StoredData:
    """The conversation's lead (if one was sent) and its active consents by purpose, read in one
    session and detached from it."""

    lead: Lead | None = None
    consents: dict[str, Consent] = field(default_factory=dict)
    relay: list[RelayMessage] = field(default_factory=list)
    """The messages between the person and their counsellor, oldest first."""
    appointments: list[Appointment] = field(default_factory=list)
    """The appointments a counsellor proposed to the person, soonest first."""


def stored_data(sessions: Sessions | None, conversation_id: str) -> StoredData:
    """What is stored about the conversation, besides its tracker (the action has that)."""
    with sessions_or_default(sessions)() as session:
        lead = session.scalar(select(Lead).where(Lead.conversation_id == conversation_id))
        if lead is None:
            return StoredData(None, active_consents(session, conversation_id))
        relay = session.scalars(select(RelayMessage).where(RelayMessage.lead_id == lead.id).order_by(RelayMessage.id))
        appointments = session.scalars(
            select(Appointment).where(Appointment.lead_id == lead.id).order_by(Appointment.starts_at)
        )
        return StoredData(lead, active_consents(session, conversation_id), list(relay), list(appointments))
