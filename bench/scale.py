"""How Lotse scales with the number of engines: real web chats through the gateway, 1 engine, then 2.

For each number of engines (``--engines 1,2``) it starts the topology of ``make demo-scale`` on this
machine — the engines on one fresh PostgreSQL database (dropped afterwards) with Rasa's lock store in
Redis (``--redis``, a database of its own, flushed before and after), one action server, and one
gateway (``python -m bot.web``) routing over the engines, with the notifier delivering lead cards to
a fake Telegram Bot API — and drives it through ``POST /api/chat`` as the chat page does, with the
people of ``make soak`` (``devtools/people.py``), each doing everything once (``VISIT``): a
greeting, route questions (with an aspect button), the whole check with typed answers and buttons,
consent and the contact form to a lead, "delete my data" — in German, English or Ukrainian.

Every turn is tagged with its kind (small talk, answer, form step, recommendation, lead, delete). Per
number of engines: one person alone, then ``--senders`` people at once, each with ``--conversations``
conversations one after another, without pauses (``--think``: seconds between messages), the same
people (choices and chat ids from ``--seed``) for every number of engines. It prints p50/p95/p99
per kind and overall, turns per second, each process's memory (RSS) after the load, the engines'
cold start, the CPU seconds each process (and PostgreSQL, Redis, this script, the whole machine) used
while the people chatted at once, and 1 against 2 engines with issue 14's targets.

The gateway's per-conversation rate limit is lifted (people without pauses type faster than it
allows). Localhost only. Exits 1 on a dishonest answer (``devtools/soak.py``) or a person who gave up;
honest errors (the engine did not answer within the gateway's timeout) are figures of a busy machine.

Usage: ``python bench/scale.py [--engines 1,2] [--senders 20] [--conversations 2] [--think 0]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.engine import EngineRouter
from bot.stack import bot_command
from bot.starter import DEMO_MODEL, Process, ScaledStack, free_port, start, start_scaled, wait_until
from devtools.databases import POSTGRES_ADMIN, fresh_postgres
from devtools.fake_telegram import FakeTelegram
from devtools.people import KINDS, SMALL_TALK, VISIT, Abandoned, Person
from devtools.processes import cpu_by_pid, cpu_seconds, machine_cpu_seconds, rss_mb
from devtools.scale import MACHINE, STEAL, Phase, TimedTally, Topology, report, steady_rate

REDIS_URL = "redis://127.0.0.1:6379/13"
"""Database 13: the benchmark's own (the tests use 14 and 15)."""
COUNSELLORS_CHAT = -1001
REQUEST_TIMEOUT_SECONDS = 120.0


@dataclass
class Running:
    """The topology while it runs: engines and action server, and the gateway in front of them."""

    scaled: ScaledStack
    gateway: Process
    url: str

    def processes(self) -> dict[str, Process]:
        named = {"actions": self.scaled.actions, "gateway": self.gateway}
        named.update({p.name: p for p in self.scaled.engines})
        return named


def identity(seed: str) -> tuple[random.Random, str, str]:
    """The same person in every run of the same seed: their choices, language and chat id."""
    rng = random.Random(seed)
    language = rng.choice(VISIT[2])
    return rng, language, str(uuid.UUID(int=rng.getrandbits(128), version=4))


class Chats:
    """Where the people of one phase chat, and what they measured (``devtools.people.Chats``)."""

    def __init__(self, url: str, client: httpx.AsyncClient, seed: str, think: float, events: bool) -> None:
        self.url, self.client, self.events = url, client, events
        self.rng = random.Random(seed)
        self.tally = TimedTally(time.monotonic)
        self.think_seconds = think
        self.confirmed = self.erased = 0
        self.first_done = float("inf")
        """When the first place finished its conversations (``time.monotonic``)."""

    def think(self) -> float:
        return self.think_seconds

    def person(self, seed: str) -> Person:
        rng, language, session = identity(seed)
        return Person(self, language, rng=rng, session=session)

    async def visit(self, person: Person) -> None:
        """One conversation of ``person``, from the chat page's greeting to "delete my data"."""
        self.tally.started[VISIT[0]] += 1
        try:
            await person.say("/start", SMALL_TALK)  # the chat page's silent greeting
            await VISIT[1](person)
            self.tally.finished[VISIT[0]] += 1
        except Abandoned:
            self.tally.abandoned[VISIT[0]] += 1
        finally:
            person.stop_listening()
            self.confirmed += person.confirmed
            self.erased += person.erased

    async def someone(self, seed: str, conversations: int) -> None:
        """One place: ``conversations`` conversations one after another, each as a new person."""
        for number in range(conversations):
            await self.visit(self.person(f"{seed}:{number}"))
        self.first_done = min(self.first_done, time.monotonic())


def cpu_now(running: Running) -> dict[str, dict[int, float]]:
    """CPU seconds so far: each of our processes, PostgreSQL's and Redis' processes, this script (the
    load driver), the machine — by pid, so that a process started in between counts from its start."""
    found: dict[str, dict[int, float]] = {}
    for name, process in running.processes().items():
        used = cpu_seconds(process)
        if used is not None:
            found[name] = {process.popen.pid: used}
    found["postgres"] = cpu_by_pid("postgres")
    found["redis"] = cpu_by_pid("redis-server")
    me = psutil.Process()
    found["load driver"] = {me.pid: sum(me.cpu_times()[:2])}
    busy, steal = machine_cpu_seconds()
    found[MACHINE], found[STEAL] = {0: busy}, {0: steal}
    return found


def cpu_between(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
    return {
        name: sum(seconds - before.get(name, {}).get(pid, 0.0) for pid, seconds in pids.items())
        for name, pids in after.items()
    }


async def phase(running: Running, args: argparse.Namespace, name: str, senders: int) -> Phase:
    """``senders`` places at once, each ``--conversations`` conversations; timed and CPU-counted."""
    limits = httpx.Limits(max_connections=2 * senders + 10, max_keepalive_connections=2 * senders + 10)
    async with httpx.AsyncClient(timeout=httpx.Timeout(REQUEST_TIMEOUT_SECONDS), limits=limits) as client:
        chats = Chats(running.url, client, f"{args.seed}:{name}", args.think, not args.no_events)
        before = cpu_now(running)
        started = time.monotonic()
        await asyncio.gather(*(chats.someone(f"{args.seed}:{name}:{i}", args.conversations) for i in range(senders)))
        ended = time.monotonic()
        used = cpu_between(before, cpu_now(running))
    print(
        f"  {name}: {chats.tally.turns} turns in {ended - started:.1f} s; leads confirmed {chats.confirmed},"
        f" erased {chats.erased} of {chats.tally.conversations} conversations",
        flush=True,
    )
    return Phase(
        senders=senders,
        seconds=ended - started,
        tally=chats.tally,
        cpu_seconds=used,
        steady_turns_per_second=steady_rate(chats.tally.answered_at, started, min(chats.first_done, ended)),
    )


async def warm_up(running: Running, args: argparse.Namespace) -> None:
    """One conversation on each engine (a fresh engine's first turns are slow), not measured."""
    router = EngineRouter(running.scaled.engine_urls)
    async with httpx.AsyncClient(timeout=httpx.Timeout(REQUEST_TIMEOUT_SECONDS)) as client:
        chats = Chats(running.url, client, "warm-up", 0.0, False)
        waiting = set(running.scaled.engine_urls)
        number = 0
        while waiting:
            person = chats.person(f"warm-up:{number}")
            number += 1
            home = router.order(person.sender)[0]
            if home in waiting:
                waiting.discard(home)
                await chats.visit(person)


def spread(running: Running, args: argparse.Namespace) -> list[int]:
    """How many of the people at once have each engine as their home (first conversations)."""
    router = EngineRouter(running.scaled.engine_urls)
    counts = dict.fromkeys(running.scaled.engine_urls, 0)
    for i in range(args.senders):
        session = identity(f"{args.seed}:together:{i}:0")[2]
        counts[router.order(f"web:{session}")[0]] += 1
    return list(counts.values())


def start_gateway(scaled: ScaledStack, folder: Path, telegram: FakeTelegram) -> Running:
    port = free_port()
    env = {
        **os.environ,
        "LOTSE_VAR_DIR": str(folder),
        "LOTSE_ENGINE_URLS": ",".join(scaled.engine_urls),
        "LOTSE_ENGINE_TOKEN": scaled.token,
        "LOTSE_DATABASE_URL": scaled.database_url,
        "LOTSE_REDIS_URL": scaled.redis_url,
        "LOTSE_BOT_HOST": "127.0.0.1",
        "LOTSE_BOT_PORT": str(port),
        "LOTSE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "LOTSE_RATE_LIMIT_BURST": "1000",  # people without pauses type faster than the limit allows
        "LOTSE_RATE_LIMIT_PER_MINUTE": "100000",
        "LOTSE_TELEGRAM_TOKEN": "1:SCALE",
        "LOTSE_TELEGRAM_API_BASE": telegram.base_url,
        "LOTSE_COUNSELLOR_CHAT_ID": str(COUNSELLORS_CHAT),
    }
    gateway = start("gateway", bot_command(), env, folder)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(f"{url}/chat", [gateway], 120)
    except Exception:
        gateway.stop()
        raise
    return Running(scaled, gateway, url)


def measure(engines: int, args: argparse.Namespace, folder: Path) -> Topology:
    """Start ``engines`` engines, one action server and one gateway on a fresh database; drive them."""
    store = redis.Redis.from_url(args.redis)
    store.flushdb()
    telegram = FakeTelegram().start()
    try:
        with fresh_postgres("lotse_scale", args.postgres) as database_url:
            print(f"{engines} engine(s): starting on {database_url.rsplit('/', 1)[-1]} …", flush=True)
            scaled = start_scaled(folder, database_url, args.redis, engines=engines, model=args.model)
            running: Running | None = None
            try:
                running = start_gateway(scaled, folder, telegram)
                asyncio.run(warm_up(running, args))
                alone = asyncio.run(phase(running, args, "alone", 1))
                together = asyncio.run(phase(running, args, "together", args.senders))
                memory = {name: rss_mb(process) for name, process in running.processes().items()}
                return Topology(
                    engines=engines,
                    action_servers=1,
                    cold_start_seconds=scaled.cold_start_seconds,
                    alone=alone,
                    together=together,
                    rss_mb=memory,
                    senders_per_engine=spread(running, args),
                )
            finally:
                if running is not None:
                    running.gateway.stop()
                scaled.stop()
    finally:
        telegram.stop()
        store.flushdb()
        store.close()


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="1,2", help="the numbers of engines to measure, in order (1,2)")
    parser.add_argument("--senders", type=int, default=20, help="people at once")
    parser.add_argument("--conversations", type=int, default=2, help="conversations of each of them, in a row")
    parser.add_argument("--think", type=float, default=0.0, help="seconds a person takes per message")
    parser.add_argument("--no-events", action="store_true", help="do not keep the chats' event streams open")
    parser.add_argument("--model", type=Path, default=DEMO_MODEL)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--redis", default=REDIS_URL, help="a Redis database of its own: flushed before and after")
    parser.add_argument("--postgres", default=POSTGRES_ADMIN, help="where to create (and drop) a fresh database")
    return parser.parse_args()


def main() -> int:
    args = arguments()
    counts = [int(n) for n in args.engines.split(",")]
    topologies: list[Topology] = []
    load = os.getloadavg()[0]
    began = time.monotonic()
    for engines in counts:
        folder = Path(tempfile.mkdtemp(prefix=f"lotse-scale-{engines}-"))
        try:
            topologies.append(measure(engines, args, folder))
        except BaseException:
            print(f"logs kept in {folder}", flush=True)
            raise
        shutil.rmtree(folder, ignore_errors=True)
    print()
    print(
        f"Scale: {args.senders} people at once × {args.conversations} conversations (and one person alone),"
        f" think {args.think:g} s, through the gateway; {os.cpu_count()} CPUs; load average {load:.1f} →"
        f" {os.getloadavg()[0]:.1f}; {time.monotonic() - began:.0f} s in all"
    )
    print("\n".join(report(topologies, KINDS, os.cpu_count() or 0)))
    # an honest error (the gateway's "can't be reached, try again" after its engine timeout) is a figure
    # of a busy machine, reported above; a dishonest answer or a person who gave up fails the run
    tallies = [tally for t in topologies for tally in (t.alone.tally, t.together.tally)]
    failed = any(tally.dishonest or sum(tally.abandoned.values()) for tally in tallies)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
