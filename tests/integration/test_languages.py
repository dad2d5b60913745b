"""A conversation in each of the eleven languages through the real engine: greeting, one route
question, the start of the triage — and each answer really is in that language (its script and
letters), not German or English that slipped through."""

from __future__ import annotations

import re
import uuid

import pytest

from actions.nlg import render
from bot.bidi import RLM, strip_marks
from bot.i18n import LANGUAGES
from bot.starter import Stack

# What a person of each language might type first.
PHRASES = {
    "de": ("hallo", "was ist die externenprüfung"),
    "de_simple": ("hallo", "externenprüfung was ist das"),
    "en": ("hello", "what is the external exam"),
    "uk": ("привіт", "що таке externenprüfung"),
    "ru": ("привет", "что такое externenprüfung"),
    "ar": ("مرحبا", "ما هو امتحان Externenprüfung"),
    "fa": ("سلام", "externenprüfung چیه"),
    "pl": ("cześć", "co to jest externenprüfung"),
    "ro": ("bună ziua", "ce este externenprüfung"),
    "tr": ("merhaba", "externenprüfung nedir"),
    "vi": ("xin chào", "externenprüfung là gì"),
}

# Letters only this language (of ours) uses; a translated text of some length contains some.
SCRIPT = {
    "uk": re.compile(r"[\u0400-\u04ff]"),
    "ru": re.compile(r"[\u0400-\u04ff]"),
    "ar": re.compile(r"[\u0600-\u06ff]"),
    "fa": re.compile(r"[\u0600-\u06ff]"),
    "pl": re.compile(r"[ąćęłńóśźż]", re.IGNORECASE),
    "ro": re.compile(r"[ăâîșțş]", re.IGNORECASE),
    "tr": re.compile(r"[ıİğĞşŞçÇ]"),
    "vi": re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.IGNORECASE),
}
UKRAINIAN_ONLY, RUSSIAN_ONLY = re.compile(r"[іїєґІЇЄҐ]"), re.compile(r"[ыэъЫЭЪ]")
PERSIAN_ONLY = re.compile(r"[پچژگی]")


def _texts(messages: list[dict]) -> list[str]:
    return [m["text"] for m in messages if "text" in m]


def assert_in_language(text: str, language: str) -> None:
    """``text`` is written in ``language``: its letters, and not the German or English text."""
    plain = strip_marks(text)
    if language in SCRIPT:
        assert SCRIPT[language].search(plain), (language, plain[:80])
    if language == "uk":
        assert not RUSSIAN_ONLY.search(plain), plain[:80]
    if language == "ru":
        assert not UKRAINIAN_ONLY.search(plain), plain[:80]
    if language == "fa":
        assert PERSIAN_ONLY.search(plain), plain[:80]
    if LANGUAGES[language].rtl:  # every line starts right to left (after a bullet, if any)
        assert all(line.lstrip("•-– \t").startswith(RLM) for line in text.split("\n") if line.strip()), text[:80]


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_a_conversation_in_each_language(stack: Stack, language: str) -> None:
    sender = f"test:{uuid.uuid4()}"
    hello, question = PHRASES[language]

    greeting = _texts(stack.say(sender, hello, language))
    assert greeting == [render("utter_greet", language)["text"]]
    assert_in_language(greeting[0], language)
    if language != "de":
        assert greeting[0] != render("utter_greet", "de")["text"]

    answer = _texts(stack.say(sender, question, language))
    assert answer and "Externenprüfung" in strip_marks(answer[0]), answer
    for text in answer:
        assert_in_language(text, language)

    triage = stack.say(sender, "/start_check", language)
    texts = _texts(triage)
    assert texts and all(m.get("buttons") for m in triage[-1:]), triage
    assert_in_language("\n".join(texts), language)  # short questions may lack special letters
    for button in triage[-1]["buttons"]:
        if len(button["title"]) > 12 and language in SCRIPT and language not in ("pl", "ro", "tr"):
            assert_in_language(button["title"], language)
