"""What every action unit test needs: the actions as the action server registers them, a tracker
as the engine sends it, and a migrated SQLite database of its own.

The actions are looked up by name in rasa-sdk's own registry (``ActionExecutor.register_package``,
as ``actions/server.py`` does), never imported by module path: where an action lives may change,
its name is the contract with the engine. No engine, no action server, no network.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher
from sqlalchemy.orm import sessionmaker

from bot.database import make_engine, make_sessions
from bot.migrations import upgrade
from bot.settings import get_settings

ROOT = Path(__file__).resolve().parents[3]
DOMAIN_FILE = ROOT / "nlu" / "domain.yml"


@lru_cache(maxsize=1)
def domain() -> dict[str, Any]:
    """The Rasa domain, as the engine sends it to the action server."""
    loaded: dict[str, Any] = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))
    return loaded


@lru_cache(maxsize=1)
def executor() -> ActionExecutor:
    """rasa-sdk's executor with every action of the ``actions`` package, as the server builds it."""
    built = ActionExecutor()
    built.register_package("actions")
    return built


def tracker(
    text: str = "",
    intent: str | None = None,
    confidence: float = 0.98,
    *,
    language: str | None = "de",
    sender: str = "web:unit",
    kind: str = "text",
    entities: dict[str, Any] | None = None,
    slots: dict[str, Any] | None = None,
    candidates: dict[str, Any] | None = None,
    ranking: list[tuple[str, float]] | None = None,
    active_loop: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> Tracker:
    """A tracker as the engine sends it after one user message.

    ``language`` is what the channel sent (and what the slot already holds, unless ``slots`` says
    otherwise; ``None``: nothing). ``kind`` is the gateway's ``metadata.input`` (``text``,
    ``button``, ``command``). ``candidates`` are the slot values a form extracted from this
    message: the last events, the ones a ``FormValidationAction`` validates.
    """
    intent = intent or "inform"
    ranking = ranking or [(intent, confidence)]
    sent: dict[str, Any] = {"channel": "web" if sender.startswith("web:") else "telegram", "input": kind}
    if language is not None:
        sent["language"] = language
    sent.update(metadata or {})
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": name, "confidence": value} for name, value in ranking],
        "entities": [{"entity": name, "value": value} for name, value in (entities or {}).items()],
        "metadata": sent,
    }
    all_slots: dict[str, Any] = {"language": language, "channel_language": language}
    all_slots.update(slots or {})
    all_slots.update(candidates or {})
    events: list[dict[str, Any]] = [
        {"event": "user", "text": text, "parse_data": message, "metadata": sent},
        *({"event": "slot", "name": name, "value": value} for name, value in (candidates or {}).items()),
    ]
    return Tracker.from_dict(
        {
            "sender_id": sender,
            "paused": False,
            "followup_action": None,
            "events": events,
            "latest_action_name": "action_listen",
            "latest_event_time": None,
            "active_loop": {"name": active_loop} if active_loop else {},
            "slots": all_slots,
            "latest_message": message,
        }
    )


@dataclass
class Turn:
    """What an action did: the messages the person sees and the events it returned."""

    messages: list[dict[str, Any]]
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        """Every text message, in order."""
        return [m["text"] for m in self.messages if m.get("text")]

    @property
    def text(self) -> str:
        """All texts as one."""
        return "\n".join(self.texts)

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """Every button of every message."""
        return [b for m in self.messages for b in m.get("buttons") or []]

    @property
    def payloads(self) -> list[str]:
        """Every button's payload."""
        return [b["payload"] for b in self.buttons]

    @property
    def titles(self) -> list[str]:
        """Every button's title."""
        return [b["title"] for b in self.buttons]

    @property
    def responses(self) -> list[str]:
        """The ``utter_*`` responses the action asked the NLG endpoint for."""
        return [m["response"] for m in self.messages if m.get("response")]

    @property
    def custom(self) -> list[dict[str, Any]]:
        """Custom (JSON) messages for the gateway."""
        return [m["custom"] for m in self.messages if m.get("custom")]

    @property
    def slots(self) -> dict[str, Any]:
        """The slots the events set (the last value wins)."""
        return {e["name"]: e["value"] for e in self.events if e.get("event") == "slot"}

    @property
    def kinds(self) -> list[str]:
        """The kinds of the events (``slot``, ``followup``, ``restart``, ``reset_slots`` …)."""
        return [e["event"] for e in self.events]

    def followup(self) -> str | None:
        """The action the events make the engine run next, if any."""
        return next((e["name"] for e in self.events if e.get("event") == "followup"), None)


def run(name: str, current: Tracker) -> Turn:
    """Run the action registered as ``name``, as the action server would, on ``current``."""
    action = executor().actions[name]
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action(dispatcher, current, domain()))
    return Turn(dispatcher.messages, list(events or []))


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def migrated_schema(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the newest revision once; each test gets a copy (milliseconds)."""
    path = tmp_path_factory.mktemp("schema") / "lotse.db"
    upgrade(sqlite_url(path))
    return path


def use_database(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point this process's settings (``LOTSE_DATABASE_URL``) at ``url``."""
    monkeypatch.setenv("LOTSE_DATABASE_URL", url)
    get_settings.cache_clear()


@pytest.fixture
def db(migrated_schema: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[sessionmaker]:
    """A fresh migrated database for this test, the one the actions use; sessions to look into it."""
    path = tmp_path / "lotse.db"
    shutil.copyfile(migrated_schema, path)
    use_database(sqlite_url(path), monkeypatch)
    engine = make_engine(sqlite_url(path))
    yield make_sessions(engine)
    engine.dispose()
    get_settings.cache_clear()


@pytest.fixture
def broken_db() -> None:
    """A database the actions cannot use: a SQLite file without any of our tables (what every test
    has unless it asks for ``db``; named for tests that are about that)."""


@pytest.fixture(autouse=True)
def _no_shared_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test ever reaches the checkout's own database (``var/``): each starts on an empty SQLite
    file of its own, and settings read for one test are not seen by the next one."""
    use_database(sqlite_url(tmp_path / "empty.db"), monkeypatch)
    yield
    get_settings.cache_clear()
