"""What the benchmark scripts read off the processes they started: memory (RSS) and CPU time, each of a
process with its children."""

from __future__ import annotations

import contextlib

import psutil

from bot.starter import Process


def _tree(process: Process) -> list[psutil.Process]:
    root = psutil.Process(process.popen.pid)
    return [root, *root.children(recursive=True)]


def rss_mb(process: Process) -> float:
    """Resident memory of a process and its children, in MB (NaN once it is gone)."""
    try:
        return sum(p.memory_info().rss for p in _tree(process)) / 1e6
    except psutil.NoSuchProcess:
        return float("nan")


def cpu_seconds(process: Process) -> float | None:
    """CPU time (user + system) a process and its children used so far; ``None`` once it is gone."""
    try:
        return sum(sum(p.cpu_times()[:2]) for p in _tree(process))
    except psutil.NoSuchProcess:
        return None


def cpu_by_pid(name: str) -> dict[int, float]:
    """CPU seconds (user + system) of every process called ``name`` (e.g. ``postgres``: the server and
    its backends, whoever they serve), by pid."""
    found: dict[int, float] = {}
    for process in psutil.process_iter(["name"]):
        if process.info["name"] == name:
            with contextlib.suppress(psutil.NoSuchProcess):
                found[process.pid] = sum(process.cpu_times()[:2])
    return found


def machine_cpu_seconds() -> tuple[float, float]:
    """CPU seconds the whole machine spent busy (every core, everyone's work) since it booted, and
    the seconds the hypervisor gave its virtual cores to someone else (*steal*; 0 on bare metal)."""
    times = psutil.cpu_times()
    busy = sum(getattr(times, part, 0.0) for part in ("user", "nice", "system", "irq", "softirq"))
    return busy, getattr(times, "steal", 0.0)
