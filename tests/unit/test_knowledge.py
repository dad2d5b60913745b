"""The knowledge base: every fact has a source; unverified facts are hedged; texts extract."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from actions.formatting import HEDGE, fact_text, is_unverified
from bot.i18n import gettext_for
from knowledge.extract import extract_knowledge
from knowledge.loader import DATA_DIR, PARTS, load_knowledge, read_knowledge
from knowledge.schema import ROUTE_IDS

KNOWLEDGE = load_knowledge()


def test_the_shipped_knowledge_is_valid_and_complete() -> None:
    assert {r.id for r in KNOWLEDGE.routes} == set(ROUTE_IDS)
    assert {t.id for t in KNOWLEDGE.topics} == {
        "funding",
        "costs",
        "duration",
        "language",
        "work_while_learning",
        "residence",
    }
    assert len(KNOWLEDGE.occupations) >= 60
    assert len(KNOWLEDGE.glossary) >= 15
    offices = {o.id for o in KNOWLEDGE.offices}
    assert {
        "agentur_schwerin",
        "jobcenter_schwerin",
        "jobcenter_nwm",
        "jobcenter_lup",
        "ihk_schwerin",
        "hwk_schwerin",
        "mbe",
        "iq_mv",
    } <= offices
    funding = {f.id for f in KNOWLEDGE.funding}
    assert {
        "bildungsgutschein",
        "weiterbildungsgeld",
        "weiterbildungspraemie",
        "bab",
        "anerkennungszuschuss",
        "paragraph_82",
    } <= funding


def test_occupation_ids_and_aliases_are_unique() -> None:
    ids = [o.id for o in KNOWLEDGE.occupations]
    aliases = [a for o in KNOWLEDGE.occupations for a in o.aliases]
    assert len(ids) == len(set(ids)) and len(aliases) == len(set(aliases))
    assert all(o.source is not None for o in KNOWLEDGE.occupations)


def _copy(tmp_path: Path) -> Path:
    for part in PARTS:
        (tmp_path / f"{part}.yml").write_text((DATA_DIR / f"{part}.yml").read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


def test_a_fact_without_a_source_fails(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    routes = yaml.safe_load((folder / "routes.yml").read_text(encoding="utf-8"))
    routes["routes"][0]["summary"]["sources"] = []
    (folder / "routes.yml").write_text(yaml.safe_dump(routes, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValidationError):
        read_knowledge(folder)


def test_a_fact_citing_an_unknown_source_fails(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    routes = yaml.safe_load((folder / "routes.yml").read_text(encoding="utf-8"))
    routes["routes"][0]["summary"]["sources"] = ["nowhere"]
    (folder / "routes.yml").write_text(yaml.safe_dump(routes, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValidationError, match="unknown sources"):
        read_knowledge(folder)


def test_the_triage_names_only_what_its_route_lists(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    routes = yaml.safe_load((folder / "routes.yml").read_text(encoding="utf-8"))
    validierung = next(r for r in routes["routes"] if r["id"] == "validierung")
    validierung["triage"][0]["documents"].append("schulzeugnis")
    (folder / "routes.yml").write_text(yaml.safe_dump(routes, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValidationError, match="not in the route's own"):
        read_knowledge(folder)


def test_unverified_facts_exist_and_are_hedged_in_every_language() -> None:
    unverified = [f for f, _ in KNOWLEDGE.facts() if is_unverified(f, KNOWLEDGE)]
    assert len(unverified) >= 10
    for language in ("de", "en"):
        text = fact_text(unverified[0], language, KNOWLEDGE)
        assert text.endswith(gettext_for(language, HEDGE))
    verified = next(f for f, _ in KNOWLEDGE.facts() if not is_unverified(f, KNOWLEDGE))
    assert gettext_for("de", HEDGE) not in fact_text(verified, "de", KNOWLEDGE)


def test_every_fact_text_is_extracted_for_translation() -> None:
    extracted = set()
    for part in PARTS:
        data = (DATA_DIR / f"{part}.yml").read_bytes()
        extracted |= {m for _line, _f, m, _c in extract_knowledge(io.BytesIO(data), None, None, {})}
    for fact, where in KNOWLEDGE.facts():
        assert fact.text in extracted, where
    assert {d.text for d in KNOWLEDGE.documents} <= extracted


def test_facts_due_lists_what_was_checked_before_a_date() -> None:
    from datetime import date

    from knowledge.loader import load_knowledge
    from knowledge.schema import months_ago

    knowledge = load_knowledge()
    assert knowledge.due(date(2026, 1, 1)) == []  # every source was read in late 2026
    everything = knowledge.due(date(2027, 1, 1))
    wheres = [where for where, _, _ in everything]
    assert "rule externenpruefung" in wheres and "occupation koch" in wheres
    assert any(w.startswith("route umschulung") for w in wheres)
    assert [c for _, c, _ in everything] == sorted(c for _, c, _ in everything)
    assert months_ago(12, date(2026, 12, 6)) == date(2025, 12, 6)
    assert months_ago(1, date(2026, 3, 31)) == date(2026, 2, 28)


def test_facts_due_command_prints_a_count(capsys) -> None:
    from bot.cli import main

    assert main(["facts-due", "--months", "12"]) == 0
    assert capsys.readouterr().out.strip().endswith("0 due (checked more than 12 months ago)")


def test_no_fact_lacks_a_source_with_a_check_date() -> None:
    from knowledge.loader import load_knowledge

    knowledge = load_knowledge()
    sources = {s.id: s for s in knowledge.sources}
    for fact, where in knowledge.facts():
        assert fact.sources and all(sources[s].checked for s in fact.sources), where
    for rule in knowledge.rules:
        assert rule.checked and all(s in sources for s in rule.sources), rule.id


def test_route_and_funding_names_are_extracted_as_button_names() -> None:
    notes = {}
    for part in ("routes", "funding"):
        data = (DATA_DIR / f"{part}.yml").read_bytes()
        notes |= {m: c for _line, _f, m, c in extract_knowledge(io.BytesIO(data), None, None, {})}
    for thing in (*KNOWLEDGE.routes, *KNOWLEDGE.funding):
        assert thing.name in notes, thing.id
        assert "German term in brackets" in notes[thing.name][0]
    # a fact's text keeps the plain note
    assert "Keep German official terms" in notes[KNOWLEDGE.routes[0].summary.text][0]


@pytest.mark.parametrize("language", ["en", "uk", "ru", "ar", "fa", "pl", "ro", "tr", "vi"])
def test_route_names_are_translated_and_keep_the_german_term(language: str) -> None:
    for route in KNOWLEDGE.routes:
        shown = gettext_for(language, route.name)
        german = route.name.split(" (")[0]
        assert shown != route.name and german in shown, (language, route.id, shown)
        assert len(shown) <= 50, (language, route.id, shown)


def test_facts_of_2026_name_their_date() -> None:
    topics = {t.id: t for t in KNOWLEDGE.topics}
    language = " ".join(f.text for f in topics["language"].answer)
    assert "2026" in language and "Integrationskurs" in language  # admission stop since 9.2.2026
    funding = {f.id: f for f in KNOWLEDGE.funding}
    assert "30. Juni 2027" in funding["anerkennungszuschuss"].summary.text
    assert "qualifizierungsgeld" in {f for r in KNOWLEDGE.routes if r.id == "umschulung" for f in r.funding}
    duration = " ".join(f.text for f in topics["duration"].answer)
    assert "mindestens ein Drittel" not in duration and "Juli 2023" in duration  # § 180 Abs. 4 SGB III
