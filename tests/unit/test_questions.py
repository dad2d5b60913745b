"""Route × aspect and "what is …?" from the words people type, in every language and script."""

from __future__ import annotations

import pytest

from bot.i18n import LANGUAGES
from knowledge.loader import DATA_DIR, load_knowledge
from knowledge.questions import ASPECT_IDS, QuestionIndex, read_question_words
from knowledge.schema import ROUTE_IDS
from knowledge.triage import fold

WORDS = read_question_words(DATA_DIR)
INDEX = QuestionIndex(WORDS, load_knowledge().glossary)


def test_every_language_names_every_route_and_aspect() -> None:
    assert set(WORDS) == set(LANGUAGES)
    for language, words in WORDS.items():
        assert set(words.routes) == set(ROUTE_IDS), language
        assert set(words.aspects) == set(ASPECT_IDS), language
        assert all(words.routes.values()) and all(words.aspects.values()) and words.what_is, language


@pytest.mark.parametrize("kind", ["routes", "aspects"])
def test_no_word_means_two_routes_or_two_aspects(kind: str) -> None:
    owners: dict[str, set[str]] = {}
    for words in WORDS.values():
        for value, entries in getattr(words, kind).items():
            for entry in entries:
                owners.setdefault(fold(entry).strip(), set()).add(value)
    assert not {entry: values for entry, values in owners.items() if len(values) > 1}


@pytest.mark.parametrize(
    ("text", "route", "aspect"),
    [
        ("Was kostet die Anerkennung?", "anerkennung", "costs"),
        ("Wie lange dauert eine Umschulung zum Koch?", "umschulung", "duration"),
        ("Prüfung ohne Ausbildung machen – welche Unterlagen brauche ich?", "externenpruefung", "documents"),
        ("How much does the recognition of my diploma cost?", "anerkennung", "costs"),
        ("Скільки триває Umschulung?", "umschulung", "duration"),
        ("Сколько стоит признание диплома?", "anerkennung", "costs"),
        ("Ile kosztuje nostryfikacja dyplomu?", "anerkennung", "costs"),
        ("Cât durează un Ausbildung?", "ausbildung", "duration"),
        ("Ausbildung ne kadar sürer?", "ausbildung", "duration"),
    ],
)
def test_a_two_part_question_names_its_route_and_aspect(text: str, route: str, aspect: str) -> None:
    assert INDEX.routes(text)[:1] == [route]
    assert aspect in INDEX.aspects(text)


def test_a_longer_phrase_wins_over_a_route_word_inside_it() -> None:
    assert INDEX.routes("Prüfung ohne Ausbildung machen?") == ["externenpruefung"]


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("was ist ein Bildungsgutschein?", "Bildungsgutschein"),
        ("що таке Bildungsgutschein?", "Bildungsgutschein"),
        ("Что такое аусбильдунг?", "Ausbildung"),
        ("what is an Externenprüfung", "Externenprüfung"),
        ("Bildungsgutschein?", "Bildungsgutschein"),
    ],
)
def test_what_is_a_term_in_any_language(text: str, term: str) -> None:
    found = INDEX.asks_about_term(text)
    assert found is not None and found.term == term


@pytest.mark.parametrize(
    "text",
    [
        "Was kostet die Anerkennung?",
        "wer bezahlt den Bildungsgutschein",
        "Umschulung süresi nedir?",
        "ich habe eine Frage",
    ],
)
def test_an_aspect_of_a_route_is_not_a_term_question(text: str) -> None:
    assert INDEX.asks_about_term(text) is None


def test_a_comparison_of_two_routes_is_not_a_term_question() -> None:
    assert INDEX.asks_about_term("Umschulung oder Externenprüfung, was ist besser?") is None
    assert INDEX.asks_about_term("Was ist eine Umschulung?") is not None


@pytest.mark.parametrize(
    ("text", "picked", "expected"),
    [
        # the model's route stands when the words agree or name no single other route
        ("Was kostet die Anerkennung?", {"intent_route": "anerkennung"}, ("anerkennung", "costs")),
        ("wie geht das", {"intent_route": "umschulung"}, ("umschulung", None)),
        # the words name one other route: they win ("recunoașterea" is the Anerkennung)
        ("Ce este recunoașterea profesională?", {"intent_route": "umschulung"}, ("anerkennung", None)),
        # … unless the model is sure of its route
        (
            "Woher erfahre ich, ob meine Ausbildung anerkannt ist?",
            {"intent_route": "anerkennung", "sure": True},
            ("anerkennung", None),
        ),
        # … and "Ausbildung" is also the everyday word for any training one has had: alone it does
        # not outweigh the route the model understood, sure or not
        (
            "Woher erfahre ich, ob meine Ausbildung staatlich anerkannt ist?",
            {"intent_route": "anerkennung"},
            ("anerkennung", None),
        ),
        (
            "Yabancı ülkede aldığım meslek eğitimi diplomam için ne yapmalıyım?",
            {"intent_route": "anerkennung"},
            ("anerkennung", None),
        ),
        ("Was kostet die Ausbildung?", {"topic": "costs"}, ("ausbildung", "costs")),
        # a route the model read in typed words counts like a word of the question, not like a button
        ("was kostet das umshulen", {"topic": "costs", "read_route": "umschulung"}, ("umschulung", "costs")),
        (
            "Woher erfahre ich, ob meine Ausbildung staatlich anerkannt ist?",
            {"intent_route": "anerkennung", "read_route": "ausbildung"},
            ("anerkennung", None),
        ),
        # a cross-route topic picked by the model, a route in the words: that route's aspect
        ("Wer bezahlt die Umschulung?", {"topic": "funding"}, ("umschulung", "funding")),
        # a topic that is no aspect of a route stays the topic's answer
        ("Deutschkurs vor der Ausbildung?", {"topic": "language"}, (None, None)),
        ("Darf ich einen Nebenjob während der Ausbildung haben?", {"topic": "work_while_learning"}, (None, None)),
        # a button's route and aspect win over the words
        ("Kosten", {"named_route": "validierung", "pressed_aspect": "costs"}, ("validierung", "costs")),
        # a short follow-up with an aspect is about the route talked about last
        (
            "und was kostet das?",
            {"topic": "costs", "current_route": "teilqualifikation"},
            ("teilqualifikation", "costs"),
        ),
        (
            "und was kostet das eigentlich alles so insgesamt bei euch?",
            {"topic": "costs", "current_route": "teilqualifikation"},
            (None, "costs"),
        ),
    ],
)
def test_the_subject_of_an_answer(
    text: str, picked: dict[str, str | bool], expected: tuple[str | None, str | None]
) -> None:
    subject = INDEX.subject(text, **picked)
    assert (subject.route, subject.aspect) == expected
