"""Mein Plan's text: short, the next three steps, the person's checklist and the office, in the
person's language and German side by side."""

from __future__ import annotations

import pytest

from bot.bidi import strip_marks
from bot.i18n import LANGUAGES, gettext_for, is_rtl
from bot.plan import MAX_STEPS, plan_message, plan_views, profile_of
from knowledge.loader import load_knowledge
from knowledge.triage import Profile

KNOWLEDGE = load_knowledge()
COOK = Profile(age=31, qualification="none", occupation="Koch", experience_years=6.0)


def test_a_plan_has_both_languages_three_steps_the_checklist_and_the_office() -> None:
    arabic, german = plan_views(COOK, "ar", KNOWLEDGE)
    assert (arabic.language, arabic.direction, german.language, german.direction) == ("ar", "rtl", "de", "ltr")
    assert "Externenprüfung" in german.route and len(german.steps) <= MAX_STEPS
    assert german.steps[-1].startswith("Zeig diesen Plan")
    assert "Arbeitszeugnisse von deinen Arbeitgebern" in german.documents
    assert any("Graf-Schack-Allee 12" in o and "0385 5103 111" in o for o in german.offices)
    assert german.laws[0].startswith("§ 45 Abs. 2 BBiG")
    assert arabic.steps != german.steps and arabic.documents != german.documents


def test_a_german_speaker_gets_one_side() -> None:
    assert [v.language for v in plan_views(COOK, "de", KNOWLEDGE)] == ["de"]
    assert [v.language for v in plan_views(COOK, "de_simple", KNOWLEDGE)] == ["de_simple"]


def test_the_telegram_message_fits_one_message() -> None:
    for language in ("uk", "ar", "vi", "fa"):
        message = plan_message(plan_views(COOK, language, KNOWLEDGE))
        assert len(message) < 4096 and "☐" in message and message.count("📄") == 2


def test_stored_answers_become_a_profile_again() -> None:
    assert profile_of({"age": 31, "occupation": "Koch", "unknown": 1}) == Profile(age=31, occupation="Koch")


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_plan_is_whole_in_every_language(language: str) -> None:
    """Every language of the contract: both sides complete, in their script and direction, and the
    Telegram message fits one message."""
    views = plan_views(COOK, language, KNOWLEDGE)
    own = views[0]
    assert own.language == language and own.direction == ("rtl" if is_rtl(language) else "ltr")
    assert own.title and own.route and own.steps and own.documents and own.offices and own.laws
    if not language.startswith("de"):
        german = views[1]
        assert own.title != german.title and own.route != german.route and own.documents != german.documents
        assert gettext_for(language, "Externenprüfung") in strip_marks(own.route)  # the route's own name there
    assert len(plan_message(views)) < 4096
