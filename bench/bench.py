"""``make bench``: what Lotse costs, next to a stock Rasa 3.6 bot (``rasa init``'s moodbot).

Prints, for both: training time, engine cold start, turn latency (p50/p95/p99) for one
conversation at a time and for concurrent conversations, turns per second, and the memory
(RSS) of each process after the load. A turn of Lotse is the whole round trip: engine, the
custom slot-mapping action, and the NLG endpoint rendering from the gettext catalogs.

Usage: ``python bench/bench.py [--senders 20] [--turns 30] [--skip-baseline] [--model PATH]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from figures import percentile  # bench/ is the script's folder (sys.path[0])

from bot.settings import PROJECT_ROOT
from bot.stack import ENGINE_ENV, RASA
from bot.starter import free_port, start, start_stack, wait_until
from devtools.processes import rss_mb

LOTSE_SCRIPT = [
    "hallo",
    "was kannst du",
    "bist du ein bot",
    "danke",
    "auf englisch bitte",
    "thanks",
    "what can you do",
    "tell me a joke",
    '/change_language{"language": "de"}',
    "tschüss",
]
MOODBOT_SCRIPT = [
    "hi",
    "I am feeling great",
    "are you a bot?",
    "bye",
    "hello",
    "I am sad",
    "yes",
    "good morning",
    "are you human?",
    "goodbye",
]


@dataclass
class Figures:
    """What one bot measured."""

    name: str
    training_seconds: float = 0.0
    cold_start_seconds: float = 0.0
    sequential_ms: list[float] = field(default_factory=list)
    concurrent_ms: list[float] = field(default_factory=list)
    concurrent_seconds: float = 0.0
    rss_mb: dict[str, float] = field(default_factory=dict)
    silent_turns: int = 0


async def converse(
    client: httpx.AsyncClient,
    url: str,
    script: list[str],
    turns: int,
    language: str,
    timings: list[float],
    silent: list[str] | None = None,
) -> None:
    """One simulated user: ``turns`` messages from ``script``, one after the other."""
    sender = f"bench:{uuid.uuid4()}"
    for turn in range(turns):
        body = {
            "sender": sender,
            "message": script[turn % len(script)],
            "metadata": {"language": language, "channel": "bench"},
        }
        started = time.perf_counter()
        response = await client.post(url, json=body)
        timings.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        if silent is not None and not any("text" in m for m in response.json()):
            silent.append(str(body["message"]))


async def drive(engine_url: str, script: list[str], senders: int, turns: int, figures: Figures) -> None:
    """Warm up, then one conversation alone, then ``senders`` conversations at once."""
    url = f"{engine_url}/webhooks/rest/webhook"
    limits = httpx.Limits(max_connections=senders + 5)
    silent: list[str] = []
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        await converse(client, url, script, 5, "de", [], silent)
        await converse(client, url, script, turns, "de", figures.sequential_ms, silent)
        started = time.perf_counter()
        await asyncio.gather(
            *(converse(client, url, script, turns, "de", figures.concurrent_ms, silent) for _ in range(senders))
        )
        figures.concurrent_seconds = time.perf_counter() - started
    figures.silent_turns = len(silent)
    if len(silent) > (senders + 1) * turns // 2:
        raise RuntimeError(f"{figures.name} answered {len(silent)} turns with nothing: not working")


def train(command: list[str], cwd: Path, cache: Path) -> float:
    """Run a training command with an empty Rasa cache; seconds it took."""
    env = {**os.environ, **ENGINE_ENV, "RASA_CACHE_DIRECTORY": str(cache)}
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def bench_lotse(folder: Path, senders: int, turns: int, model: Path | None = None) -> Figures:
    """Train Lotse's model from scratch (unless ``model`` is given), start its stack, drive it."""
    figures = Figures("Lotse")
    if model is None:
        data = sorted({str(p.parent) for p in (PROJECT_ROOT / "nlu").glob("*/*.yml")})
        print("training Lotse's model from scratch …", flush=True)
        figures.training_seconds = train(
            [
                str(RASA),
                "train",
                "--config",
                "config.yml",
                "--domain",
                "nlu/domain.yml",
                "--data",
                *data,
                "--out",
                str(folder / "models"),
                "--fixed-model-name",
                "bench",
                "--skip-validation",
            ],  # as `make model`
            PROJECT_ROOT,
            folder / "cache",
        )
        model = folder / "models" / "bench.tar.gz"
    print("starting Lotse (engine + actions) …", flush=True)
    stack = start_stack(folder / "run", model=model)
    try:
        figures.cold_start_seconds = stack.cold_start_seconds
        asyncio.run(drive(stack.engine_url, LOTSE_SCRIPT, senders, turns, figures))
        for process in stack.processes:
            figures.rss_mb[process.name] = rss_mb(process)
    finally:
        stack.stop()
    return figures


def bench_moodbot(folder: Path, senders: int, turns: int) -> Figures:
    """``rasa init`` (which trains the moodbot), start it, drive it."""
    figures = Figures("stock Rasa (moodbot)")
    bot_dir = folder / "moodbot"
    bot_dir.mkdir()
    print("rasa init: training the stock moodbot …", flush=True)
    figures.training_seconds = train([str(RASA), "init", "--no-prompt", "--init-dir", "."], bot_dir, folder / "cache")
    if not list((bot_dir / "models").glob("*.tar.gz")):
        raise RuntimeError("rasa init trained no model")
    port = free_port()
    env = {**os.environ, **ENGINE_ENV}
    print("starting the moodbot …", flush=True)
    started = time.monotonic()
    command = [
        str(RASA),
        "run",
        "--enable-api",
        "-i",
        "127.0.0.1",
        "-p",
        str(port),
        "--model",
        str(bot_dir / "models"),
        "--credentials",
        str(bot_dir / "credentials.yml"),
        "--endpoints",
        str(bot_dir / "endpoints.yml"),
    ]
    engine = start("moodbot", command, env, bot_dir, cwd=bot_dir)
    try:
        wait_until(f"http://127.0.0.1:{port}/", [engine], 300)
        figures.cold_start_seconds = time.monotonic() - started
        asyncio.run(drive(f"http://127.0.0.1:{port}", MOODBOT_SCRIPT, senders, turns, figures))
        figures.rss_mb["engine"] = rss_mb(engine)
    finally:
        engine.stop()
    return figures


def print_report(ours: Figures, baseline: Figures | None, senders: int, turns: int) -> None:
    """The comparison table."""
    rows: list[tuple[str, callable]] = [
        ("training (s)", lambda f: f.training_seconds),
        ("engine cold start (s)", lambda f: f.cold_start_seconds),
        ("sequential p50 (ms)", lambda f: percentile(f.sequential_ms, 0.50)),
        ("sequential p95 (ms)", lambda f: percentile(f.sequential_ms, 0.95)),
        ("sequential p99 (ms)", lambda f: percentile(f.sequential_ms, 0.99)),
        (f"{senders} senders p50 (ms)", lambda f: percentile(f.concurrent_ms, 0.50)),
        (f"{senders} senders p95 (ms)", lambda f: percentile(f.concurrent_ms, 0.95)),
        (f"{senders} senders p99 (ms)", lambda f: percentile(f.concurrent_ms, 0.99)),
        ("turns per second", lambda f: len(f.concurrent_ms) / f.concurrent_seconds),
        ("RSS engine (MB)", lambda f: f.rss_mb.get("engine", float("nan"))),
        ("RSS actions (MB)", lambda f: f.rss_mb.get("actions", float("nan"))),
        ("turns without an answer", lambda f: f.silent_turns),
    ]
    print()
    print(f"Load: {senders} senders × {turns} turns over REST (plus one sender alone), {os.cpu_count()} CPUs")
    header = f"{'':26}{'Lotse':>12}"
    if baseline:
        header += f"{'moodbot':>12}{'ratio':>9}"
    print(header)
    for label, value in rows:
        line = f"{label:26}{value(ours):>12.1f}"
        if baseline:
            base = value(baseline)
            ratio = value(ours) / base if base and base == base else float("nan")
            line += f"{base:>12.1f}{ratio:>8.2f}×"
        print(line)
    if baseline:
        target = 0.7 * percentile(baseline.sequential_ms, 0.5)
        p50 = percentile(ours.sequential_ms, 0.5)
        verdict = "met" if p50 <= target else "NOT met"
        print(f"\ntarget: sequential p50 ≤ 0.7 × moodbot = {target:.1f} ms → {p50:.1f} ms, {verdict}")


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--senders", type=int, default=20)
    parser.add_argument("--turns", type=int, default=30)
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument(
        "--model", type=Path, default=None, help="use this trained model instead of training one (no training time)"
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="lotse-bench-"))
    try:
        ours = bench_lotse(folder, args.senders, args.turns, args.model)
        baseline = None if args.skip_baseline else bench_moodbot(folder, args.senders, args.turns)
        print_report(ours, baseline, args.senders, args.turns)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
