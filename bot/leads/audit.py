"""The audit trail: one function writes every entry, inside the caller's unit of work."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bot.leads.models import AuditEvent


def record_audit(session: Session, actor: str, action: str, lead_id: str | None = None, **detail: Any) -> None:
    """Add one audit entry; it is committed or rolled back with the caller's session."""
    session.add(AuditEvent(actor=actor, action=action, lead_id=lead_id, detail=detail))
