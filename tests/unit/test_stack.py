"""How the engine is started: its command line survives any token."""

from __future__ import annotations

import argparse

from bot.settings import Settings
from bot.stack import engine_command, tracker_store_config


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


def test_the_engine_finds_a_postgresql_tracker_store_by_its_url() -> None:
    # Rasa 3.6 builds SQLTrackerStore(host=<endpoint url>, **<the other keys>): a "host" key made the
    # engine stop at start ("got multiple values for keyword argument 'host'"); seen by `make soak`
    config = tracker_store_config("postgresql+psycopg://lotse:secret@db.internal:5433/lotse")
    assert "host" not in config
    assert config == {
        "type": "SQL",
        "dialect": "postgresql",
        "url": "db.internal",
        "port": 5433,
        "db": "lotse",
        "username": "lotse",
        "password": "secret",
    }
