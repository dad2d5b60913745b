"""How the engine is started: its command line survives any token; its configuration (lock store
with Redis, one per engine); the processes of ``make demo-scale``."""

from __future__ import annotations

import argparse

import pytest
import yaml

from bot.settings import Settings
from bot.stack import (
    engine_command,
    engine_endpoints,
    lock_store_config,
    scale_procfile,
    tracker_store_config,
    write_engine_files,
)


def test_a_token_that_starts_with_a_dash_reaches_the_engine(tmp_path) -> None:
    # token_urlsafe() starts with "-" once in 64 times; "--auth-token -x" made rasa's argparse
    # stop with "expected one argument", so the engine never started
    settings = Settings(var_dir=tmp_path, engine_token="-Zq3_token")
    command = engine_command(settings, model=tmp_path / "model.tar.gz")
    parser = argparse.ArgumentParser()  # rasa run parses its options with argparse, too
    parser.add_argument("-t", "--auth-token")
    parser.add_argument("--model")
    known, _ = parser.parse_known_args(command[command.index("run") + 1 :])
    assert known.auth_token == "-Zq3_token"


def test_the_engine_runs_rasa_through_its_hot_path_fixes(tmp_path) -> None:
    command = engine_command(Settings(var_dir=tmp_path), model=tmp_path / "model.tar.gz")
    assert command[1:4] == ["-m", "nlu.engine", "run"]


def test_with_redis_the_engine_gets_rasas_redis_lock_store(tmp_path) -> None:
    assert "lock_store" not in engine_endpoints(Settings(var_dir=tmp_path))  # one engine: Rasa's in-memory locks
    settings = Settings(var_dir=tmp_path, redis_url="redis://:s%40cret@cache.internal:6380/2")
    assert engine_endpoints(settings)["lock_store"] == {
        "type": "redis",
        "url": "cache.internal",
        "port": 6380,
        "db": 2,
        "key_prefix": "lotse",
        "password": "s@cret",
    }
    tls = lock_store_config("rediss://lotse:pw@cache.internal")
    assert tls["port"] == 6379 and tls["db"] == 0 and tls["use_ssl"] is True and tls["username"] == "lotse"
    for wrong in ("http://cache.internal", "redis://cache.internal/x", "redis:///0"):
        with pytest.raises(ValueError):
            lock_store_config(wrong)


def test_engines_on_one_machine_get_a_configuration_each(tmp_path) -> None:
    # written at each start: two engines starting at once must not read each other's action server
    redis = "redis://127.0.0.1:6379/0"
    first = Settings(var_dir=tmp_path, engine_url="http://127.0.0.1:5005", actions_port=5055, redis_url=redis)
    second = Settings(var_dir=tmp_path, engine_url="http://127.0.0.1:5006", actions_port=5056, redis_url=redis)
    one, _ = write_engine_files(first)
    two, _ = write_engine_files(second)
    assert one != two
    assert yaml.safe_load(one.read_text())["action_endpoint"]["url"] == "http://127.0.0.1:5055/webhook"
    assert yaml.safe_load(two.read_text())["nlg"]["url"] == "http://127.0.0.1:5056/nlg"
    assert yaml.safe_load(two.read_text())["lock_store"]["type"] == "redis"
    command = engine_command(Settings(var_dir=tmp_path, engine_host="10.0.0.7"), model=tmp_path / "m.tar.gz")
    assert command[command.index("--interface") + 1] == "10.0.0.7"


def test_demo_scale_runs_n_engines_m_action_servers_and_one_gateway(tmp_path) -> None:
    procfile = scale_procfile(Settings(var_dir=tmp_path), engines=3, action_servers=2)
    lines = dict(line.split(": ", 1) for line in procfile.splitlines() if not line.startswith("#"))
    assert sorted(lines) == ["actions1", "actions2", "bot", "engine1", "engine2", "engine3"]
    assert lines["actions2"].startswith("LOTSE_ACTIONS_PORT=5056 ")
    assert lines["engine3"].startswith("LOTSE_ENGINE_URL=http://127.0.0.1:5007 LOTSE_ACTIONS_PORT=5055 ")
    assert lines["engine3"].endswith("-m bot.cli engine")  # with its database and Redis checks
    assert "LOTSE_ENGINE_THREADS=1 " in lines["engine3"]  # engines sharing the cores: one thread each
    procfile = scale_procfile(Settings(var_dir=tmp_path, engine_threads=2), engines=2, action_servers=1)
    assert "LOTSE_ENGINE_THREADS=2 " in procfile
    urls = "http://127.0.0.1:5005,http://127.0.0.1:5006,http://127.0.0.1:5007"
    assert lines["bot"] == f"LOTSE_ENGINE_URLS={urls} .venv/bin/python -m bot.web"
    for engines, servers in ((2, 3), (2, 0)):
        with pytest.raises(ValueError):
            scale_procfile(Settings(var_dir=tmp_path), engines, servers)
    with pytest.raises(ValueError):  # 51 engines from 5005 would take 5055
        scale_procfile(Settings(var_dir=tmp_path), 51, 1)


def test_the_postgresql_tracker_store_names_its_host_as_rasa_reads_it() -> None:
    # Rasa 3.6 calls SQLTrackerStore(host=<url>, **rest): a "host" key stopped the engine with
    # "got multiple values for keyword argument 'host'" (seen starting `make demo-scale`)
    config = tracker_store_config("postgresql+psycopg://lotse:pw@db.internal:5433/lotse")
    assert "host" not in config
    assert config == {
        "type": "SQL",
        "dialect": "postgresql",
        "url": "db.internal",
        "port": 5433,
        "db": "lotse",
        "username": "lotse",
        "password": "pw",
    }


def test_an_engine_limited_to_one_thread_tells_every_library_before_it_loads() -> None:
    """nlu/engine.py: ``LOTSE_ENGINE_THREADS`` sets the thread variables of the embedding's OpenMP,
    BLAS and TensorFlow; what the operator set stays; 0, nothing or nonsense leaves the defaults."""
    from nlu.engine import THREAD_VARIABLES, limit_threads

    environ = {"LOTSE_ENGINE_THREADS": "1", "OMP_NUM_THREADS": "3"}
    assert limit_threads(environ) == 1
    assert environ["OMP_NUM_THREADS"] == "3"
    assert all(environ[name] == "1" for name in THREAD_VARIABLES if name != "OMP_NUM_THREADS")
    for value in ({}, {"LOTSE_ENGINE_THREADS": "0"}, {"LOTSE_ENGINE_THREADS": "many"}):
        assert limit_threads(value) == 0
        assert not set(THREAD_VARIABLES) & set(value)
