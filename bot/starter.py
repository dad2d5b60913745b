"""Start the real engine and action server on free ports, for tests, the evaluation and the benchmark.

The commands are the ones ``make demo`` runs (``bot.stack``); only ports, data folder and
token differ, so a running demo does not get in the way.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from bot.migrations import upgrade
from bot.settings import PROJECT_ROOT, Settings
from bot.stack import ENGINE_ENV, RASA, actions_command, engine_command

DEMO_MODEL = PROJECT_ROOT / "var" / "models" / "lotse.tar.gz"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Process:
    """A child process with its log file."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def log_text(self) -> str:
        """Everything the process printed so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 20 s."""
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def start(name: str, command: list[str], env: dict[str, str], folder: Path, cwd: Path = PROJECT_ROOT) -> Process:
    """Start ``command`` in ``cwd`` with stdout and stderr in ``folder/<name>.log``."""
    log = folder / f"{name}.log"
    handle = log.open("wb")
    popen = subprocess.Popen(command, env=env, stdout=handle, stderr=subprocess.STDOUT, cwd=cwd)
    return Process(name, popen, log)


def wait_until(url: str, processes: list[Process], timeout: float) -> float:
    """Seconds until ``url`` answers 200; fails with the logs if a process dies first."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        for process in processes:
            if process.popen.poll() is not None:
                raise RuntimeError(
                    f"{process.name} exited with {process.popen.returncode}:\n" + process.log_text()[-4000:]
                )
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


@dataclass
class Stack:
    """A running engine + action server."""

    settings: Settings
    token: str
    processes: list[Process] = field(default_factory=list)
    cold_start_seconds: float = 0.0
    env: dict[str, str] = field(default_factory=dict)
    folder: Path | None = None
    model: Path = DEMO_MODEL

    def stop_actions(self) -> None:
        """Stop the action server (a fault: the engine then drops the events of our actions)."""
        for process in self.processes:
            if process.name == "actions":
                process.stop()

    def start_actions(self) -> None:
        """Start the action server again on its port and wait until it answers."""
        assert self.folder is not None
        self.processes = [p for p in self.processes if p.name != "actions"]
        actions = start("actions", [sys.executable, *actions_command()[1:]], self.env, self.folder)
        self.processes.insert(0, actions)
        wait_until(f"http://127.0.0.1:{self.settings.actions_port}/health", [actions], 60)

    def kill_engine(self) -> None:
        """Kill the engine at once (SIGKILL, a crash: no graceful shutdown, nothing flushed)."""
        for process in self.processes:
            if process.name == "engine" and process.popen.poll() is None:
                process.popen.kill()
                process.popen.wait()

    def start_engine(self, timeout: float = 300) -> float:
        """Start the engine again (same port, model and database); seconds until it answers."""
        assert self.folder is not None
        self.processes = [p for p in self.processes if p.name != "engine"]
        log = self.folder / "engine.log"
        if log.is_file():  # keep what the engine said before
            log.rename(self.folder / f"engine.{time.strftime('%H%M%S')}.log")
        started = time.monotonic()
        engine = start("engine", engine_command(self.settings, model=self.model), self.env, self.folder)
        self.processes.append(engine)
        wait_until(f"{self.settings.engine_url}/", [engine], timeout)
        return time.monotonic() - started

    @property
    def engine_url(self) -> str:
        return self.settings.engine_url

    def say(self, sender: str, text: str, language: str | None = "de") -> list[dict[str, Any]]:
        """Send one message over the REST channel, as the gateway does."""
        metadata: dict[str, Any] = {"channel": "test"}
        if language is not None:
            metadata["language"] = language
        response = httpx.post(
            f"{self.engine_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text, "metadata": metadata},
            timeout=60,
        )
        response.raise_for_status()
        return list(response.json())

    async def slots(self, sender: str) -> dict[str, Any]:
        """The conversation's slots, as the engine's HTTP API gives them to the gateway."""
        from bot.engine import Engine

        engine = Engine(self.engine_url, 30, token=self.token)
        try:
            return await engine.conversation_slots(sender)
        finally:
            await engine.aclose()

    def logs(self) -> str:
        """The logs of every process."""
        return "\n".join(p.log_text() for p in self.processes)

    def stop(self) -> None:
        """Stop every process."""
        for process in reversed(self.processes):
            process.stop()


def start_stack(folder: Path, model: Path = DEMO_MODEL, timeout: float = 300, database_url: str = "") -> Stack:
    """Start engine and actions with their data under ``folder`` and wait until both answer.

    ``database_url``: the database of both (and of Rasa's tracker store); empty: a SQLite file
    under ``folder``. It is migrated first, as ``make demo`` does."""
    if not RASA.is_file() or not model.is_file():
        raise RuntimeError("the engine environment or the model is missing: run `make setup`")
    folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(16)
    env = {
        **os.environ,
        **ENGINE_ENV,
        "LOTSE_VAR_DIR": str(folder),
        "LOTSE_ENGINE_URL": f"http://127.0.0.1:{free_port()}",
        "LOTSE_ACTIONS_PORT": str(free_port()),
        "LOTSE_ENGINE_TOKEN": token,
        "LOTSE_DATABASE_URL": database_url,
    }
    settings = Settings(
        var_dir=folder,
        engine_url=env["LOTSE_ENGINE_URL"],
        actions_port=int(env["LOTSE_ACTIONS_PORT"]),
        engine_token=SecretStr(token),
        database_url=database_url,
    )
    stack = Stack(settings=settings, token=token, env=env, folder=folder, model=model)
    upgrade(settings.effective_database_url)  # as `make demo` does (bot.cli db-upgrade)
    started = time.monotonic()
    actions = start("actions", [sys.executable, *actions_command()[1:]], env, folder)
    stack.processes.append(actions)
    engine = start("engine", engine_command(settings, model=model), env, folder)
    stack.processes.append(engine)
    try:
        wait_until(f"http://127.0.0.1:{settings.actions_port}/health", [actions], 60)
        wait_until(f"{settings.engine_url}/", [engine, actions], timeout)
    except Exception:
        stack.stop()
        raise
    stack.cold_start_seconds = time.monotonic() - started
    return stack


@dataclass
class ScaledStack:
    """Several engines sharing one PostgreSQL database and Redis, and one action server."""

    token: str
    engine_urls: list[str]
    engines: list[Process]
    actions: Process
    database_url: str
    redis_url: str
    cold_start_seconds: float = 0.0

    def engine_of(self, url: str) -> Process:
        """The process of the engine at ``url``."""
        return self.engines[self.engine_urls.index(url)]

    def logs(self) -> str:
        """The logs of every process."""
        return "\n".join(p.log_text() for p in [self.actions, *self.engines])

    def stop(self) -> None:
        """Stop every process."""
        for process in [*self.engines, self.actions]:
            process.stop()


def start_scaled(
    folder: Path, database_url: str, redis_url: str, engines: int = 2, model: Path = DEMO_MODEL, timeout: float = 420
) -> ScaledStack:
    """Start one action server and ``engines`` engines (all at once) on ``database_url`` (PostgreSQL)
    with Rasa's lock store in ``redis_url``, as ``make demo-scale`` does; wait until all answer."""
    if not RASA.is_file() or not model.is_file():
        raise RuntimeError("the engine environment or the model is missing: run `make setup`")
    folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(16)
    actions_port = free_port()
    base = {
        **os.environ,
        **ENGINE_ENV,
        "LOTSE_VAR_DIR": str(folder),
        "LOTSE_ACTIONS_PORT": str(actions_port),
        "LOTSE_ENGINE_TOKEN": token,
        "LOTSE_DATABASE_URL": database_url,
        "LOTSE_REDIS_URL": redis_url,
        # engines sharing the machine's cores compute on one thread each (nlu/engine.py), as in make demo-scale
        "LOTSE_ENGINE_THREADS": os.environ.get("LOTSE_ENGINE_THREADS", "1" if engines > 1 else "0"),
    }
    upgrade(database_url)
    started = time.monotonic()
    actions = start("actions", [sys.executable, *actions_command()[1:]], base, folder)
    urls: list[str] = []
    processes: list[Process] = []
    for index in range(engines):
        url = f"http://127.0.0.1:{free_port()}"
        settings = Settings(
            var_dir=folder,
            engine_url=url,
            actions_port=actions_port,
            engine_token=SecretStr(token),
            database_url=database_url,
            redis_url=redis_url,
        )
        env = {**base, "LOTSE_ENGINE_URL": url}
        processes.append(start(f"engine{index + 1}", engine_command(settings, model=model), env, folder))
        urls.append(url)
    scaled = ScaledStack(token, urls, processes, actions, database_url, redis_url)
    try:
        wait_until(f"http://127.0.0.1:{actions_port}/health", [actions], 60)
        for url in urls:
            wait_until(f"{url}/", [actions, *processes], timeout)
    except Exception:
        scaled.stop()
        raise
    scaled.cold_start_seconds = time.monotonic() - started
    return scaled
