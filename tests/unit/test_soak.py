"""The soak's arithmetic (``devtools/soak.py``): how a turn counts, and how leads are reconciled with
what people were told and what reached the counsellors — without running a soak."""

from __future__ import annotations

import math
from collections import Counter

from devtools.soak import (
    BROKEN,
    HONEST,
    OK,
    RATE_LIMITED,
    REFUSED,
    SILENT,
    UNREACHABLE,
    LeadCheck,
    Restart,
    SoakFigures,
    Tally,
    classify,
    growth_percent,
    lead_of_card,
    per_thousand,
    reconcile,
    report,
)

ANSWER = {"messages": [{"text": "Hallo!", "buttons": []}]}


def test_a_turn_counts_as_the_person_experiences_it() -> None:
    assert classify(200, ANSWER) == OK
    assert classify(200, {"messages": []}) == SILENT
    assert classify(200, {"messages": [{"text": "", "buttons": []}]}) == SILENT
    down = {"messages": [{"text": "Technischer Fehler, bitte noch einmal."}], "error": "engine_down"}
    assert classify(503, down) == HONEST
    assert classify(502, None) == BROKEN  # a proxy's bare error page: nobody is told anything
    assert classify(500, "Internal Server Error") == BROKEN
    assert classify(429, {"messages": [{"text": "Einen Moment bitte"}]}) == RATE_LIMITED
    assert classify(400, {"messages": [{"text": "Das konnte ich nicht lesen"}]}) == REFUSED
    assert classify(None, None) == UNREACHABLE


def test_the_tally_separates_honest_errors_from_dishonest_ones() -> None:
    tally = Tally()
    tally.record("web:a", OK, 120.0)
    tally.record("web:a", HONEST, 30_000.0)
    tally.record("web:b", UNREACHABLE, None)
    tally.record("web:b", SILENT, 80.0)
    assert tally.turns == 4 and tally.errors == 3 and tally.dishonest == 1
    assert tally.latencies_ms == [120.0, 30_000.0, 80.0]  # no latency without an answer
    assert tally.told_honestly == {"web:a"} and tally.unreachable == {"web:b"}


def test_leads_are_reconciled_with_what_people_were_told() -> None:
    checked = reconcile(
        confirmed={"web:told", "web:lost", "web:deleted"},
        erased={"web:deleted", "web:gone"},
        stored={"web:told": "L1", "web:gone": "L2", "web:silent": "L3"},
        card_rows=Counter({"L1": 1, "L3": 1}),
        cards_sent=Counter({"L1": 2, "L2": 1}),
    )
    assert checked.confirmed == 2  # told and not erased afterwards
    assert checked.stored == 1 and checked.lost == ["web:lost"]
    assert checked.not_erased == ["web:gone"]  # told "deleted", still stored
    assert checked.doubled == ["L1"]  # two cards reached the counsellors
    assert checked.unconfirmed == ["web:silent"]  # stored, the person never saw the confirmation
    assert not checked.ok


def test_every_lead_stored_once_is_ok() -> None:
    checked = reconcile({"web:a", "web:b"}, {"web:b"}, {"web:a": "L1"}, Counter({"L1": 1}), Counter({"L1": 1}))
    assert checked == LeadCheck(confirmed=1, stored=1, lost=[], not_erased=[], doubled=[], unconfirmed=[])
    assert checked.ok


def test_a_lead_card_is_recognised_by_its_first_line_and_link() -> None:
    card = (
        "Neue Anfrage · Wärme 90/100\nVorname: Olena\nWeg: Anerkennung\n"
        "Details: http://127.0.0.1:8080/inbox/leads/0197eaf5-c434-4aec-9b1f-21f0beb337f6"
    )
    assert lead_of_card(card) == "0197eaf5-c434-4aec-9b1f-21f0beb337f6"
    assert lead_of_card("⏰ Noch nicht übernommen – wartet seit 4 Arbeitsstunden.\n" + card) is None  # a reminder
    assert lead_of_card("Anfrage gelöscht") is None


def test_growth_and_size_per_thousand_conversations() -> None:
    assert growth_percent(200.0, 250.0) == 25.0
    assert growth_percent(200.0, 150.0) == -25.0
    assert math.isnan(growth_percent(0.0, 10.0))
    assert per_thousand(10_000_000, 12_000_000, 400) == 5_000_000
    assert math.isnan(per_thousand(1, 2, 0))


def test_the_report_names_every_figure() -> None:
    tally = Tally(started=Counter({"check": 3, "questions": 2}), finished=Counter({"check": 3, "questions": 1}))
    for latency in (100.0, 200.0, 300.0):
        tally.record("web:a", OK, latency)
    tally.record("web:b", HONEST, 50.0)
    figures = SoakFigures(
        conversations_wanted=30,
        minutes=2,
        seconds=120,
        tally=tally,
        rss_start_mb={"engine": 1000.0, "gateway": 100.0},
        rss_end_mb={"engine": 1100.0, "gateway": 100.0},
        rss_peak_mb={"engine": 1150.0, "gateway": 101.0},
        cpu_seconds={"engine": 48.0},
        database_start_bytes=10_000_000,
        database_end_bytes=11_000_000,
        backlog_end=2,
        backlog_drained=0,
        leads=reconcile({"web:a"}, set(), {"web:a": "L1"}, Counter({"L1": 1}), Counter({"L1": 1})),
        restarts=[Restart("engine", "SIGKILL, started again", 40.0, 55.0)],
        cpus=2,
    )
    text = "\n".join(report(figures))
    assert "5 started, 4 finished" in text
    assert "errors             1 (goal 0): honest_error 1" in text
    assert "p50 200 ms" in text
    assert "1000 MB after warm-up →    1100 MB at the end (+10.0 %)" in text
    assert "200.0 MB per 1,000 conversations" in text
    assert "CPU engine              48 s: 12000 ms per turn, 40 % of one core" in text
    assert "2 pending at the end, 0 after the drain" in text
    assert "1 stored of 1 confirmed" in text and "→ ok" in text
    assert "engine (SIGKILL, started again) at 40 s: answering again after 55 s" in text
    assert "1 conversations got an honest error message" in text
