"""How answers are worded for a phone: facts with their hedge, long answers as several short
messages, lists."""

from __future__ import annotations

from bot.bidi import strip_marks
from bot.i18n import N_, translate
from knowledge.schema import Fact, Knowledge

HEDGE = N_("(Das ist noch nicht sicher – bitte frag bei der Kammer oder in deiner Beratung nach.)")


def is_unverified(fact: Fact, knowledge: Knowledge) -> bool:
    """Whether a fact must be hedged: marked [CHECK] or backed by an unverified source."""
    if fact.unverified:
        return True
    verified = {s.id: s.verified for s in knowledge.sources}
    return not all(verified.get(source, False) for source in fact.sources)


def fact_text(fact: Fact, language: str, knowledge: Knowledge) -> str:
    """A fact in ``language``, with the hedge where it is not verified."""
    text = translate(language, fact.text)
    if is_unverified(fact, knowledge):
        text = f"{text} {translate(language, HEDGE)}"
    return text


PHONE_LIMIT = 350
"""About what a cheap phone shows without scrolling: the first message of an answer stays within it."""


def phone_messages(text: str, limit: int = PHONE_LIMIT) -> list[str]:
    """A long answer as several messages: whole paragraphs (and, in a long list, whole lines) packed
    into messages of at most ``limit`` characters; only a single paragraph or line longer than
    that stands alone, and a list's heading (the line above its first "•") never stands alone:
    it goes with the first line of the list. Direction marks sit at line starts, so they survive the split."""
    pieces: list[str] = []
    for block in text.split("\n\n"):
        if len(strip_marks(block)) <= limit or "\n" not in block:
            pieces.append(block)
            continue
        lines = block.split("\n")
        current = lines[0]
        for index, line in enumerate(lines[1:]):
            heading_alone = (
                index == 0
                and strip_marks(line).lstrip().startswith("•")
                and not strip_marks(current).lstrip().startswith("•")
            )
            if heading_alone or len(strip_marks(current)) + 1 + len(strip_marks(line)) <= limit:
                current += "\n" + line
            else:
                pieces.append(current)
                current = line
        pieces.append(current)
    messages: list[str] = []
    for piece in pieces:
        if messages and len(strip_marks(messages[-1])) + 2 + len(strip_marks(piece)) <= limit:
            messages[-1] += "\n\n" + piece
        else:
            messages.append(piece)
    return messages


def bullet_list(lines: list[str]) -> str:
    """Lines as a short list for a phone screen."""
    return "\n".join(f"• {line}" for line in lines)
