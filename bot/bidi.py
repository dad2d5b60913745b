"""Direction marks for right-to-left texts that mix in German terms, numbers and links.

An Arabic or Farsi line such as "Externenprüfung (IHK) – 4,5 سنوات" goes wrong in two ways
without help: Telegram and browsers take a paragraph's direction from its first strong letter
(here the Latin "E", so the whole line is laid out left to right), and neutral characters
between a Latin run and Arabic text (brackets, dashes, spaces) attach to the wrong side.

:func:`mark` therefore starts every line with a RIGHT-TO-LEFT MARK and wraps every left-to-right
run (Latin words with the spaces and punctuation inside them, numbers, links) in a
LEFT-TO-RIGHT ISOLATE … POP DIRECTIONAL ISOLATE pair (Unicode 6.3, supported by Android, iOS,
Telegram Desktop and every current browser). The marks are invisible.
"""

from __future__ import annotations

import re

RLM = "\u200f"
LRI = "\u2066"
PDI = "\u2069"
MARKS = (RLM, LRI, PDI, "\u200e", "\u2067", "\u2068")

_LTR = r"A-Za-z\u00c0-\u024f\u1e00-\u1eff0-9"
"""Latin letters (with German, Polish, Vietnamese … accents) and Western digits."""
_INSIDE = r" .,:;/()%&+\-–'’@_#=?~"
"""Neutral characters that belong to a Latin run when Latin or digits follow them."""
_LTR_RUN = re.compile(rf"\(?[{_LTR}](?:[{_LTR}{_INSIDE}]*[{_LTR})%])?")


def _isolate_runs(line: str) -> str:
    def wrap(match: re.Match[str]) -> str:
        run = match.group(0)
        if run.startswith("(") and ")" not in run:
            return "(" + LRI + run[1:] + PDI
        if run.endswith(")") and "(" not in run:
            return LRI + run[:-1] + PDI + ")"
        return LRI + run + PDI

    return _LTR_RUN.sub(wrap, line)


def strip_marks(text: str) -> str:
    """The text without any direction marks (for comparing and for logs)."""
    return "".join(ch for ch in text if ch not in MARKS)


def mark(text: str) -> str:
    """Add direction marks to a text of a right-to-left language (idempotent)."""
    lines = strip_marks(text).split("\n")
    return "\n".join(RLM + _isolate_runs(line) if line.strip() else line for line in lines)
