"""Typed answers to the check's choices are understood in every language, not only by button."""

from __future__ import annotations

import pytest

from actions.triage import CHOICES, choice_words, choose
from bot.i18n import LANGUAGES
from knowledge.loader import read_answer_words
from knowledge.triage import fold

ALIAS_LANGUAGES = sorted(set(LANGUAGES) - {"de", "de_simple", "en"})


def test_every_further_language_has_words_for_every_choice() -> None:
    files = read_answer_words()
    assert sorted(files) == ALIAS_LANGUAGES
    for language, slots in files.items():
        assert set(slots) == set(CHOICES), language
        for slot, values in slots.items():
            assert set(values) == set(CHOICES[slot]), f"{language}/{slot}"
            for value, words in values.items():
                assert words, f"{language}/{slot}.{value}: no words"
                assert all(1 <= len(w.strip()) <= 40 for w in words), f"{language}/{slot}.{value}"


def test_no_word_means_two_choices_of_one_question() -> None:
    for slot, values in choice_words().items():
        seen: dict[str, str] = {}
        for value, words in values.items():
            for word in words:
                assert seen.setdefault(fold(word), value) == value, f"{slot}: {word!r} is {seen[word]} and {value}"


@pytest.mark.parametrize(
    ("slot", "text", "value"),
    [
        ("status", "ich bin arbeitslos", "unemployed"),
        ("german_level", "B1.", "b1"),
        ("needs_part_time", "ja, wegen meiner Kinder", "true"),
        ("needs_part_time", "так", "true"),
        ("needs_part_time", "нет", "false"),
        ("needs_part_time", "نعم", "true"),
        ("status", "безробітний", "unemployed"),
        ("status", "безработная", "unemployed"),
        ("status", "بیکار هستم", "unemployed"),
        ("qualification", "tak, z polski", "foreign"),
        ("needs_part_time", "nu", "false"),
        ("qualification", "hayır", "none"),
        ("needs_part_time", "không cần", "false"),
        ("status", "khong co viec lam", "unemployed"),
        ("german_level", "ÇOK İYİ", "c1"),
    ],
)
def test_typed_answers_in_many_languages(slot: str, text: str, value: str) -> None:
    assert choose(slot, text) == value, text
