"""``recommend_routes`` gives, for a broad grid of profiles, exactly what it gave when it was recorded.

A characterisation test: it pins the triage's whole output (routes, reasons with their values, next
steps, offices, documents, funding, rules) so that its code can be reshaped without changing a result.
The grid is every combination of the profile slot values the rules turn on (each threshold of
``rules.yml`` from both sides) and the occupation kinds of the data (IHK, HWK, another competent body
with and without an office, Pflege and Land law, unknown, none); a second grid runs every occupation
of the data and every occupation text of ``test_triage.py`` against the full occupation list.
``status``, ``german_level`` and ``residence`` are not read by ``recommend_routes``; ``notes`` and
``jobcenter_for``, which read them, are recorded over all their values.

The recording is ``tests/data/triage_recorded.json``: per group of profiles (age × qualification ×
occupation of the big grid; one occupation text of the second), the number of profiles and a digest of
their results in grid order. A changed group names the profiles to compare with the old code. Record it
again only when a change of the results is meant (and say so in the commit)::

    .venv/bin/python -c "from tests.unit.test_triage_recorded import record; record()"
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

from knowledge.loader import load_knowledge
from knowledge.text import Years
from knowledge.triage import Profile, Recommendation, Text, jobcenter_for, notes, recommend_routes

RECORDING = Path(__file__).resolve().parents[1] / "data" / "triage_recorded.json"
KNOWLEDGE = load_knowledge()

# one occupation of each kind; the small tuple keeps the big grid fast (the lookup scans every name)
KINDS = (
    "koch",
    "fachlagerist",
    "elektroniker_energie_gebaeudetechnik",
    "mfa",
    "verwaltungsfachangestellter",
    "pflegefachmann",
    "pflegehelfer",
    "erzieher",
    "landwirt",
)
SMALL_OCCUPATIONS = tuple(o for o in KNOWLEDGE.occupations if o.id in KINDS)

GRID: dict[str, tuple[Any, ...]] = {
    "age": (None, 24, 25),
    "qualification": (None, "none", "german", "foreign", "incomplete"),
    "unskilled_years": (None, 2.5, 4, 4.5),
    "occupation": (None, "astronaut", *(o.name for o in SMALL_OCCUPATIONS)),
    "training_years": (None, 2, 3.5),
    "experience_years": (None, 0, 2, 3, 4.4, 4.5, 6),
    "needs_part_time": (None, True),  # read as bool(): False is None
}
TEST_TEXTS = (
    "Koch im Restaurant",
    "Koch in einem Restaurant",
    "Tierpfleger im Zoo xyz",
    "arzthelferin",
    "büro",
    "elektroniker",
    "erzieherin",
    "friseur",
    "friseurin",
    "irgendwas",
    "kaufmann für büromanagement",
    "lager",
    "maler",
    "pflegefachfrau",
    "pflegefachmann",
    "pflegehelferin",
    "verkäufer",
    "warehouse worker",
    "zfa",
    "berufskraftfahrer",
)
FULL_GRID: dict[str, tuple[Any, ...]] = {
    "age": (None, 40),
    "qualification": (None, "none", "german", "foreign", "incomplete"),
    "experience_years": (None, 20),
}


def _plain(value: object) -> object:
    """``value`` as JSON: a ``Years`` stays distinguishable from a plain number."""
    if isinstance(value, Years):
        return {"years": value.value}
    if isinstance(value, Text):
        return {"msgid": value.msgid, "values": {k: _plain(v) for k, v in sorted(value.values.items())}}
    if isinstance(value, Recommendation):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def _profiles(grid: dict[str, tuple[Any, ...]]) -> Iterator[dict[str, Any]]:
    for combination in itertools.product(*grid.values()):
        yield dict(zip(grid, combination, strict=True))


def _groups() -> Iterator[tuple[str, list[object]]]:
    """``(group, results)``: the big grid by age, qualification and occupation; the full occupation list
    by occupation text; then notes and jobcenters."""
    inner = {k: v for k, v in GRID.items() if k not in ("age", "qualification", "occupation")}
    for age, qualification, occupation in itertools.product(GRID["age"], GRID["qualification"], GRID["occupation"]):
        outer = {"age": age, "qualification": qualification, "occupation": occupation}
        yield (
            " ".join(f"{k}={v}" for k, v in outer.items()),
            [
                _plain(recommend_routes(Profile(**outer, **answers), SMALL_OCCUPATIONS, KNOWLEDGE.rules))
                for answers in _profiles(inner)
            ],
        )
    for text in dict.fromkeys([*(o.name for o in KNOWLEDGE.occupations), *TEST_TEXTS]):
        yield (
            f"all occupations: {text}",
            [
                _plain(recommend_routes(Profile(occupation=text, **answers), KNOWLEDGE.occupations, KNOWLEDGE.rules))
                for answers in _profiles(FULL_GRID)
            ],
        )
    statuses = (None, "unemployed", "employed", "temp_agency", "self_employed", "in_school", "other")
    levels = (None, "none", "a1", "a2", "b1", "b2", "c1")
    yield (
        "notes",
        [
            _plain(notes(Profile(status=s, german_level=g)))  # type: ignore[arg-type]
            for s, g in itertools.product(statuses, levels)
        ],
    )
    yield (
        "jobcenter_for",
        [jobcenter_for(r) for r in (None, "schwerin", "nordwestmecklenburg", "ludwigslust_parchim", "other")],
    )


def _digest(results: list[object]) -> str:
    text = json.dumps(results, ensure_ascii=False, sort_keys=True)
    return f"{len(results)} {hashlib.sha256(text.encode()).hexdigest()[:20]}"


def _run() -> dict[str, str]:
    return {group: _digest(results) for group, results in _groups()}


def record() -> None:
    """Write the recording from the current code (see the module docstring)."""
    RECORDING.write_text(json.dumps(_run(), ensure_ascii=False, indent=0) + "\n", encoding="utf-8")


def test_recommendations_are_as_recorded() -> None:
    recorded = json.loads(RECORDING.read_text(encoding="utf-8"))
    now = _run()
    assert list(now) == list(recorded)
    changed = [group for group in recorded if now[group] != recorded[group]]
    assert not changed, f"{len(changed)} groups of profiles give other results: {changed}"
