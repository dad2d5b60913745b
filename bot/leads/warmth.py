"""How warm a lead is (0–100), with the reasons, so counsellors can work the warmest first."""

from __future__ import annotations

from dataclasses import dataclass

WEIGHTS: dict[str, int] = {
    "route_found": 25,
    "contact_valid": 20,
    "consent_given": 15,
    "asks_for_counsellor": 20,
    "documents_available": 10,
    "urgent": 10,
}
"""Reason → points; they add up to 100."""


@dataclass(frozen=True)
class LeadFacts:
    """What the warmth is computed from."""

    routes: tuple[str, ...] = ()
    contact_valid: bool = False
    consent_given: bool = False
    asks_for_counsellor: bool = False
    documents_available: bool | None = None
    urgent: bool = False


def warmth(facts: LeadFacts) -> tuple[int, list[str]]:
    """The score and the reasons that made it, in the order of ``WEIGHTS``."""
    reasons = [
        reason
        for reason, present in (
            ("route_found", bool(facts.routes)),
            ("contact_valid", facts.contact_valid),
            ("consent_given", facts.consent_given),
            ("asks_for_counsellor", facts.asks_for_counsellor),
            ("documents_available", facts.documents_available is True),
            ("urgent", facts.urgent),
        )
        if present
    ]
    return sum(WEIGHTS[r] for r in reasons), reasons
