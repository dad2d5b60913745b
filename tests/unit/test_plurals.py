"""Plural forms and numbers are right in every language: the catalogs carry CLDR's plural rule,
every plural entry has all its forms, and durations follow each language's rules (fractions too)."""

from __future__ import annotations

import pytest
from babel import Locale
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from bot.i18n import LANGUAGES, LOCALES_DIR, Days, babel_locale, format_days, format_years, translate, translate_plural

ONE, MANY = "Auch dieser Weg ist möglich: {routes}", "Auch diese Wege sind möglich: {routes}"


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_catalog_has_its_languages_plural_rule_and_all_forms(language: str) -> None:
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    expected = get_plural(babel_locale(language))
    assert catalog.num_plurals == expected.num_plurals, language
    for message in catalog:
        if message.pluralizable:
            assert len(message.string) == expected.num_plurals and all(message.string), message.id


def _catalog_forms(language: str) -> int:
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return int(read_po(handle).num_plurals)


def test_arabic_has_six_forms_and_ukrainian_russian_polish_romanian_three() -> None:
    """Our catalogs' headers, with the counts written down (not read from Babel's own data)."""
    assert _catalog_forms("ar") == 6
    assert {_catalog_forms(code) for code in ("uk", "ru", "pl", "ro")} == {3}
    assert _catalog_forms("vi") == 1


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code not in ("de", "de_simple")])
def test_translated_plurals_pick_different_forms(language: str) -> None:
    one = translate_plural(language, ONE, MANY, 1, routes="X")
    two = translate_plural(language, ONE, MANY, 2, routes="X")
    assert "X" in one and "X" in two
    forms = {translate_plural(language, ONE, MANY, n, routes="X") for n in (0, 1, 2, 3, 5, 11, 21, 100)}
    if get_plural(babel_locale(language)).num_plurals > 1:
        assert len(forms) > 1, language


@pytest.mark.parametrize(
    ("language", "value", "expected"),
    [
        ("de", 4.5, "4,5 Jahre"),
        ("de", 1, "1 Jahr"),
        ("en", 4.5, "4.5 years"),
        ("uk", 2, "2 роки"),
        ("uk", 5, "5 років"),
        ("uk", 4.5, "4,5 року"),
        ("ru", 21, "21 год"),
        ("pl", 2, "2 lata"),
        ("pl", 5, "5 lat"),
        ("ro", 21, "21 de ani"),
        ("ar", 2, "سنتان"),
        ("de_simple", 3, "3 Jahre"),
    ],
)
def test_years_follow_each_languages_plural_rules(language: str, value: float, expected: str) -> None:
    assert format_years(value, language) == expected


@pytest.mark.parametrize(
    ("language", "value", "expected"),
    [
        ("de", 1, "1 Tag"),
        ("de", 180, "180 Tage"),
        ("en", 1, "1 day"),
        ("ru", 181, "181 день"),
        ("ru", 180, "180 дней"),
        ("uk", 182, "182 дні"),
        ("pl", 1, "1 dzień"),
        ("ro", 30, "30 de zile"),
        ("tr", 30, "30 gün"),
    ],
)
def test_days_follow_each_languages_plural_rules(language: str, value: int, expected: str) -> None:
    assert format_days(value, language) == expected


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_retention_days_are_phrased_by_the_language_not_glued_to_a_number(language: str) -> None:
    from bot.bidi import strip_marks
    from bot.leads.notice import SECTIONS

    text = next(
        translate(language, t, lead_days=Days(1), conversation_days=Days(181))
        for _, t in SECTIONS
        if "{lead_days}" in t
    )
    assert format_days(1, language) in strip_marks(text), language


def test_every_contract_language_is_a_babel_locale() -> None:
    for code in LANGUAGES:
        assert Locale.parse(babel_locale(code))
