"""Profiles → routes, covering each rule of the brief (§8) and its edges."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from bot.i18n import Years
from knowledge.loader import DATA_DIR
from knowledge.numbers import is_unknown, parse_age, parse_years
from knowledge.schema import Occupation
from knowledge.triage import Profile, find_occupation, jobcenter_for, notes, recommend_routes

OCCUPATIONS = tuple(
    Occupation.model_validate(o)
    for o in yaml.safe_load((DATA_DIR / "occupations.yml").read_text(encoding="utf-8"))["occupations"]
)


def routes(**answers: object) -> list[str]:
    return [r.route for r in recommend_routes(Profile(**answers), OCCUPATIONS)]


CASES = [
    # (label, profile, expected routes in order)
    ("cook 5 y, 3-y training → exam first, validation second",
     dict(age=30, qualification="none", occupation="Koch in einem Restaurant", experience_years=5),
     ["externenpruefung", "validierung", "ausbildung"]),
    ("exactly 1.5 × is enough", dict(age=30, qualification="none", occupation="koch", experience_years=4.5),
     ["externenpruefung", "validierung", "ausbildung"]),
    ("just under 1.5 × is not", dict(age=30, qualification="none", occupation="koch", experience_years=4.4),
     ["teilqualifikation", "umschulung", "ausbildung"]),
    ("2-year occupation needs 3 years", dict(age=40, qualification="none", occupation="fachlagerist", experience_years=3),
     ["externenpruefung", "validierung", "ausbildung"]),
    ("3.5-year occupation needs 5.25", dict(age=40, qualification="none", occupation="elektriker", experience_years=5.2),
     ["teilqualifikation", "umschulung", "ausbildung"]),
    ("3.5-year occupation, 5.25 years", dict(age=40, qualification="none", occupation="elektriker", experience_years=5.25),
     ["externenpruefung", "validierung", "ausbildung"]),
    ("age 24 with enough experience: exam, no validation",
     dict(age=24, qualification="none", occupation="verkäufer", experience_years=3),
     ["externenpruefung", "ausbildung"]),
    ("age 25 with enough experience: validation too",
     dict(age=25, qualification="none", occupation="verkäufer", experience_years=3),
     ["externenpruefung", "validierung", "ausbildung"]),
    ("age 24 without experience → apprenticeship only", dict(age=24, qualification="none"), ["ausbildung"]),
    ("age 25 without experience → TQ, retraining", dict(age=25, qualification="none"),
     ["teilqualifikation", "umschulung", "ausbildung"]),
    ("age 19 in school", dict(age=19, qualification="none", status="in_school"), ["ausbildung"]),
    ("foreign qualification first", dict(age=35, qualification="foreign", occupation="elektroniker"),
     ["anerkennung", "ausbildung"]),
    ("foreign qualification with experience: recognition, then exam",
     dict(age=35, qualification="foreign", occupation="koch", experience_years=6),
     ["anerkennung", "externenpruefung", "validierung", "ausbildung"]),
    ("young foreign qualification", dict(age=22, qualification="foreign"), ["anerkennung", "ausbildung"]),
    ("German qualification, > 4 years unskilled = unqualified",
     dict(age=38, qualification="german", unskilled_years=5), ["teilqualifikation", "umschulung", "ausbildung"]),
    ("German qualification, exactly 4 years unskilled still counts",
     dict(age=38, qualification="german", unskilled_years=4), ["umschulung", "ausbildung"]),
    ("German qualification, 0 years unskilled", dict(age=30, qualification="german", unskilled_years=0),
     ["umschulung", "ausbildung"]),
    ("German qualification but long experience in another job",
     dict(age=45, qualification="german", unskilled_years=1, occupation="berufskraftfahrer", experience_years=6),
     ["externenpruefung", "validierung", "ausbildung"]),
    ("incomplete training = unqualified", dict(age=27, qualification="incomplete"),
     ["teilqualifikation", "umschulung", "ausbildung"]),
    ("unknown age: every route for adults too", dict(qualification="none"),
     ["teilqualifikation", "umschulung", "ausbildung"]),
    ("empty profile still gets a route", dict(), ["ausbildung"]),
    ("unknown occupation with given training years",
     dict(age=33, qualification="none", occupation="Tierpfleger im Zoo xyz", training_years=3, experience_years=5),
     ["externenpruefung", "validierung", "ausbildung"]),
    ("unknown occupation without training years: no exam claim",
     dict(age=33, qualification="none", occupation="irgendwas", experience_years=10),
     ["teilqualifikation", "umschulung", "ausbildung"]),
    ("part-time need keeps the routes", dict(age=29, qualification="none", needs_part_time=True),
     ["teilqualifikation", "umschulung", "ausbildung"]),
    ("young part-time", dict(age=21, qualification="none", needs_part_time=True), ["ausbildung"]),
    ("English job words", dict(age=31, qualification="none", occupation="warehouse worker", experience_years=3.5),
     ["externenpruefung", "validierung", "ausbildung"]),
    ("painter (craft) 4.5 years", dict(age=50, qualification="none", occupation="maler", experience_years=4.5),
     ["externenpruefung", "validierung", "ausbildung"]),
    ("hairdresser 4 years short", dict(age=26, qualification="none", occupation="friseurin", experience_years=4),
     ["teilqualifikation", "umschulung", "ausbildung"]),
    ("office clerk 4.5", dict(age=28, qualification="none", occupation="büro", experience_years=4.5),
     ["externenpruefung", "validierung", "ausbildung"]),
    ("low German does not change routes", dict(age=30, qualification="none", german_level="a1"),
     ["teilqualifikation", "umschulung", "ausbildung"]),
]


@pytest.mark.parametrize(("label", "profile", "expected"), CASES, ids=[c[0] for c in CASES])
def test_routes(label: str, profile: dict, expected: list[str]) -> None:
    assert routes(**profile) == expected


def test_at_least_thirty_profiles() -> None:
    assert len(CASES) >= 30


def test_exam_reason_speaks_in_the_persons_terms() -> None:
    first = recommend_routes(
        Profile(age=30, qualification="none", occupation="Koch im Restaurant", experience_years=5),
        OCCUPATIONS,
    )[0]
    reason = first.reasons[0]
    assert reason.values == {
        "experience": Years(5), "occupation": "Koch/Köchin", "required": Years(4.5), "training": Years(3.0),
        "chamber": "IHK zu Schwerin",
    }
    assert first.offices[0] == "ihk_schwerin" and "arbeitszeugnisse" in first.documents


def test_crafts_go_to_the_handwerkskammer() -> None:
    first = recommend_routes(
        Profile(age=30, qualification="none", occupation="friseur", experience_years=5), OCCUPATIONS
    )[0]
    assert first.offices[0] == "hwk_schwerin"
    assert first.reasons[0].values["chamber"] == "Handwerkskammer Schwerin"


def test_recognition_of_a_craft_goes_to_the_hwk_and_office_jobs_to_fosa() -> None:
    craft = recommend_routes(Profile(qualification="foreign", occupation="friseur"), OCCUPATIONS)[0]
    office = recommend_routes(Profile(qualification="foreign", occupation="kaufmann für büromanagement"), OCCUPATIONS)[0]
    assert craft.offices[0] == "hwk_schwerin" and office.offices[0] == "ihk_fosa"
    assert "anerkennungszuschuss" in craft.funding


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Koch in einem Restaurant", "koch"), ("ich bin lagerarbeiter", "fachlagerist"),
     ("LKW Fahrer", "berufskraftfahrer"), ("cook", "koch"), ("astronaut", None), ("", None)],
)
def test_find_occupation(text: str, expected: str | None) -> None:
    found = find_occupation(text, OCCUPATIONS)
    assert (found.id if found else None) == expected


def test_notes_for_language_and_status() -> None:
    texts = [n.msgid for n in notes(Profile(german_level="a2", status="unemployed"))]
    assert any("Integrationskurs" in t for t in texts) and any("150 Euro" in t for t in texts)
    assert notes(Profile(german_level="c1", status="other")) == []
    assert jobcenter_for("nordwestmecklenburg") == "jobcenter_nwm" and jobcenter_for("other") is None


TODAY = date(2026, 11, 28)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("4", 4.0), ("4,5", 4.5), ("4.5 Jahre", 4.5), ("vier Jahre", 4), ("viereinhalb", 4.5),
     ("zwei einhalb jahre", 2.5), ("seit 2019", 7.8), ("since 2020", 6.8), ("18 Monate", 1.5),
     ("ein halbes jahr", 0.5), ("ca 2 jahre", 2.0), ("four years", 4), ("keine ahnung", None),
     ("koch", None), ("seit 1850", None), ("-3", 3.0)],
)
def test_parse_years(text: str, expected: float | None) -> None:
    assert parse_years(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("31", 31), ("ich bin 31 jahre alt", 31), ("geboren 1995", 31), ("1995", 31), ("12", None),
     ("abc", None), ("i am 24", 24), ("zwanzig", 20), ("weiß nicht", None), ("150", None)],
)
def test_parse_age(text: str, expected: int | None) -> None:
    assert parse_age(text, TODAY) == expected


def test_unknown_answers() -> None:
    assert is_unknown("weiß nicht") and is_unknown("Keine Ahnung") and is_unknown("skip")
    assert not is_unknown("4 jahre")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("18 місяців", 1.5), ("18 месяцев", 1.5), ("18 شهر", 1.5), ("18 ماه", 1.5), ("18 miesięcy", 1.5),
     ("18 luni", 1.5), ("18 ay", 1.5), ("18 tháng", 1.5), ("4 роки", 4), ("4,5 lat", 4.5)],
)
def test_durations_in_every_language(text: str, expected: float) -> None:
    assert parse_years(text, today=date(2026, 11, 28)) == expected


@pytest.mark.parametrize("text", ["з 2020", "с 2020", "od 2020", "din 2020", "từ 2020", "منذ 2020", "از 2020"])
def test_since_a_year_in_every_language(text: str) -> None:
    assert parse_years(text, today=date(2026, 11, 28)) == 6.8


@pytest.mark.parametrize("text", ["не знаю", "nie wiem", "bilmiyorum", "không biết", "nu stiu", "لا أعرف"])
def test_dont_know_in_every_language(text: str) -> None:
    assert is_unknown(text)
