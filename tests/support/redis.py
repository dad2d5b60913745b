"""The machine's real Redis for tests (CI has one too): a database number of its own, keys unique per test."""

from __future__ import annotations

import socket

import pytest

REDIS_URL = "redis://127.0.0.1:6379/14"
"""Database 14: the shared-state tests' own (``tests/unit/test_buttons.py`` uses 15)."""


def redis_reachable(host: str = "127.0.0.1", port: int = 6379) -> bool:
    """Whether anything listens where the tests expect Redis."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


needs_redis = pytest.mark.skipif(not redis_reachable(), reason="no Redis at 127.0.0.1:6379 (start redis-server)")
