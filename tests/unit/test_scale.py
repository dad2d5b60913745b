"""The scaling benchmark's arithmetic (``devtools/scale.py``): turns per second, latency per kind of
turn, CPU per process and the comparison of 1 against 2 engines — without starting an engine."""

from __future__ import annotations

import math

from devtools.people import ANSWER, FORM, KINDS, LEAD, SMALL_TALK
from devtools.scale import (
    MACHINE,
    OTHERS,
    STEAL,
    Phase,
    TimedTally,
    Topology,
    comparison,
    cpu_lines,
    ratio,
    report,
    steady_rate,
    with_others,
)
from devtools.soak import HONEST, OK, Tally


def _phase(senders: int, seconds: float, latencies: dict[str, list[float]], steady: float = math.nan) -> Phase:
    tally = Tally()
    for kind, values in latencies.items():
        for value in values:
            tally.record("web:a", OK, value, kind)
    return Phase(senders=senders, seconds=seconds, tally=tally, steady_turns_per_second=steady)


def test_a_turn_is_counted_by_its_kind_and_overall() -> None:
    tally = Tally()
    tally.record("web:a", OK, 100.0, ANSWER)
    tally.record("web:a", OK, 300.0, FORM)
    tally.record("web:a", HONEST, 30_000.0, FORM)
    tally.record("web:a", OK, 50.0)  # the soak does not say the kind
    assert tally.latencies_ms == [100.0, 300.0, 30_000.0, 50.0]
    assert tally.latencies_by_kind == {ANSWER: [100.0], FORM: [300.0, 30_000.0], "": [50.0]}


def test_turns_per_second_count_answered_turns_and_percentiles_go_by_kind() -> None:
    phase = _phase(20, 10.0, {ANSWER: [100.0, 200.0, 300.0], FORM: [1000.0] * 5})
    phase.tally.record("web:b", HONEST, 5.0, FORM)  # an error is no turn done
    assert phase.answered == 8 and phase.turns_per_second == 0.8
    assert phase.latency(0.5, ANSWER) == 200.0
    assert phase.latency(0.95, FORM) == 1000.0
    assert phase.latency(0.5) == 1000.0
    assert math.isnan(phase.latency(0.5, LEAD))  # no such turn
    assert math.isnan(Phase(1, 0.0, Tally()).turns_per_second)


def test_the_steady_rate_counts_only_while_everybody_chats() -> None:
    clock = iter([1.0, 2.0, 3.0, 9.0])
    tally = TimedTally(lambda: next(clock))
    for _ in range(4):
        tally.record("web:a", OK, 10.0, ANSWER)
    tally.record("web:a", HONEST, 10.0, ANSWER)  # not answered: no time noted
    assert tally.answered_at == [1.0, 2.0, 3.0, 9.0]
    assert tally.latencies_by_kind[ANSWER] == [10.0] * 5
    assert steady_rate(tally.answered_at, 0.0, 4.0) == 0.75  # 3 turns in the first 4 s; the straggler not
    assert math.isnan(steady_rate([1.0], 5.0, 5.0))


def test_ratio_is_nan_without_both_figures() -> None:
    assert ratio(3.0, 2.0) == 1.5
    assert math.isnan(ratio(1.0, 0.0))
    assert math.isnan(ratio(math.nan, 2.0))
    assert math.isnan(ratio(2.0, math.nan))


def test_cpu_of_other_work_is_what_the_machine_used_beyond_the_measured_processes() -> None:
    cpu = {"engine1": 50.0, "gateway": 20.0, "postgres": 10.0, MACHINE: 110.0, STEAL: 4.0}
    assert with_others(cpu)[OTHERS] == 30.0
    assert with_others({"engine1": 5.0, MACHINE: 4.0})[OTHERS] == 0.0  # sampled a moment apart
    assert OTHERS not in with_others({"engine1": 5.0})
    phase = _phase(20, 100.0, {ANSWER: [1.0] * 50})
    phase.cpu_seconds = cpu
    lines = cpu_lines(phase, cpus=2)
    assert lines[0].split() == [
        "CPU",
        "engine1",
        "50.0",
        "s",
        "50",
        "%",
        "of",
        "one",
        "core",
        "1000",
        "ms",
        "per",
        "turn",
    ]
    assert lines[-3].startswith("    CPU machine") and "(55 % of all 2 cores)" in lines[-3]
    assert [line.split()[1] for line in lines[-3:]] == [MACHINE, OTHERS, STEAL]


def _topology(engines: int, rate: float, p95: float) -> Topology:
    turns = int(rate * 100)
    latencies = {SMALL_TALK: [p95] * (turns // 10), ANSWER: [p95 / 2] * (turns - turns // 10)}
    return Topology(
        engines=engines,
        action_servers=1,
        cold_start_seconds=60.0 + engines,
        alone=_phase(1, 10.0, {ANSWER: [80.0] * 20}),
        together=_phase(20, 100.0, latencies, steady=rate * 1.1),
        rss_mb={f"engine{i + 1}": 1400.0 for i in range(engines)} | {"gateway": 280.0},
        senders_per_engine=[20] if engines == 1 else [11, 9],
    )


def test_two_engines_are_compared_with_one_against_the_targets() -> None:
    one, two = _topology(1, 5.0, 4000.0), _topology(2, 6.0, 3000.0)
    lines = comparison(one, two)
    assert "5.00        6.00    1.20×   ≥ 1.6× NOT met" in lines[1]
    assert "5.50        6.60    1.20×" in lines[2]
    assert "4000        3000    0.75×   ≤ 0.6× NOT met" in lines[3]
    better = comparison(one, _topology(2, 9.0, 2000.0))
    assert "1.80×   ≥ 1.6× met" in better[1] and "0.50×   ≤ 0.6× met" in better[3]


def test_the_report_names_every_figure() -> None:
    one, two = _topology(1, 5.0, 4000.0), _topology(2, 6.0, 3000.0)
    two.together.tally.record("web:x", HONEST, 30_000.0, LEAD)
    text = "\n".join(report([one, two], KINDS, cpus=2))
    assert "1 engine(s), 1 action server(s), one gateway: cold start 61.0 s" in text
    assert "senders per engine 11/9" in text
    assert "errors: honest_error 1" in text and "errors: none" in text
    assert "RSS engine2" in text and "1400 MB" in text
    for kind in (SMALL_TALK, ANSWER, "overall"):
        assert f"\n  {kind:<16}" in text
    assert "  recommendation        0" in text and "–" in text  # a kind nobody had
    assert "Scaling:" in text and "engine cold start (s)" in text
