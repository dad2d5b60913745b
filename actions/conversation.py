"""Small helpers every action uses: the conversation's language, translating, hedging facts."""

from __future__ import annotations

from rasa_sdk import Tracker

from actions.nlg import language_of as nlg_language_of
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


def bullet_list(lines: list[str]) -> str:
    """Lines as a short list for a phone screen."""
    return "\n".join(f"• {line}" for line in lines)
