"""What ``bench/scale.py`` measures with 1, 2 … engines, and its report.

Pure functions over the turns the simulated people timed (``devtools.soak.Tally``, each turn tagged
with its kind, ``devtools.people.KINDS``) and the CPU seconds each process used, so that the
arithmetic can be tested without starting engines (``tests/unit/test_scale.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from devtools.soak import OK, OUTCOMES, Tally, percentile

TARGET_THROUGHPUT = 1.6
"""Issue 14: two engines carry at least 1.6× the turns per second of one …"""
TARGET_P95 = 0.6
"""… and the p95 of many people at once is at most 0.6× of one engine's."""
MACHINE = "machine"
"""CPU seconds the whole machine was busy (everyone's work, every core)."""
STEAL = "steal"
"""CPU seconds the hypervisor gave this machine's cores to someone else."""
OTHERS = "others"
"""The machine's busy seconds that none of the measured processes used (other people's work)."""


class TimedTally(Tally):
    """A ``Tally`` that also notes when each turn was answered (seconds on ``clock``)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        super().__init__()
        self.clock = clock
        self.answered_at: list[float] = []

    def record(self, sender: str, outcome: str, latency_ms: float | None, kind: str = "") -> None:
        super().record(sender, outcome, latency_ms, kind)
        if outcome == OK:
            self.answered_at.append(self.clock())


def steady_rate(answered_at: list[float], start: float, until: float) -> float:
    """Turns answered per second from ``start`` to ``until`` (while every person was still chatting:
    the end of a run, when the last people finish alone, leaves an engine idle)."""
    if until <= start:
        return float("nan")
    return sum(start <= t <= until for t in answered_at) / (until - start)


@dataclass
class Phase:
    """One load on one topology: ``senders`` people at once (1: one person alone)."""

    senders: int
    seconds: float
    """Wall-clock time from the first message to the last answer."""
    tally: Tally
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    """Per process (and ``MACHINE``, ``STEAL``) during the phase."""
    steady_turns_per_second: float = float("nan")
    """Answered turns per second until the first person finished (``steady_rate``)."""

    @property
    def answered(self) -> int:
        return self.tally.outcomes[OK]

    @property
    def turns_per_second(self) -> float:
        """Answered turns per second of wall-clock time."""
        return self.answered / self.seconds if self.seconds > 0 else float("nan")

    def latency(self, share: float, kind: str | None = None) -> float:
        """The ``share`` percentile of the turns' latency (ms), of every turn or of one kind."""
        values = self.tally.latencies_ms if kind is None else self.tally.latencies_by_kind.get(kind, [])
        return percentile(values, share)


@dataclass
class Topology:
    """One measured topology: ``engines`` engines, ``action_servers`` action servers, one gateway."""

    engines: int
    action_servers: int
    cold_start_seconds: float
    alone: Phase
    together: Phase
    rss_mb: dict[str, float] = field(default_factory=dict)
    """Each process after the load."""
    senders_per_engine: list[int] = field(default_factory=list)
    """How the people at once were spread over the engines (the gateway's rendezvous hash)."""


def ratio(new: float, old: float) -> float:
    """``new / old``; NaN when either is missing or ``old`` is 0."""
    if not old or math.isnan(old) or math.isnan(new):
        return float("nan")
    return new / old


def with_others(cpu: dict[str, float]) -> dict[str, float]:
    """``cpu`` plus ``OTHERS``: the machine's busy seconds not used by any measured process."""
    if MACHINE not in cpu:
        return dict(cpu)
    ours = sum(seconds for name, seconds in cpu.items() if name not in (MACHINE, STEAL))
    return {**cpu, OTHERS: max(cpu[MACHINE] - ours, 0.0)}


def cpu_lines(phase: Phase, cpus: int) -> list[str]:
    """Each process's CPU during ``phase``: seconds, share of one core, milliseconds per answered turn;
    then the whole machine's busy share of its ``cpus`` cores."""
    lines = []
    cpu = with_others(phase.cpu_seconds)
    for name in sorted(cpu, key=lambda n: (n in (MACHINE, STEAL, OTHERS), n)):
        used = cpu[name]
        core = used / phase.seconds * 100 if phase.seconds > 0 else float("nan")
        per_turn = used / phase.answered * 1000 if phase.answered else float("nan")
        line = f"    CPU {name:<12}{used:8.1f} s  {core:5.0f} % of one core  {per_turn:6.0f} ms per turn"
        if name == MACHINE and cpus and phase.seconds > 0:
            line += f"  ({used / (cpus * phase.seconds) * 100:.0f} % of all {cpus} cores)"
        lines.append(line)
    return lines


COLUMN = 23
"""Width of one p50/p95/p99 column of the table by kind."""


def _percentiles(phase: Phase, kind: str | None) -> str:
    values = [phase.latency(share, kind) for share in (0.5, 0.95, 0.99)]
    if any(math.isnan(v) for v in values):
        return f"{'–':^{COLUMN}}"
    return " ".join(f"{v:7.0f}" for v in values)


def kind_table(topologies: list[Topology], kinds: tuple[str, ...]) -> list[str]:
    """p50 / p95 / p99 (ms) per kind and overall, alone and at once, two columns per topology; the
    number of turns is that of the people at once."""
    first = f"  {'':<16}{'turns':>7}"
    second = f"  {'kind':<16}{'at once':>7}"
    for topology in topologies:
        for label in ("alone", f"{topology.together.senders} at once"):
            engines = f"{topology.engines} engine" + ("s" if topology.engines > 1 else "")
            first += f"  {f'{engines}, {label}':^{COLUMN}}"
            second += "  " + " ".join(f"{p:>7}" for p in ("p50", "p95", "p99"))
    lines = [first, second]
    for kind in (*kinds, None):
        if kind is None:
            turns = max(len(t.together.tally.latencies_ms) for t in topologies)
        else:
            turns = max(len(t.together.tally.latencies_by_kind.get(kind, [])) for t in topologies)
        line = f"  {kind or 'overall':<16}{turns:>7}"
        for topology in topologies:
            line += f"  {_percentiles(topology.alone, kind)}  {_percentiles(topology.together, kind)}"
        lines.append(line)
    return lines


def comparison(one: Topology, two: Topology) -> list[str]:
    """Turns per second and the p95 of the people at once, ``one`` against ``two``, with the targets."""
    throughput = ratio(two.together.turns_per_second, one.together.turns_per_second)
    p95 = ratio(two.together.latency(0.95), one.together.latency(0.95))
    met = {True: "met", False: "NOT met"}
    return [
        f"  {'':<40}{f'{one.engines} engine(s)':>12}{f'{two.engines} engines':>12}{'ratio':>9}   target",
        f"  {f'turns per second ({one.together.senders} at once)':<40}{one.together.turns_per_second:>12.2f}"
        f"{two.together.turns_per_second:>12.2f}{throughput:>8.2f}×   ≥ {TARGET_THROUGHPUT}× "
        f"{met[throughput >= TARGET_THROUGHPUT]}",
        f"  {'turns per second while all chatted':<40}{one.together.steady_turns_per_second:>12.2f}"
        f"{two.together.steady_turns_per_second:>12.2f}"
        f"{ratio(two.together.steady_turns_per_second, one.together.steady_turns_per_second):>8.2f}×",
        f"  {f'p95 ms ({two.together.senders} at once)':<40}{one.together.latency(0.95):>12.0f}"
        f"{two.together.latency(0.95):>12.0f}{p95:>8.2f}×   ≤ {TARGET_P95}× {met[p95 <= TARGET_P95]}",
        f"  {'p95 ms (one person alone)':<40}{one.alone.latency(0.95):>12.0f}{two.alone.latency(0.95):>12.0f}"
        f"{ratio(two.alone.latency(0.95), one.alone.latency(0.95)):>8.2f}×",
        f"  {'engine cold start (s)':<40}{one.cold_start_seconds:>12.1f}{two.cold_start_seconds:>12.1f}",
    ]


def errors(tally: Tally) -> str:
    """The turns that were not answered, by outcome (``none`` if all were)."""
    found = [f"{o} {tally.outcomes[o]}" for o in OUTCOMES if o != OK and tally.outcomes[o]]
    return ", ".join(found) or "none"


def report(topologies: list[Topology], kinds: tuple[str, ...], cpus: int) -> list[str]:
    """The benchmark's figures as lines of text."""
    lines: list[str] = []
    for topology in topologies:
        together, alone = topology.together, topology.alone
        spread = "/".join(str(n) for n in topology.senders_per_engine)
        lines += [
            f"{topology.engines} engine(s), {topology.action_servers} action server(s), one gateway:"
            f" cold start {topology.cold_start_seconds:.1f} s",
            f"  {'one person alone':<19}{alone.tally.turns} turns in {alone.seconds:.1f} s"
            f" ({alone.turns_per_second:.2f}/s), errors: {errors(alone.tally)}",
            f"  {f'{together.senders} at once':<19}{together.tally.turns} turns in {together.seconds:.1f} s"
            f" ({together.turns_per_second:.2f}/s; {together.steady_turns_per_second:.2f}/s while all chatted),"
            f" errors: {errors(together.tally)};"
            f" senders per engine {spread}; off script {together.tally.off_script + alone.tally.off_script}",
        ]
        lines += [f"    RSS {name:<12}{mb:8.0f} MB" for name, mb in sorted(topology.rss_mb.items())]
        lines.append(f"  CPU while {together.senders} people chatted at once:")
        lines += cpu_lines(together, cpus)
        lines.append("")
    lines.append("Latency by kind of turn (ms):")
    lines += kind_table(topologies, kinds)
    if len(topologies) >= 2:
        lines += ["", "Scaling:"]
        lines += comparison(topologies[0], topologies[1])
    return lines
