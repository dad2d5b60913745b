"""Language codes from channels and users resolve to the languages Lotse has."""

from __future__ import annotations

import pytest

from bot.i18n import (
    LANGUAGES,
    available_languages,
    is_rtl,
    language_from_name,
    language_named_in,
    normalize_code,
    resolve_language,
)


def test_contract_languages() -> None:
    assert list(LANGUAGES) == [
        "de",
        "de_simple",
        "en",
        "uk",
        "ru",
        "ar",
        "fa",
        "pl",
        "ro",
        "tr",
        "vi",
    ]
    assert is_rtl("ar") and is_rtl("fa") and not is_rtl("de")


def test_available_languages_are_the_compiled_catalogs() -> None:
    assert {"de", "en"} <= set(available_languages())


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("de", "de"),
        ("de-DE", "de"),
        ("EN_us", "en"),
        (" en ", "en"),
        ("de_simple", "de_simple"),
        ("uk-UA", "uk"),
        ("xx", None),
        ("", None),
        (None, None),
        (42, None),
        ("<script>alert(1)</script>", None),
        ("d" * 500, None),
    ],
)
def test_normalize_code(raw: object, expected: str | None) -> None:
    assert normalize_code(raw) == expected


@pytest.mark.parametrize(
    ("requested", "expected"),
    [("en", "en"), ("de-AT", "de"), (None, "de"), ("", "de"), ("pt", "en"), ("garbage!!", "en")],
)
def test_resolve_language(requested: object, expected: str) -> None:
    assert resolve_language(requested) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Englisch", "en"),
        ("english", "en"),
        ("auf Deutsch", "de"),
        ("arabic", "ar"),
        ("عربي", "ar"),
        ("Українська", "uk"),
        ("einfache Sprache", "de_simple"),
        ("klingonisch", None),
    ],
)
def test_language_from_name(name: str, expected: str | None) -> None:
    assert language_from_name(name) == expected


@pytest.mark.parametrize(
    "text, code",
    [
        ("auf englisch bitte", "en"),
        ("schreib ab jetzt auf Türkçe", "tr"),
        ("можно на русский", "ru"),
        ("Einfache Sprache bitte", "de_simple"),
        ("kein Deutsch, lieber Englisch", None),  # two languages named: Lotse asks which
        ("kannst du das einfach erklären", None),  # "einfach" is a word, not a language here
        ("de", None),  # codes and short names only count as the whole answer (language_from_name)
        (None, None),
    ],
)
def test_the_one_language_a_sentence_names(text: object, code: str | None) -> None:
    assert language_named_in(text) == code
