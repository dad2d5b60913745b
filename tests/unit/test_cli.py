"""The command line: the engine refuses to start without its database (Rasa would silently fall
back to keeping conversations in memory); counsellor accounts."""

from __future__ import annotations

import subprocess
import sys

from bot.settings import PROJECT_ROOT


def _cli(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=PROJECT_ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_engine_does_not_start_without_its_database(tmp_path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "LOTSE_VAR_DIR": str(tmp_path),
        "LOTSE_DATABASE_URL": "postgresql+psycopg://root@127.0.0.1:1/nothing?connect_timeout=1",
    }
    result = _cli("engine", env=env)
    assert result.returncode == 1
    assert "database is not reachable" in result.stderr


def test_counsellor_accounts_need_a_long_password(tmp_path) -> None:
    env = {"PATH": "/usr/bin:/bin", "LOTSE_VAR_DIR": str(tmp_path)}
    assert _cli("db-upgrade", env=env).returncode == 0
    weak = _cli("counsellor-add", "anna", "--name", "Anna", "--password-stdin", env=env, stdin="short\n")
    assert weak.returncode == 1 and "too short" in weak.stderr
    ok = _cli("counsellor-add", "anna", "--name", "Anna", "--password-stdin", env=env, stdin="long enough password\n")
    assert ok.returncode == 0
    admin = _cli(
        "counsellor-add",
        "anna",
        "--name",
        "Anna",
        "--role",
        "admin",
        "--password-stdin",
        env=env,
        stdin="long enough password\n",
    )
    assert admin.returncode == 0
    root = _cli("counsellor-add", "anna", "--name", "Anna", "--role", "root", "--password-stdin", env=env, stdin="x\n")
    assert root.returncode == 2 and "invalid choice" in root.stderr
    totp = _cli(
        "counsellor-add",
        "anna",
        "--name",
        "Anna",
        "--totp",
        "--password-stdin",
        env=env,
        stdin="long enough password\n",
    )
    assert totp.returncode == 0 and "otpauth://totp/Lotse:anna?secret=" in totp.stdout


def test_demo_scale_refuses_sqlite_and_a_missing_redis(tmp_path) -> None:
    env = {"PATH": "/usr/bin:/bin", "LOTSE_VAR_DIR": str(tmp_path)}
    sqlite = _cli("scale-procfile", env=env)
    assert sqlite.returncode == 1 and "PostgreSQL" in sqlite.stderr and not sqlite.stdout
    postgres = {**env, "LOTSE_DATABASE_URL": "postgresql+psycopg://root@127.0.0.1:5432/test"}
    no_redis = _cli("scale-procfile", env=postgres)
    assert no_redis.returncode == 1 and "LOTSE_REDIS_URL" in no_redis.stderr
    closed = _cli("scale-procfile", env={**postgres, "LOTSE_REDIS_URL": "redis://127.0.0.1:1/0"})
    assert closed.returncode == 1 and "Redis is not reachable" in closed.stderr


def test_the_engine_does_not_start_without_its_redis(tmp_path) -> None:
    env = {"PATH": "/usr/bin:/bin", "LOTSE_VAR_DIR": str(tmp_path), "LOTSE_REDIS_URL": "redis://127.0.0.1:1/0"}
    result = _cli("engine", env=env)
    assert result.returncode == 1 and "Redis is not reachable" in result.stderr
