"""What a user sends, made safe before it goes anywhere: cleaned, capped, never lost silently.

Every channel passes user text through ``clean_text``; a message that cannot go to the engine
gets a kind answer in the user's language instead (see ``Rejection``).
"""

from __future__ import annotations

import enum
import unicodedata

from bot.i18n import N_, directed, gettext_for


class Rejection(enum.Enum):
    """Why a message got no answer from the engine; the value is the German msgid we send instead."""

    EMPTY = N_("Deine Nachricht ist leer. Schreib mir einfach deine Frage.")
    TOO_LONG = N_("Deine Nachricht ist zu lang für mich. Bitte schreib kürzer – höchstens {limit} Zeichen.")
    ENGINE_DOWN = N_("Ich bin gerade nicht erreichbar. Bitte versuch es in ein paar Minuten noch einmal.")
    TOO_FAST = N_(
        "Du schreibst gerade sehr schnell. Warte bitte einen Moment und schick deine Nachricht dann noch einmal."
    )
    BAD_REQUEST = N_("Das konnte ich nicht lesen. Bitte schreib deine Nachricht noch einmal.")
    NO_ANSWER = N_(
        "Entschuldigung, bei mir ist gerade ein technischer Fehler passiert. Bitte versuch es gleich noch einmal."
    )
    """The engine answered nothing: Rasa drops the messages of a failed action or NLG call."""

    def text(self, language: str, limit: int = 0) -> str:
        """The answer in ``language``."""
        return directed(language, gettext_for(language, self.value).format(limit=limit))


_KEEP_CONTROL = {"\n", "\t"}


def clean_text(raw: str) -> str:
    """Normalise Unicode (NFC), drop control and unassigned characters, trim whitespace.

    Markup is kept as text: channels show bot and user texts as text, never as HTML.
    """
    text = unicodedata.normalize("NFC", raw)
    kept = [ch for ch in text if ch in _KEEP_CONTROL or unicodedata.category(ch) not in {"Cc", "Cs", "Co", "Cn"}]
    return "".join(kept).strip()


def check_text(text: str, limit: int) -> Rejection | None:
    """Why ``text`` (already cleaned) cannot go to the engine, or ``None`` if it can."""
    if not text:
        return Rejection.EMPTY
    if len(text) > limit:
        return Rejection.TOO_LONG
    return None
