"""Small helpers every action uses: the conversation's language, translating, hedging facts."""

from __future__ import annotations

from rasa_sdk import Tracker

from bot.i18n import N_, available_languages, resolve_language, translate
from bot.settings import get_settings
from knowledge.schema import Fact, Knowledge

HEDGE = N_("(Das ist noch nicht sicher – bitte frag bei der Kammer oder in deiner Beratung nach.)")


def language_of(tracker: Tracker) -> str:
    """The ``language`` slot, or what the channel sent, or the default."""
    chosen = tracker.get_slot("language")
    if chosen in available_languages():
        return str(chosen)
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    requested = metadata.get("language") if isinstance(metadata, dict) else None
    return resolve_language(requested, get_settings().default_language)


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
