"""The inbox's CSV export: every lead with its consent flags, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.leads.models import Consent, Lead

CSV_COLUMNS = (
    "lead_id",
    "created_at",
    "status",
    "warmth",
    "warmth_reasons",
    "first_name",
    "contact_method",
    "phone",
    "email",
    "preferred_time",
    "call_language",
    "language",
    "channel",
    "source",
    "routes",
    "consent_contact",
    "consent_statistics",
    "consent_notice_version",
    "claimed_by",
    "claimed_at",
    "closed_at",
    "outcome",
)


def _cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _row(lead: Lead, consents: dict[tuple[str, str], Consent]) -> list[str]:
    contact = consents.get((lead.conversation_id, "contact"))
    return [
        _cell(v)
        for v in (
            lead.id,
            lead.created_at.isoformat(),
            lead.status,
            lead.warmth,
            " ".join(lead.warmth_reasons),
            lead.first_name,
            lead.contact_method,
            lead.phone,
            lead.email,
            lead.preferred_time,
            lead.call_language,
            lead.language,
            lead.channel,
            lead.source,
            " ".join(lead.routes),
            contact is not None,
            (lead.conversation_id, "statistics") in consents,
            contact.notice_version if contact else "",
            lead.claimed_by.username if lead.claimed_by else "",
            lead.claimed_at.isoformat() if lead.claimed_at else "",
            lead.closed_at.isoformat() if lead.closed_at else "",
            lead.outcome,
        )
    ]


def leads_csv(sessions: sessionmaker[Session]) -> tuple[str, int]:
    """The CSV text of all leads (oldest first, header first) and how many leads it has."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    with sessions() as db:
        consents: dict[tuple[str, str], Consent] = {
            (c.conversation_id, c.purpose): c for c in db.scalars(select(Consent)) if c.active
        }
        leads = list(db.scalars(select(Lead).order_by(Lead.created_at)))
        for lead in leads:
            writer.writerow(_row(lead, consents))
    return out.getvalue(), len(leads)
