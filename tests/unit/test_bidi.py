"""Right-to-left texts keep German terms, numbers and links in order."""

from __future__ import annotations

from bidi import get_display

from bot.bidi import LRI, PDI, RLM, mark, strip_marks
from bot.i18n import translate


def test_every_line_starts_right_to_left_and_latin_runs_are_isolated() -> None:
    text = mark("Externenprüfung (IHK) – 4,5 سنوات\nhttps://www.anerkennung-in-deutschland.de")
    first, second = text.split("\n")
    assert first.startswith(RLM + LRI + "Externenprüfung (IHK) – 4,5" + PDI)
    assert second == RLM + LRI + "https://www.anerkennung-in-deutschland.de" + PDI


def test_marking_is_idempotent_and_invisible() -> None:
    text = "اتصل بـ IHK zu Schwerin لمدة 3 أشهر"
    assert mark(mark(text)) == mark(text)
    assert strip_marks(mark(text)) == text


def test_visual_order_keeps_the_german_term_readable() -> None:
    # The Unicode bidi algorithm (as phones and browsers run it) must show the German term and
    # the number left to right, and the Arabic word after them on the left.
    shown = get_display(mark("Externenprüfung (IHK) – 4,5 سنوات"))
    assert "Externenprüfung (IHK) – 4,5" in shown
    assert shown.index("Externenprüfung") > shown.index(get_display("سنوات"))


def test_without_marks_the_line_would_run_left_to_right() -> None:
    raw = "Externenprüfung (IHK) – 4,5 سنوات"
    assert get_display(raw).startswith("Externenprüfung")
    assert not get_display(mark(raw)).startswith("Externenprüfung")


def test_only_right_to_left_languages_get_marks() -> None:
    assert RLM not in translate("en", "Sprache") and RLM not in translate("de", "Sprache")
    assert translate("ar", "Sprache").startswith(RLM)
    assert translate("fa", "Sprache").startswith(RLM)
