"""Languages and gettext catalogs: which languages Lotse speaks and how a text is translated.

German is the source language: every ``msgid`` is German, every catalog in ``locales/`` maps it
to one language. A language is *available* when ``locales/<code>/LC_MESSAGES/messages.mo`` exists.
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel.support import NullTranslations, Translations

from bot.settings import PROJECT_ROOT
from knowledge.text import N_, Years  # noqa: F401 - re-exported: the language layer formats them

LOCALES_DIR = PROJECT_ROOT / "locales"
DOMAIN = "messages"
SOURCE_LANGUAGE = "de"
FOREIGN_FALLBACK = "en"
"""Who asks in a language we do not have yet is answered in English, not in German."""


@dataclass(frozen=True)
class Language:
    """A language of the DESIGN.md contract."""

    code: str
    endonym: str
    rtl: bool = False


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("de", "Deutsch"),
        Language("de_simple", "Einfache Sprache"),
        Language("en", "English"),
        Language("uk", "Українська"),
        Language("ru", "Русский"),
        Language("ar", "العربية", rtl=True),
        Language("fa", "فارسی", rtl=True),
        Language("pl", "Polski"),
        Language("ro", "Română"),
        Language("tr", "Türkçe"),
        Language("vi", "Tiếng Việt"),
    )
}

# Names people type when they ask for a language ("auf Englisch", "arabic please", "عربي").
_LANGUAGE_NAMES: dict[str, str] = {
    "de": "de",
    "deutsch": "de",
    "german": "de",
    "deutch": "de",
    "dt": "de",
    "almanca": "de",
    "niemiecki": "de",
    "німецька": "de",
    "немецкий": "de",
    "germana": "de",
    "tiếng đức": "de",
    "الألمانية": "de",
    "آلمانی": "de",
    "einfach": "de_simple",
    "einfache sprache": "de_simple",
    "leichte sprache": "de_simple",
    "einfaches deutsch": "de_simple",
    "plain german": "de_simple",
    "simple german": "de_simple",
    "en": "en",
    "english": "en",
    "englisch": "en",
    "engl": "en",
    "inglizi": "en",
    "ingilizce": "en",
    "angielski": "en",
    "англійська": "en",
    "английский": "en",
    "engleza": "en",
    "engleză": "en",
    "tiếng anh": "en",
    "الإنجليزية": "en",
    "انجليزي": "en",
    "انگلیسی": "en",
    "uk": "uk",
    "ukrainisch": "uk",
    "ukrainian": "uk",
    "українська": "uk",
    "украинский": "uk",
    "ru": "ru",
    "russisch": "ru",
    "russian": "ru",
    "русский": "ru",
    "російська": "ru",
    "ar": "ar",
    "arabisch": "ar",
    "arabic": "ar",
    "عربي": "ar",
    "العربية": "ar",
    "arabi": "ar",
    "fa": "fa",
    "farsi": "fa",
    "persisch": "fa",
    "persian": "fa",
    "dari": "fa",
    "فارسی": "fa",
    "دری": "fa",
    "pl": "pl",
    "polnisch": "pl",
    "polish": "pl",
    "polski": "pl",
    "ro": "ro",
    "rumänisch": "ro",
    "romanian": "ro",
    "română": "ro",
    "romana": "ro",
    "tr": "tr",
    "türkisch": "tr",
    "turkish": "tr",
    "türkçe": "tr",
    "turkce": "tr",
    "vi": "vi",
    "vietnamesisch": "vi",
    "vietnamese": "vi",
    "tiếng việt": "vi",
    "tieng viet": "vi",
}

_CODE_SHAPE = re.compile(r"^[a-z]{2,3}([_-][a-z0-9]{2,8})*$")


def available_languages() -> tuple[str, ...]:
    """Codes of the contract languages that have a compiled catalog, in contract order."""
    return tuple(code for code in LANGUAGES if _mo_path(code).is_file())


def _mo_path(code: str) -> Path:
    return LOCALES_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.mo"


def normalize_code(raw: object) -> str | None:
    """Turn what a channel sends ("de-DE", "EN", "uk_UA", "de_simple") into a contract code.

    Returns ``None`` for anything that is not a language of the contract.
    """
    if not isinstance(raw, str):
        return None
    value = raw.strip().lower().replace("-", "_")
    if not value or len(value) > 20 or not _CODE_SHAPE.match(value):
        return None
    if value in LANGUAGES:
        return value
    base = value.split("_", 1)[0]
    return base if base in LANGUAGES else None


def language_from_name(name: object) -> str | None:
    """The contract code for a language a user named ("Englisch", "arabic", "عربي"), if any."""
    if not isinstance(name, str):
        return None
    key = unicodedata.normalize("NFC", name).strip().lower().strip(".!?")
    key = re.sub(r"\s+", " ", key)
    for prefix in ("auf ", "in ", "bitte ", "please "):
        if key.startswith(prefix):
            key = key[len(prefix) :]
    return _LANGUAGE_NAMES.get(key) or normalize_code(key)


_NOT_IN_A_SENTENCE = {"einfach"}
"""Names that are ordinary words inside a sentence ("kannst du das einfach erklären")."""


def language_named_in(text: object) -> str | None:
    """The one language a message names in words ("auf englisch bitte", "пиши по-русски" does
    not count: only the names above, five letters or more), or ``None`` when it names none or
    several ("kein Deutsch, lieber Englisch" names two: ask which)."""
    if not isinstance(text, str):
        return None
    lowered = " ".join(unicodedata.normalize("NFC", text).lower().split())
    found = {
        code
        for name, code in _LANGUAGE_NAMES.items()
        if len(name) >= 5 and name not in _NOT_IN_A_SENTENCE and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", lowered)
    }
    return found.pop() if len(found) == 1 else None


def resolve_language(requested: object, default: str = SOURCE_LANGUAGE) -> str:
    """The language to answer in: the requested one if available, else a sensible fallback.

    Nothing requested → ``default``; a German variant we lack → German; any other language we
    do not have (yet) → English, which more newcomers read than German.
    """
    available = available_languages()
    code = normalize_code(requested)
    if code in available:
        return code
    if code is None and (requested is None or requested == ""):
        return default if default in available else SOURCE_LANGUAGE
    if code is not None and code.startswith("de") and SOURCE_LANGUAGE in available:
        return SOURCE_LANGUAGE
    if FOREIGN_FALLBACK in available:
        return FOREIGN_FALLBACK
    return default


@lru_cache(maxsize=32)
def translations(code: str) -> gettext.NullTranslations:
    """The compiled catalog of one language (cached). Unknown codes get no translation."""
    if code not in LANGUAGES or not _mo_path(code).is_file():
        return NullTranslations()
    return Translations.load(dirname=str(LOCALES_DIR), locales=[code], domain=DOMAIN)


def gettext_for(code: str, message: str) -> str:
    """Translate one German source text into language ``code``."""
    return translations(code).gettext(message)


def ngettext_for(code: str, singular: str, plural: str, n: int) -> str:
    """Translate a text with a count, using the plural rule of language ``code``."""
    return translations(code).ngettext(singular, plural, n)


def babel_locale(code: str) -> str:
    """The Babel/CLDR locale for formatting numbers and dates (plain German formats as German)."""
    return "de" if code == "de_simple" else code


def format_number(value: float | int, code: str) -> str:
    """A number as people of ``code`` write it: 4,5 in German, 4.5 in English."""
    from babel.numbers import format_decimal

    return format_decimal(value, format="#,##0.##", locale=babel_locale(code))


def format_years(value: float | int, code: str) -> str:
    """A number of years as people of ``code`` write it, with CLDR's plural rules for fractions too."""
    from babel.units import format_unit

    return format_unit(value, "duration-year", length="long", format="#,##0.##", locale=babel_locale(code))


@dataclass(frozen=True)
class Days:
    """A number of days, shown with the language's own plural ("1 Tag", "180 Tage", "181 день")."""

    value: int


def format_days(value: int, code: str) -> str:
    """A number of days as people of ``code`` write it (CLDR's unit patterns and plural rules)."""
    from babel.units import format_unit

    return format_unit(value, "duration-day", length="long", format="#,##0", locale=babel_locale(code))


def _format_value(value: object, code: str) -> str:
    if isinstance(value, Years):
        return format_years(value.value, code)
    if isinstance(value, Days):
        return format_days(value.value, code)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_number(value, code)
    return str(value)


def _fill(text: str, code: str, values: dict[str, object]) -> str:
    formatted = {key: _format_value(value, code) for key, value in values.items()}
    try:
        return text.format(**formatted)
    except (KeyError, IndexError, ValueError):
        return text


def directed(code: str, text: str) -> str:
    """A finished text with the direction marks its language needs (right-to-left ones only)."""
    from bot.bidi import mark

    return mark(text) if is_rtl(code) else text


def translate(code: str, msgid: str, **values: object) -> str:
    """Translate, fill ``{placeholders}`` (numbers formatted for the language), add direction marks."""
    return directed(code, _fill(gettext_for(code, msgid), code, values))


def translate_plural(code: str, singular: str, plural: str, count: int, **values: object) -> str:
    """Translate a text whose form depends on ``count`` (``{count}`` is filled in too)."""
    return directed(code, _fill(ngettext_for(code, singular, plural, count), code, {"count": count, **values}))


def is_rtl(code: str) -> bool:
    """Whether ``code`` is written right to left."""
    lang = LANGUAGES.get(code)
    return bool(lang and lang.rtl)


def text_direction(code: str) -> str:
    """``rtl`` or ``ltr``: the writing direction of ``code`` (a page's or an answer's ``dir``)."""
    return "rtl" if is_rtl(code) else "ltr"
