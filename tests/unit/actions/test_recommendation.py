"""``action_recommend_routes``: the routes that fit the profile, why, what to do next, who helps —
and "Mein Plan", stored for its link."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.bidi import strip_marks
from bot.leads.models import Plan
from tests.unit.actions.conftest import Turn, run, tracker

RECOMMEND = "action_recommend_routes"
COOK = {
    "age": 31,
    "qualification": "none",
    "occupation": "Koch/Köchin",
    "training_years": 3.0,
    "experience_years": 6.0,
    "status": "unemployed",
    "german_level": "b1",
    "residence": "schwerin",
    "needs_part_time": False,
}


def recommend(slots: dict[str, Any], language: str = "de", sender: str = "web:unit") -> Turn:
    return run(
        RECOMMEND, tracker("/inform", "inform", 1.0, kind="button", language=language, sender=sender, slots=slots)
    )


def test_a_cook_with_six_years_is_told_the_exam_why_and_by_which_law(db: sessionmaker) -> None:
    turn = recommend(COOK)
    assert turn.slots == {"recommended_routes": ["externenpruefung", "validierung", "ausbildung"]}
    assert turn.texts[0].startswith(
        "Das passt am besten zu dir: Externenprüfung\n\n"
        "Du hast 6 Jahre als Koch/Köchin gearbeitet. Nötig sind 4,5 Jahre"
    )
    assert "Rechtsgrundlage: § 45 Abs. 2 BBiG" in turn.text
    assert "So geht es weiter:\n• " in turn.text and "Wer hilft:\n• IHK zu Schwerin" in turn.text
    assert "Jobcenter Schwerin" in turn.text, "unemployed in Schwerin: the Jobcenter helps too"
    assert "Auch diese Wege sind möglich: Validierung (Feststellungsverfahren), Ausbildung" in turn.text
    assert "150 Euro Weiterbildungsgeld" in turn.text
    assert turn.texts[-1] == "Willst du mehr zu einem Weg wissen?"
    assert turn.payloads == [
        "/request_counsellor",
        "/ask_externenpruefung",
        "/ask_validierung",
        "/ask_ausbildung",
        "/restart",
    ]
    assert all(len(strip_marks(t)) <= 350 or t.count("•") <= 1 for t in turn.texts), "phone-sized"


def test_the_plan_is_stored_and_its_link_sent(db: sessionmaker) -> None:
    turn = recommend(COOK)
    with db() as session:
        plan = session.scalar(select(Plan))
        assert plan.conversation_id == "web:unit" and plan.language == "de"
        assert plan.profile["occupation"] == "Koch/Köchin" and plan.profile["age"] == 31
    assert f"Dein Plan zum Ausdrucken und Vorzeigen: http://localhost:8080/plan/{plan.token}" in turn.texts
    again = recommend({**COOK, "experience_years": 1.0})
    with db() as session:
        assert [p.token for p in session.scalars(select(Plan))] != [plan.token], "one plan, the newest"
        assert len(session.scalars(select(Plan)).all()) == 1
    assert again.slots["recommended_routes"][0] != "externenpruefung"


def test_telegram_gets_the_plan_itself_too_in_both_languages(db: sessionmaker) -> None:
    turn = recommend(COOK, "uk", "tg:42")
    link = next(t for t in turn.texts if "/plan/" in t)
    assert any("\u0400" <= ch <= "\u04ff" for ch in link)
    plan = turn.texts[turn.texts.index(link) + 1]
    assert "☐" in plan and "Externenprüfung" in plan and len(plan) < 4096


def test_the_recommendation_is_given_in_arabic_right_to_left(db: sessionmaker) -> None:
    turn = recommend(COOK, "ar")
    assert turn.texts[0].startswith("\u200f") and "Externenprüfung" in strip_marks(turn.texts[0])
    assert "Das passt am besten zu dir" not in turn.text
    assert all(any("\u0600" <= ch <= "\u06ff" for ch in title) for title in turn.titles[:1])


def test_without_the_database_the_recommendation_stands_only_the_link_is_missing(broken_db: None) -> None:
    turn = recommend(COOK)
    assert turn.slots["recommended_routes"][0] == "externenpruefung"
    assert not [t for t in turn.texts if "/plan/" in t]
    assert turn.texts[-1] == "Willst du mehr zu einem Weg wissen?"


def test_slots_that_do_not_fit_are_ignored_not_believed(db: sessionmaker) -> None:
    """An API client may set any slot; nonsense counts as not answered."""
    turn = recommend(
        {
            "age": "<script>",
            "qualification": "foreign; DROP TABLE lead",
            "experience_years": True,
            "occupation": ["Koch"],
            "status": "x" * 5000,
            "residence": "schwerin",
        }
    )
    assert turn.slots == {"recommended_routes": ["ausbildung"]}
    assert "Jobcenter Schwerin" in turn.text, "an unknown status counts as not told: the Jobcenter may help"
    assert "<script>" not in turn.text and "DROP" not in turn.text


def test_an_empty_profile_still_gets_a_recommendation(db: sessionmaker) -> None:
    turn = recommend({})
    assert turn.slots["recommended_routes"] and turn.texts[0].startswith("Das passt am besten zu dir: ")
