"""Text markers and value types of the knowledge layer, without any of ours behind them.

``knowledge/`` imports nothing of ours (DESIGN.md), yet its triage writes texts that the language
layer translates later: ``N_`` marks such a German source text for extraction (``make catalogs``)
and returns it unchanged; ``Years`` carries a duration that each language phrases with its own
plural ("1 Jahr", "4,5 року", "21 de ani"). ``bot.i18n`` formats them.
"""

from __future__ import annotations

from dataclasses import dataclass


def N_(message: str) -> str:
    """Mark a text for extraction without translating it now (it is translated when shown)."""
    return message


@dataclass(frozen=True)
class Years:
    """A duration in years, shown with the language's own plural ("1 Jahr", "4,5 року", "21 de ani")."""

    value: float | int
