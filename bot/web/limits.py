"""What the gateway accepts from outside, checked before anything else looks at it."""

from __future__ import annotations

MAX_BODY_BYTES = 64 * 1024
"""Bigger requests are refused before they are read (413)."""
SOURCE_SHAPE = r"^[A-Za-z0-9_.-]{1,64}$"
"""Where a person came from (widget ``data-start``, ``/chat?start=``), as Telegram deep links allow."""
