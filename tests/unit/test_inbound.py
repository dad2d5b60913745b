"""What users send is cleaned and capped; rejections have kind answers in their language."""

from __future__ import annotations

from bot.inbound import Rejection, check_text, clean_text


def test_clean_text_drops_control_characters_and_keeps_words() -> None:
    assert clean_text("  hal\x00lo\x07 \u200b ") == "hallo \u200b".strip()
    assert clean_text("e\u0301") == "é"  # NFC
    assert clean_text("\x00\x01\x02") == ""
    assert clean_text("<b>hallo</b>") == "<b>hallo</b>"  # shown as text, not removed
    assert clean_text("zeile 1\nzeile 2") == "zeile 1\nzeile 2"


def test_check_text() -> None:
    assert check_text("", 100) is Rejection.EMPTY
    assert check_text("x" * 101, 100) is Rejection.TOO_LONG
    assert check_text("x" * 100, 100) is None


def test_rejections_are_translated_with_their_limit() -> None:
    assert Rejection.TOO_LONG.text("en", 1000) == (
        "Your message is too long for me. Please write less – 1000 characters at most."
    )
    assert "1000 Zeichen" in Rejection.TOO_LONG.text("de", 1000)
    for rejection in Rejection:
        assert rejection.text("en") != rejection.value
