"""``make soak``: many people in the web chat at once, for minutes, against the real stack on PostgreSQL.

Starts engine, action server and gateway as ``make bench`` does (``bot.starter``; the gateway as its
own process, ``python -m bot.web``) on a fresh PostgreSQL database, with the notifier delivering
lead cards to a fake Telegram Bot API on localhost. Then ``--conversations`` simulated people
(``LOTSE_SOAK_CONVERSATIONS``, default 200) talk through ``POST /api/chat`` for ``--minutes``
(``LOTSE_SOAK_MINUTES``, default 10), each keeping the chat's event stream open like the chat page,
one conversation after another, doing what people do:

- ``questions``: ask about routes (German, English, Ukrainian), tap an aspect button, follow up;
- ``check``: the whole check, typed answers and buttons (German);
- ``check_and_lead``: the check, then consent and the contact form → a lead;
- ``lead_and_delete``: consent and contact → a lead, "what do you know about me", "delete my data".

A person retries like the chat page (``bot/web/static/chat.js``): on a 5xx or no answer the message
is sent again, waiting 2, 4 … 30 s, and given up after a few minutes; a 429 waits ``Retry-After``.

It prints errors (goal 0), turns per second, latency p50/p95/p99, each process's memory after the
warm-up and at the end, the database's growth per 1,000 conversations, the outbox backlog, and the
leads: stored against the people told so, none lost, none twice, none left after an erasure
(``devtools/soak.py``), and how much CPU each process used per turn. ``--restarts`` kills the engine
once (SIGKILL) a third into the run and starts it again, and restarts the gateway (SIGTERM) at two
thirds; ``--restart-postgres`` restarts the local PostgreSQL server halfway (``pg_ctlcluster``, as root).

Localhost only; bounded: it stops starting conversations after ``--minutes`` and cuts off the rest
three minutes later. The database is dropped at the end (``--keep-database`` keeps it).

Usage: ``python bench/soak.py [--conversations 200] [--minutes 10] [--restarts] [--restart-postgres]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.database import make_engine
from bot.leads.outbox import LEAD_CARD
from bot.stack import bot_command
from bot.starter import DEMO_MODEL, Process, Stack, free_port, start, start_stack, wait_until
from devtools.databases import POSTGRES_ADMIN as SERVER_ADMIN
from devtools.databases import create_database, drop_database
from devtools.fake_telegram import FakeTelegram
from devtools.people import RETRY_MAX_SECONDS, SCENARIOS, SMALL_TALK, Abandoned, Person, Scenario
from devtools.processes import cpu_seconds, rss_mb
from devtools.soak import LeadCheck, Restart, SoakFigures, Tally, lead_of_card, reconcile, report

POSTGRES_ADMIN = os.environ.get("LOTSE_SOAK_POSTGRES", SERVER_ADMIN)
"""A PostgreSQL database the soak may create and drop databases from (the server on localhost)."""
COUNSELLORS_CHAT = -1001
REQUEST_TIMEOUT_SECONDS = 90.0
GRACE_SECONDS = 180.0
"""After ``--minutes``: how long running conversations may still finish."""
DRAIN_SECONDS = 60.0
"""How long the notifier gets to deliver what is pending once the people stop."""


class Soak:
    """The stack, the people and what they measured."""

    def __init__(
        self,
        args: argparse.Namespace,
        stack: Stack,
        gateway: Process,
        gateway_env: dict[str, str],
        telegram: FakeTelegram,
        database_url: str,
    ) -> None:
        self.args, self.stack, self.telegram = args, stack, telegram
        self.gateway, self.gateway_env = gateway, gateway_env
        self.url = f"http://127.0.0.1:{gateway_env['LOTSE_BOT_PORT']}"
        self.database = make_engine(database_url)
        self.rng = random.Random(args.seed)
        self.tally = Tally()
        self.events = not args.no_events
        self.confirmed: set[str] = set()
        self.erased: set[str] = set()
        self.senders: set[str] = set()
        self.restarts: list[Restart] = []
        self.peak: Counter[str] = Counter()
        self.cpu_seen: dict[tuple[str, int], float] = {}
        """(process name, pid) → its CPU seconds when last looked at (a restarted process has a new pid)."""
        limits = httpx.Limits(max_connections=2 * args.conversations + 10, max_keepalive_connections=args.conversations)
        self.client = httpx.AsyncClient(timeout=httpx.Timeout(REQUEST_TIMEOUT_SECONDS), limits=limits)

    def think(self) -> float:
        """Seconds a person reads and types before the next message."""
        return self.rng.uniform(self.args.think_min, self.args.think_max)

    def processes(self) -> dict[str, Process]:
        return {**{p.name: p for p in self.stack.processes}, "gateway": self.gateway}

    def memory(self) -> dict[str, float]:
        """Each process's RSS now (its peak and CPU time are noted on the way)."""
        found = {name: rss_mb(process) for name, process in self.processes().items()}
        for name, mb in found.items():
            if mb == mb:
                self.peak[name] = max(self.peak[name], mb)
        for name, process in self.processes().items():
            used = cpu_seconds(process)
            if used is not None:
                self.cpu_seen[(name, process.popen.pid)] = used
        return found

    def cpu_since(self, start: dict[tuple[str, int], float]) -> dict[str, float]:
        """CPU seconds per process since ``start`` (a process started since counts from its start)."""
        used: Counter[str] = Counter()
        for (name, pid), seconds in self.cpu_seen.items():
            used[name] += seconds - start.get((name, pid), 0.0)
        return dict(used)

    def database_bytes(self) -> int:
        with self.database.connect() as connection:
            return int(connection.scalar(text("SELECT pg_database_size(current_database())")) or 0)

    def backlog(self) -> int:
        with self.database.connect() as connection:
            return int(connection.scalar(text("SELECT count(*) FROM outbox_message WHERE status = 'pending'")) or 0)

    async def converse(self, scenario: tuple[str, Scenario, list[str], int]) -> None:
        """One person, one conversation, from the chat page's greeting to their last message."""
        name, act, languages, _ = scenario
        person = Person(self, self.rng.choice(languages))
        self.senders.add(person.sender)
        self.tally.started[name] += 1
        try:
            await person.say("/start", SMALL_TALK)  # the chat page's silent greeting
            await act(person)
            self.tally.finished[name] += 1
        except Abandoned:
            self.tally.abandoned[name] += 1
        except asyncio.CancelledError:
            self.tally.cut += 1
            raise
        finally:
            person.stop_listening()
            if person.confirmed:
                self.confirmed.add(person.sender)
            if person.erased:
                self.erased.add(person.sender)

    def pick(self) -> tuple[str, Scenario, list[str], int]:
        return self.rng.choices(SCENARIOS, weights=[s[3] for s in SCENARIOS])[0]

    async def someone(self, deadline: float) -> None:
        """One of the ``--conversations`` places: people come, one after another, until the deadline."""
        await asyncio.sleep(self.rng.uniform(0, self.args.think_max * 2))  # not all at the same second
        while time.monotonic() < deadline:
            await self.converse(self.pick())

    async def warm_up(self) -> None:
        """Each scenario once, one after another (in the figures as conversations, not as load)."""
        for scenario in SCENARIOS:
            await self.converse(scenario)

    async def restart_processes(self, started: float, seconds: float) -> None:
        """Kill the engine a third into the run and start it again; restart the gateway at two thirds
        (at least ``RETRY_MAX_SECONDS`` after the engine answers again)."""
        await asyncio.sleep(seconds / 3)
        at = time.monotonic() - started
        self.stack.kill_engine()
        down = await asyncio.to_thread(self.stack.start_engine)
        self.restarts.append(Restart("engine", "SIGKILL, started again", at, down))
        # two thirds in, and not before people are back from waiting out the engine (their retries
        # back off up to 30 s): a restart while everybody waits would find nobody knocking
        await asyncio.sleep(max(started + 2 * seconds / 3 - time.monotonic(), RETRY_MAX_SECONDS))
        at = time.monotonic() - started
        began = time.monotonic()
        self.gateway.stop()
        assert self.stack.folder is not None
        self.gateway = start("gateway-restarted", bot_command(), self.gateway_env, self.stack.folder)
        await asyncio.to_thread(wait_until, f"{self.url}/chat", [self.gateway], 120)
        self.restarts.append(Restart("gateway", "SIGTERM, started again", at, time.monotonic() - began))

    async def restart_postgres(self, started: float, seconds: float) -> None:
        """Restart the PostgreSQL server halfway through (``pg_ctlcluster … restart``: every
        connection of engine, actions and gateway is cut); down until it accepts connections."""
        await asyncio.sleep(seconds / 2)
        clusters = sorted(Path("/etc/postgresql").glob("*/main"))
        if not clusters or shutil.which("pg_ctlcluster") is None:
            print("  (no pg_ctlcluster here: PostgreSQL not restarted)", flush=True)
            return
        version = clusters[-1].parent.name
        at = time.monotonic() - started
        began = time.monotonic()
        command = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart", "--mode", "fast"]
        await asyncio.to_thread(subprocess.run, command, check=True, capture_output=True)
        self.restarts.append(Restart("postgresql", "pg_ctlcluster restart (fast)", at, time.monotonic() - began))

    async def run(self) -> SoakFigures:
        await self.warm_up()
        memory_start = self.memory()
        cpu_start = dict(self.cpu_seen)
        database_start = self.database_bytes()
        self.tally = Tally()  # the warm-up's leads count in the lead checks, not in these figures
        seconds = self.args.minutes * 60
        load_start = os.getloadavg()[0]
        started = time.monotonic()
        deadline = started + seconds
        people = [asyncio.create_task(self.someone(deadline)) for _ in range(self.args.conversations)]
        restarts = asyncio.create_task(self.restart_processes(started, seconds)) if self.args.restarts else None
        postgres = asyncio.create_task(self.restart_postgres(started, seconds)) if self.args.restart_postgres else None
        sampler = asyncio.create_task(self.sample_memory())
        done, pending = await asyncio.wait(people, timeout=seconds + GRACE_SECONDS)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            task.result()  # a bug in the soak itself surfaces here
        if restarts is not None:
            await restarts
        if postgres is not None:
            await postgres
        elapsed = time.monotonic() - started
        load_end = os.getloadavg()[0]
        sampler.cancel()
        backlog_end = self.backlog()
        drain_until = time.monotonic() + DRAIN_SECONDS
        while self.backlog() and time.monotonic() < drain_until:
            await asyncio.sleep(1)
        return SoakFigures(
            conversations_wanted=self.args.conversations,
            minutes=self.args.minutes,
            seconds=elapsed,
            tally=self.tally,
            rss_start_mb=memory_start,
            rss_end_mb=self.memory(),
            cpu_seconds=self.cpu_since(cpu_start),
            rss_peak_mb=dict(self.peak),
            database_start_bytes=database_start,
            database_end_bytes=self.database_bytes(),
            backlog_end=backlog_end,
            backlog_drained=self.backlog(),
            leads=self.check_leads(),
            restarts=self.restarts,
            cpus=os.cpu_count() or 0,
            load=(load_start, load_end),
        )

    async def sample_memory(self) -> None:
        while True:
            await asyncio.to_thread(self.memory)
            await asyncio.sleep(10)

    def check_leads(self) -> LeadCheck:
        with self.database.connect() as connection:
            stored = {
                conversation: lead
                for conversation, lead in connection.execute(text("SELECT conversation_id, id FROM lead"))
                if conversation in self.senders
            }
            card_rows = Counter(
                {
                    lead: count
                    for lead, count in connection.execute(
                        text("SELECT lead_id, count(*) FROM outbox_message WHERE kind = :kind GROUP BY lead_id"),
                        {"kind": LEAD_CARD},
                    )
                }
            )
        cards_sent: Counter[str] = Counter()
        for call in self.telegram.called("sendMessage"):
            lead = lead_of_card(str(call.params.get("text", "")))
            if lead is not None and int(call.params.get("chat_id", 0)) == COUNSELLORS_CHAT:
                cards_sent[lead] += 1
        return reconcile(self.confirmed, self.erased, stored, card_rows, cards_sent)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=int(os.environ.get("LOTSE_SOAK_CONVERSATIONS", 200)))
    parser.add_argument("--minutes", type=float, default=float(os.environ.get("LOTSE_SOAK_MINUTES", 10)))
    parser.add_argument("--restarts", action="store_true", help="kill and restart the engine, restart the gateway")
    parser.add_argument(
        "--restart-postgres", action="store_true", help="restart the PostgreSQL server halfway (local, as root)"
    )
    parser.add_argument("--think-min", type=float, default=2.0, help="seconds a person takes at least per message")
    parser.add_argument("--think-max", type=float, default=8.0, help="… and at most")
    parser.add_argument("--no-events", action="store_true", help="do not keep the chats' event streams open")
    parser.add_argument("--model", type=Path, default=DEMO_MODEL)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--keep-database", action="store_true", help="do not drop the soak's database")
    return parser.parse_args()


async def soak(args: argparse.Namespace, folder: Path, database_url: str) -> SoakFigures:
    telegram = FakeTelegram().start()
    print(f"starting engine and actions on {database_url.rsplit('/', 1)[-1]} …", flush=True)
    stack = start_stack(folder / "stack", model=args.model, database_url=database_url)
    port = free_port()
    env = {
        **stack.env,
        "LOTSE_BOT_HOST": "127.0.0.1",
        "LOTSE_BOT_PORT": str(port),
        "LOTSE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "LOTSE_TELEGRAM_TOKEN": "1:SOAK",
        "LOTSE_TELEGRAM_API_BASE": telegram.base_url,
        "LOTSE_COUNSELLOR_CHAT_ID": str(COUNSELLORS_CHAT),
    }
    gateway = start("gateway", bot_command(), env, folder / "stack")
    runner: Soak | None = None
    try:
        wait_until(f"http://127.0.0.1:{port}/chat", [gateway], 120)
        runner = Soak(args, stack, gateway, env, telegram, database_url)
        restarting = " with restarts" if args.restarts or args.restart_postgres else ""
        print(f"{args.conversations} people for {args.minutes:g} min{restarting} …", flush=True)
        return await runner.run()
    finally:
        if runner is not None:
            await runner.client.aclose()
            runner.database.dispose()
            runner.gateway.stop()
        else:
            gateway.stop()
        stack.stop()
        telegram.stop()
        for log in sorted((folder / "stack").glob("*.log")):
            errors = [line for line in log.read_text(errors="replace").splitlines() if "Traceback" in line]
            if errors:
                print(f"{log.name}: {len(errors)} tracebacks (kept in {log})", flush=True)


def main() -> int:
    args = arguments()
    restarting = args.restarts or args.restart_postgres
    folder = Path(tempfile.mkdtemp(prefix="lotse-soak-"))
    name, database_url = create_database("lotse_soak", POSTGRES_ADMIN)
    keep = False
    try:
        figures = asyncio.run(soak(args, folder, database_url))
        print()
        print("\n".join(report(figures)))
        failed = figures.tally.dishonest or not figures.leads.ok or (figures.tally.errors and not restarting)
        keep = bool(failed)
        return 1 if failed else 0
    finally:
        if args.keep_database:
            print(f"database kept: {name}")
        else:
            drop_database(name, POSTGRES_ADMIN)
        if keep:
            print(f"logs kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
