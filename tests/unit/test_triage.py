"""Profiles → routes, covering each rule of the brief (§8) and its edges."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from bot.i18n import Years
from knowledge.loader import load_knowledge
from knowledge.numbers import is_unknown, parse_age, parse_years
from knowledge.triage import Profile, Recommendation, find_occupation, jobcenter_for, notes, recommend_routes

KNOWLEDGE = load_knowledge()
OCCUPATIONS = KNOWLEDGE.occupations
RULES = KNOWLEDGE.rules


def recommend(**answers: object) -> list[Recommendation]:
    return recommend_routes(Profile(**answers), OCCUPATIONS, RULES)


def routes(**answers: object) -> list[str]:
    return [r.route for r in recommend(**answers)]


CASES = [
    # (label, profile, expected routes in order)
    (
        "cook 5 y, 3-y training → exam first, validation second",
        dict(age=30, qualification="none", occupation="Koch in einem Restaurant", experience_years=5),
        ["externenpruefung", "validierung", "ausbildung"],
    ),
    (
        "exactly 1.5 × is enough",
        dict(age=30, qualification="none", occupation="koch", experience_years=4.5),
        ["externenpruefung", "validierung", "ausbildung"],
    ),
    (
        "just under 1.5 × is not",
        dict(age=30, qualification="none", occupation="koch", experience_years=4.4),
        ["teilqualifikation", "umschulung", "ausbildung"],
    ),
    (
        "2-year occupation needs 3 years",
        dict(age=40, qualification="none", occupation="fachlagerist", experience_years=3),
        ["externenpruefung", "validierung", "ausbildung"],
    ),
    (
        "3.5-year occupation needs 5.25",
        dict(age=40, qualification="none", occupation="elektriker", experience_years=5.2),
        ["teilqualifikation", "umschulung", "ausbildung"],
    ),
    (
        "3.5-year occupation, 5.25 years",
        dict(age=40, qualification="none", occupation="elektriker", experience_years=5.25),
        ["externenpruefung", "validierung", "ausbildung"],
    ),
    (
        "age 24 with enough experience: exam, no validation",
        dict(age=24, qualification="none", occupation="verkäufer", experience_years=3),
        ["externenpruefung", "ausbildung"],
    ),
    (
        "age 25 with enough experience: validation too",
        dict(age=25, qualification="none", occupation="verkäufer", experience_years=3),
        ["externenpruefung", "validierung", "ausbildung"],
    ),
    (
        "age 24 without experience → apprenticeship first, TQ and retraining stay open",
        dict(age=24, qualification="none"),
        ["ausbildung", "teilqualifikation", "umschulung"],
    ),
    (
        "age 25 without experience → TQ, retraining",
        dict(age=25, qualification="none"),
        ["teilqualifikation", "umschulung", "ausbildung"],
    ),
    (
        "age 19 in school",
        dict(age=19, qualification="none", status="in_school"),
        ["ausbildung", "teilqualifikation", "umschulung"],
    ),
    (
        "foreign qualification first; not recognised yet it does not close TQ and retraining",
        dict(age=35, qualification="foreign", occupation="elektroniker"),
        ["anerkennung", "teilqualifikation", "umschulung", "ausbildung"],
    ),
    (
        "foreign qualification with experience: recognition, then exam",
        dict(age=35, qualification="foreign", occupation="koch", experience_years=6),
        ["anerkennung", "externenpruefung", "validierung", "ausbildung"],
    ),
    (
        "young foreign qualification",
        dict(age=22, qualification="foreign"),
        ["anerkennung", "ausbildung", "teilqualifikation", "umschulung"],
    ),
    (
        "German qualification, > 4 years unskilled = unqualified",
        dict(age=38, qualification="german", unskilled_years=5),
        ["teilqualifikation", "umschulung", "ausbildung"],
    ),
    (
        "German qualification, exactly 4 years unskilled still counts",
        dict(age=38, qualification="german", unskilled_years=4),
        ["umschulung", "ausbildung"],
    ),
    (
        "German qualification, 0 years unskilled",
        dict(age=30, qualification="german", unskilled_years=0),
        ["umschulung", "ausbildung"],
    ),
    (
        "German qualification but long experience in another job",
        dict(age=45, qualification="german", unskilled_years=1, occupation="berufskraftfahrer", experience_years=6),
        ["externenpruefung", "validierung", "ausbildung"],
    ),
    (
        "incomplete training = unqualified",
        dict(age=27, qualification="incomplete"),
        ["teilqualifikation", "umschulung", "ausbildung"],
    ),
    (
        "unknown age: every route for adults too",
        dict(qualification="none"),
        ["teilqualifikation", "umschulung", "ausbildung"],
    ),
    ("empty profile still gets a route", dict(), ["ausbildung"]),
    (
        "unknown occupation with given training years",
        dict(age=33, qualification="none", occupation="Tierpfleger im Zoo xyz", training_years=3, experience_years=5),
        ["externenpruefung", "validierung", "ausbildung"],
    ),
    (
        "unknown occupation without training years: no exam claim",
        dict(age=33, qualification="none", occupation="irgendwas", experience_years=10),
        ["teilqualifikation", "umschulung", "ausbildung"],
    ),
    (
        "part-time need keeps the routes",
        dict(age=29, qualification="none", needs_part_time=True),
        ["teilqualifikation", "umschulung", "ausbildung"],
    ),
    (
        "young part-time",
        dict(age=21, qualification="none", needs_part_time=True),
        ["ausbildung", "teilqualifikation", "umschulung"],
    ),
    (
        "English job words",
        dict(age=31, qualification="none", occupation="warehouse worker", experience_years=3.5),
        ["externenpruefung", "validierung", "ausbildung"],
    ),
    (
        "painter (craft) 4.5 years",
        dict(age=50, qualification="none", occupation="maler", experience_years=4.5),
        ["externenpruefung", "validierung", "ausbildung"],
    ),
    (
        "hairdresser 4 years short",
        dict(age=26, qualification="none", occupation="friseurin", experience_years=4),
        ["teilqualifikation", "umschulung", "ausbildung"],
    ),
    (
        "under 3 years of work without a qualification: apprenticeship first (§ 81 Abs. 2 Satz 2 SGB III)",
        dict(age=30, qualification="none", occupation="koch", experience_years=2),
        ["ausbildung", "teilqualifikation", "umschulung"],
    ),
    (
        "nurse with 10 years: no Externenprüfung, no validation (PflBG)",
        dict(age=40, qualification="none", occupation="pflegefachfrau", experience_years=10),
        ["umschulung", "ausbildung"],
    ),
    (
        "care helper, Land law: retraining, apprenticeship",
        dict(age=30, qualification="none", occupation="pflegehelferin", experience_years=5),
        ["umschulung", "ausbildung"],
    ),
    (
        "educator, Land law",
        dict(age=33, qualification="none", occupation="erzieherin", experience_years=6),
        ["umschulung", "ausbildung"],
    ),
    (
        "MFA is a BBiG occupation: Externenprüfung at the Ärztekammer",
        dict(age=35, qualification="none", occupation="arzthelferin", experience_years=5),
        ["externenpruefung", "validierung", "ausbildung"],
    ),
    (
        "farmer (BBiG, LALLF) validation too",
        dict(age=45, qualification="none", occupation="landwirt", experience_years=6),
        ["externenpruefung", "validierung", "ausbildung"],
    ),
    (
        "office clerk 4.5",
        dict(age=28, qualification="none", occupation="büro", experience_years=4.5),
        ["externenpruefung", "validierung", "ausbildung"],
    ),
    (
        "low German does not change routes",
        dict(age=30, qualification="none", german_level="a1"),
        ["teilqualifikation", "umschulung", "ausbildung"],
    ),
]


@pytest.mark.parametrize(("label", "profile", "expected"), CASES, ids=[c[0] for c in CASES])
def test_routes(label: str, profile: dict, expected: list[str]) -> None:
    assert routes(**profile) == expected


def test_exam_reason_speaks_in_the_persons_terms() -> None:
    first = recommend(age=30, qualification="none", occupation="Koch im Restaurant", experience_years=5)[0]
    reason = first.reasons[0]
    assert reason.values == {
        "experience": Years(5),
        "occupation": "Koch/Köchin",
        "required": Years(4.5),
        "training": Years(3.0),
        "chamber": "IHK zu Schwerin",
    }
    assert first.offices[0] == "ihk_schwerin" and "arbeitszeugnisse" in first.documents


def test_crafts_go_to_the_handwerkskammer() -> None:
    first = recommend(age=30, qualification="none", occupation="friseur", experience_years=5)[0]
    assert first.offices[0] == "hwk_schwerin"
    assert first.reasons[0].values["chamber"] == "Handwerkskammer Schwerin"


def test_recognition_of_a_craft_goes_to_the_hwk_and_office_jobs_to_fosa() -> None:
    craft = recommend(qualification="foreign", occupation="friseur")[0]
    office = recommend(qualification="foreign", occupation="kaufmann für büromanagement")[0]
    assert craft.offices[0] == "hwk_schwerin" and office.offices[0] == "ihk_fosa"
    assert "anerkennungszuschuss" in craft.funding


# One case per rule of rules.yml: the rule is applied, and the recommendation names it.
RULE_CASES = [
    ("anerkennung", dict(age=40, qualification="foreign", occupation="elektroniker"), "anerkennung"),
    (
        "externenpruefung",
        dict(age=24, qualification="none", occupation="koch", experience_years=4.5),
        "externenpruefung",
    ),
    ("validierung", dict(age=25, qualification="none", occupation="koch", experience_years=4.5), "validierung"),
    ("nur_bbig_hwo", dict(age=40, qualification="none", occupation="pflegefachmann", experience_years=9), "umschulung"),
    ("ohne_abschluss", dict(age=30, qualification="incomplete"), "teilqualifikation"),
    ("abschluss_nicht_verwertbar", dict(age=38, qualification="german", unskilled_years=4.5), "teilqualifikation"),
    ("ausbildung_zuerst", dict(age=30, qualification="none", occupation="lager", experience_years=1), "ausbildung"),
    ("unter_25", dict(age=22, qualification="none"), "ausbildung"),
    ("umschulung_volle_dauer", dict(age=30, qualification="none", occupation="erzieher"), "umschulung"),
    (
        "zustaendige_stelle",
        dict(age=30, qualification="none", occupation="zfa", experience_years=5),
        "externenpruefung",
    ),
]


@pytest.mark.parametrize(("rule_id", "profile", "route"), RULE_CASES, ids=[c[0] for c in RULE_CASES])
def test_each_rule_applies_and_is_named(rule_id: str, profile: dict, route: str) -> None:
    found = {r.route: r for r in recommend(**profile)}
    assert route in found and rule_id in found[route].rules


def test_every_rule_of_the_data_has_a_case_and_is_used_by_the_triage() -> None:
    assert {r.id for r in RULES} == {c[0] for c in RULE_CASES}
    source = Path("knowledge/triage.py").read_text(encoding="utf-8")
    used = set(re.findall(r'"([a-z_0-9]+)"', source)) & {r.id for r in RULES}
    assert used == {r.id for r in RULES}


def test_every_rule_names_its_law_and_a_recent_check() -> None:
    for rule in RULES:
        assert "§" in rule.law and rule.checked >= date(2026, 11, 1), rule.id
        assert set(rule.opens) | set(rule.closes) or rule.id in (
            "ausbildung_zuerst",
            "umschulung_volle_dauer",
            "zustaendige_stelle",
        ), rule.id


def test_thresholds_come_from_the_data() -> None:
    changed = tuple(r.model_copy(update={"value": 2.0}) if r.id == "externenpruefung" else r for r in RULES)
    profile = Profile(age=30, qualification="none", occupation="koch", experience_years=5)
    assert recommend_routes(profile, OCCUPATIONS, RULES)[0].route == "externenpruefung"
    assert recommend_routes(profile, OCCUPATIONS, changed)[0].route == "teilqualifikation"


def test_pflege_and_land_occupations_never_get_exam_or_validation() -> None:
    for occupation in OCCUPATIONS:
        if occupation.law in ("BBiG", "HwO"):
            continue
        found = routes(age=40, qualification="none", occupation=occupation.name, experience_years=20)
        assert "externenpruefung" not in found and "validierung" not in found, occupation.id
        assert occupation.note is not None, occupation.id


@pytest.mark.parametrize(
    ("occupation", "office", "chamber"),
    [
        ("mfa", "aerztekammer_mv", "Ärztekammer Mecklenburg-Vorpommern"),
        ("zfa", "zahnaerztekammer_mv", "Zahnärztekammer Mecklenburg-Vorpommern"),
        ("gärtner", "lallf_mv", None),
        ("verwaltungsfachangestellte", "agentur_schwerin", None),
    ],
)
def test_the_competent_body_comes_from_the_occupation_data(occupation: str, office: str, chamber: str | None) -> None:
    first = recommend(age=40, qualification="none", occupation=occupation, experience_years=5)[0]
    assert first.route == "externenpruefung" and first.offices[0] == office
    assert "IHK" not in first.reasons[0].values["chamber"]
    if chamber:
        assert first.reasons[0].values["chamber"] == chamber


def test_foreign_nursing_is_recognised_by_the_land_authority() -> None:
    first = recommend(age=30, qualification="foreign", occupation="krankenschwester")[0]
    assert first.route == "anerkennung" and first.offices[0] == "lagus_mv"


def test_work_abroad_counts_for_the_exam() -> None:
    found = routes(age=35, qualification="foreign", occupation="elektriker", experience_years=6)
    assert found[:2] == ["anerkennung", "externenpruefung"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Koch in einem Restaurant", "koch"),
        ("ich bin lagerarbeiter", "fachlagerist"),
        ("LKW Fahrer", "berufskraftfahrer"),
        ("cook", "koch"),
        ("astronaut", None),
        ("", None),
    ],
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
    [
        ("4", 4.0),
        ("4,5", 4.5),
        ("4.5 Jahre", 4.5),
        ("vier Jahre", 4),
        ("viereinhalb", 4.5),
        ("zwei einhalb jahre", 2.5),
        ("seit 2019", 7.4),  # from the middle of 2019 to the middle of November 2026
        ("since 2020", 6.4),
        ("18 Monate", 1.5),
        ("ein halbes jahr", 0.5),
        ("ca 2 jahre", 2.0),
        ("four years", 4),
        ("keine ahnung", None),
        ("koch", None),
        ("seit 1850", None),
        ("-3", 3.0),
    ],
)
def test_parse_years(text: str, expected: float | None) -> None:
    assert parse_years(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31", 31),
        ("ich bin 31 jahre alt", 31),
        ("geboren 1995", 31),
        ("1995", 31),
        ("12", None),
        ("abc", None),
        ("i am 24", 24),
        ("zwanzig", 20),
        ("weiß nicht", None),
        ("150", None),
    ],
)
def test_parse_age(text: str, expected: int | None) -> None:
    assert parse_age(text, TODAY) == expected


def test_unknown_answers() -> None:
    assert is_unknown("weiß nicht") and is_unknown("Keine Ahnung") and is_unknown("skip")
    assert not is_unknown("4 jahre")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18 місяців", 1.5),
        ("18 месяцев", 1.5),
        ("18 شهر", 1.5),
        ("18 ماه", 1.5),
        ("18 miesięcy", 1.5),
        ("18 luni", 1.5),
        ("18 ay", 1.5),
        ("18 tháng", 1.5),
        ("4 роки", 4),
        ("4,5 lat", 4.5),
    ],
)
def test_durations_in_every_language(text: str, expected: float) -> None:
    assert parse_years(text, today=date(2026, 11, 28)) == expected


@pytest.mark.parametrize("text", ["з 2020", "с 2020", "od 2020", "din 2020", "từ 2020", "منذ 2020", "از 2020"])
def test_since_a_year_in_every_language(text: str) -> None:
    assert parse_years(text, today=date(2026, 11, 28)) == 6.4  # mid-2020 to mid-November 2026


@pytest.mark.parametrize("text", ["не знаю", "nie wiem", "bilmiyorum", "không biết", "nu stiu", "لا أعرف"])
def test_dont_know_in_every_language(text: str) -> None:
    assert is_unknown(text)
