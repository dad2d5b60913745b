"""Language detection: sure and long → switch, unsure → ask, short → never flip."""

from __future__ import annotations

import pytest

from bot.conversation import suggestion
from bot.langid import SWITCH_SCORE, Detection, Verdict, detect, judge, same_language


@pytest.mark.parametrize(
    "text", ["ok", "hi", "5", "ja", "Ja", "👍", "salam", "merci", "/start", "4,5", "Привіт", "شكرا", "cảm ơn", "danke"]
)
@pytest.mark.parametrize("current", ["de", "en", "ar", "uk"])
def test_short_messages_never_flip_the_conversation(text: str, current: str) -> None:
    assert judge(detect(text), text, current) is not Verdict.SWITCH
    assert judge(detect(text), text, current) is Verdict.KEEP


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Як мені отримати професійну освіту в Німеччині", "uk"),
        ("Как мне получить профессию без обучения", "ru"),
        ("كيف يمكنني الحصول على شهادة مهنية في ألمانيا", "ar"),
        ("من میخواهم در آلمان یک حرفه یاد بگیرم", "fa"),
        ("Jak mogę zdobyć zawód w Niemczech bez szkoły", "pl"),
        ("Cum pot obține o calificare profesională în Germania", "ro"),
        ("Almanya'da nasıl meslek sahibi olabilirim acaba", "tr"),
        ("Làm sao để tôi có bằng nghề ở Đức", "vi"),
        ("How can I get a vocational qualification here", "en"),
        ("Wie kann ich meinen Berufsabschluss nachholen", "de"),
    ],
)
def test_long_clear_messages_are_detected(text: str, code: str) -> None:
    detection = detect(text)
    assert detection.language == code and detection.score >= SWITCH_SCORE
    other = "en" if code != "en" else "de"
    assert judge(detection, text, other) is Verdict.SWITCH
    assert judge(detection, text, code) is Verdict.KEEP


def test_german_terms_inside_another_language_do_not_make_it_german() -> None:
    text = "Що таке Externenprüfung і скільки вона коштує"
    assert detect(text).language == "uk"


def test_ukrainian_and_russian_are_offered_not_switched() -> None:
    text = "Как мне получить профессию без обучения"
    assert judge(detect(text), text, "uk") is Verdict.ASK
    text = "Як мені отримати професійну освіту в Німеччині"
    assert judge(detect(text), text, "ru") is Verdict.ASK


def test_unsure_detection_asks() -> None:
    assert judge(Detection("tr", 0.7), "bir şey sormak istiyorum", "de") is Verdict.ASK
    assert judge(Detection("tr", 0.3), "bir şey sormak istiyorum", "de") is Verdict.KEEP


def test_plain_german_is_german() -> None:
    assert same_language("de", "de_simple")
    text = "Wie lange dauert eine Umschulung bei euch"
    assert judge(detect(text), text, "de_simple") is Verdict.KEEP


def test_links_numbers_and_payloads_are_not_language() -> None:
    assert detect("https://example.org 12345").language is None
    assert detect('/change_language{"language": "ar"}').language is None


@pytest.mark.parametrize(
    "value",
    [
        None,
        "x",
        {"language": "xx", "score": 1},
        {"language": "uk"},
        {"language": "uk", "score": "1"},
        {"language": "uk", "score": True},
    ],
)
def test_malformed_detection_metadata_is_no_detection(value: object) -> None:
    assert Detection.from_metadata(value) == Detection(None)


def test_detection_metadata_round_trip() -> None:
    assert Detection.from_metadata(Detection("uk", 0.97).as_metadata()) == Detection("uk", 0.97)


def test_the_offer_is_asked_in_the_detected_language_with_two_buttons() -> None:
    offer = suggestion("uk", "de")
    assert "Українська" in offer.text and any("\u0400" <= ch <= "\u04ff" for ch in offer.text)
    assert [b["payload"] for b in offer.buttons] == [
        '/change_language{"language": "uk"}',
        '/change_language{"language": "de"}',
    ]
    assert "Deutsch" in offer.buttons[1]["title"]


@pytest.mark.parametrize(
    ("text", "current"),
    [
        ("що таке Bildungsgutschein?", "uk"),
        ("Jobcenter نامه داده", "fa"),
        ("Jobcenter hat mir Bildungsgutschein gegeben, что дальше?", "ru"),
        ("Co to jest Bildungsgutschein i kto płaci za Umschulung?", "pl"),
        ("Ausbildung'a başvurmak için Anerkennung gerekli mi?", "tr"),
        ("Umschulung Ausbildung Jobcenter", "ar"),
        ("Externenprüfung là gì vậy?", "vi"),
    ],
)
def test_german_terms_inside_another_language_never_offer_german(text: str, current: str) -> None:
    """A message in language A with German terms in it is a message in language A."""
    verdict = judge(detect(text), text, current)
    assert verdict is Verdict.KEEP or detect(text).language not in ("de", None)
    assert detect(text).language != "de"
