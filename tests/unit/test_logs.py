"""``LOTSE_LOG_FORMAT=json``: one JSON object a line for our events, libraries' logs and
tracebacks alike; the console format stays the default. Each case runs in a fresh interpreter
(logging's configuration is process-wide)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bot.logs import configure_logging
from bot.settings import PROJECT_ROOT, Settings

SCRIPT = """
import logging, structlog
from bot.logs import configure_logging
configure_logging("INFO", {fmt!r})
structlog.get_logger("bot.engine").info("engine.reply", channel="web", messages=2)
logging.getLogger("uvicorn.error").warning("library says %s", "hello")
try:
    raise RuntimeError("boom")
except RuntimeError:
    structlog.get_logger("bot.web").exception("gateway.unhandled", path="/api/chat")
"""


def _run(fmt: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(fmt=fmt)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [line for line in result.stderr.splitlines() if line.strip()]


def test_json_lines_for_our_events_the_libraries_and_tracebacks() -> None:
    lines = [json.loads(line) for line in _run("json")]
    ours, library, failure = lines
    assert ours["event"] == "engine.reply" and ours["messages"] == 2 and ours["channel"] == "web"
    assert ours["level"] == "info" and ours["logger"] == "bot.engine" and ours["timestamp"].endswith("Z")
    assert library["event"] == "library says hello" and library["level"] == "warning"
    assert failure["event"] == "gateway.unhandled" and failure["level"] == "error"
    assert failure["exception"][0]["exc_type"] == "RuntimeError"


def test_the_console_format_stays_the_default() -> None:
    lines = _run("console")
    assert "engine.reply" in lines[0] and "messages=2" in lines[0]
    with pytest.raises(json.JSONDecodeError):
        json.loads(lines[0])
    assert Settings.model_fields["log_format"].default == "console"


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError):
        configure_logging("INFO", "xml")
    with pytest.raises(ValueError):
        Settings(log_format="xml")
