"""Occupations are recognised in every language people write in, not only German and English."""

from __future__ import annotations

from collections import defaultdict

import pytest

from bot.i18n import LANGUAGES
from knowledge.loader import load_knowledge, read_alias_files
from knowledge.triage import find_occupation, fold

# German (and plain German) and English names live in occupations.yml itself
ALIAS_LANGUAGES = sorted(set(LANGUAGES) - {"de", "de_simple", "en"})


def test_every_further_language_names_every_occupation() -> None:
    files = read_alias_files()
    assert sorted(files) == ALIAS_LANGUAGES
    ids = {o.id for o in load_knowledge().occupations}
    for language, aliases in files.items():
        assert set(aliases) == ids, f"{language}: missing {sorted(ids - set(aliases))[:5]}"
        for occupation_id, names in aliases.items():
            assert len(names) >= 2, f"{language}/{occupation_id}: at least two names"
            for name in names:
                assert 3 <= len(name.strip()) <= 40, f"{language}/{occupation_id}: {name!r}"


def test_no_name_means_two_occupations() -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for occupation in load_knowledge().occupations:
        for alias in occupation.aliases:
            owners[" ".join(fold(alias).split())].add(occupation.id)  # as they are compared
    ambiguous = {alias: sorted(ids) for alias, ids in owners.items() if len(ids) > 1}
    assert not ambiguous, ambiguous


@pytest.mark.parametrize(
    ("text", "occupation"),
    [
        ("я працював кухарем у ресторані", "koch"),
        ("працюю кур'єром", "fachkraft_kep"),
        ("работал поваром", "koch"),
        ("كنت طباخ في مطعم", "koch"),
        ("كنت طبّاخ", "koch"),  # with a shadda
        ("آشپز", "koch"),
        ("pracowałem jako kucharz", "koch"),
        ("am lucrat ca bucatar", "koch"),
        ("aşçı", "koch"),
        ("tôi làm đầu bếp", "koch"),
        ("toi lam dau bep", "koch"),
    ],
)
def test_a_cook_is_a_cook_in_every_language(text: str, occupation: str) -> None:
    found = find_occupation(text, load_knowledge().occupations)
    assert found is not None and found.id == occupation, text


@pytest.mark.parametrize(
    "text",
    [
        "ich weiß nicht",
        "не знаю",
        "я хочу работать",
        "لا أعرف",
        "أريد أن أعمل في ألمانيا",
        "من در آلمان کار می کنم",
        "nie wiem",
        "nu știu",
        "bilmiyorum",
        "tôi muốn làm việc ở đức",
    ],
)
def test_everyday_sentences_name_no_occupation(text: str) -> None:
    assert find_occupation(text, load_knowledge().occupations) is None
