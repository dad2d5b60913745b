"""Small helpers every action uses: the conversation's language, translating, hedging facts."""

from __future__ import annotations

from rasa_sdk import Tracker

from actions.nlg import language_of as nlg_language_of
from bot.bidi import strip_marks
from bot.i18n import N_, translate
from knowledge.schema import Fact, Knowledge

HEDGE = N_("(Das ist noch nicht sicher – bitte frag bei der Kammer oder in deiner Beratung nach.)")


def language_of(tracker: Tracker) -> str:
    """The ``language`` slot, or what the channel sent, or the default (same rule as the NLG)."""
    return nlg_language_of({"slots": tracker.slots, "latest_message": tracker.latest_message})


def input_kind(tracker: Tracker) -> str:
    """How the latest message came: ``text`` (typed), ``button`` (a button Lotse offered and the
    person pressed) or ``command`` (``/start``, ``/help`` …). The gateway says so in
    ``metadata.input`` (``bot.conversation``); typed text, even text that looks like a payload, is
    never ``button``. A message without it counts as typed."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    kind = metadata.get("input") if isinstance(metadata, dict) else None
    return kind if kind in ("button", "command") else "text"


def pressed_button(tracker: Tracker) -> bool:
    """Whether the latest message is a button Lotse offered and the person pressed."""
    return input_kind(tracker) == "button"


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
            heading_alone = index == 0 and strip_marks(line).lstrip().startswith("•") \
                and not strip_marks(current).lstrip().startswith("•")
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
