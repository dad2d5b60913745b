"""How Lotse's three processes are started: the engine's command line and config files.

One place for ``make demo`` (through the Procfile), the integration tests and ``make bench``,
so that what is tested is what runs.
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml
from sqlalchemy.engine import make_url

from bot.settings import PROJECT_ROOT, Settings

ENGINE_VENV = PROJECT_ROOT / ".venv-engine"
RASA = ENGINE_VENV / "bin" / "rasa"
ENGINE_PYTHON = ENGINE_VENV / "bin" / "python"
DOMAIN_FILE = PROJECT_ROOT / "nlu" / "domain.yml"
CONFIG_FILE = PROJECT_ROOT / "config.yml"
TRAINING_DIR = PROJECT_ROOT / "nlu"
ENGINE_ENV = {
    "RASA_TELEMETRY_ENABLED": "false",  # no phoning home
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    # Rasa 3.6's dependencies print pages of deprecation warnings at start-up.
    "PYTHONWARNINGS": "ignore::DeprecationWarning,ignore::PendingDeprecationWarning",
}
"""Environment the engine runs with (on top of the caller's)."""


def model_path(settings: Settings) -> Path:
    """The trained model that ``make model`` writes and the engine loads."""
    return settings.var_dir / "models" / "lotse.tar.gz"


def engine_port(settings: Settings) -> int:
    """The port of ``LOTSE_ENGINE_URL``, the one the engine listens on."""
    return urlsplit(settings.engine_url).port or 5005


def tracker_store_config(database_url: str) -> dict[str, object]:
    """Rasa's ``tracker_store`` section for a SQLAlchemy URL (SQLite or PostgreSQL)."""
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not url.database:
            raise ValueError("an in-memory SQLite database cannot be shared with the engine")
        return {"type": "SQL", "dialect": "sqlite", "db": str(Path(url.database).resolve())}
    if backend == "postgresql":
        config: dict[str, object] = {
            "type": "SQL",
            "dialect": "postgresql",
            # the host is the endpoint's `url`: Rasa passes it as `host=` and the other keys as keyword
            # arguments, so a `host` key stops the engine ("got multiple values for keyword argument")
            "url": url.host or "127.0.0.1",
            "port": url.port or 5432,
            "db": url.database,
        }
        if url.username:
            config["username"] = url.username
        if url.password:
            config["password"] = url.password
        return config
    raise ValueError(f"the engine cannot keep conversations in a {backend!r} database")


LOCK_KEY_PREFIX = "lotse"
"""Rasa's lock keys in Redis start ``lotse:lock:`` (apart from the gateway's keys)."""


def lock_store_config(redis_url: str) -> dict[str, object]:
    """Rasa's ``lock_store`` section for a ``redis://`` or ``rediss://`` URL: a conversation is
    processed by one engine at a time, whichever engine a message reaches."""
    parts = urlsplit(redis_url)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise ValueError("LOTSE_REDIS_URL must be redis://[:password@]host[:port][/db]")
    database = parts.path.strip("/") or "0"
    if not database.isdigit():
        raise ValueError(f"not a Redis database number: {database!r}")
    config: dict[str, object] = {
        "type": "redis",
        "url": parts.hostname,
        "port": parts.port or 6379,
        "db": int(database),
        "key_prefix": LOCK_KEY_PREFIX,
    }
    if parts.username:
        config["username"] = unquote(parts.username)
    if parts.password:
        config["password"] = unquote(parts.password)
    if parts.scheme == "rediss":
        config["use_ssl"] = True
    return config


def engine_endpoints(settings: Settings) -> dict[str, object]:
    """The engine's ``endpoints.yml``: our action server (actions and NLG), the SQL tracker store,
    and Rasa's Redis lock store when ``LOTSE_REDIS_URL`` is set (else Rasa keeps locks in memory,
    which is right for one engine only)."""
    actions = f"http://127.0.0.1:{settings.actions_port}"
    endpoints: dict[str, object] = {
        "action_endpoint": {"url": f"{actions}/webhook"},
        "nlg": {"url": f"{actions}/nlg"},
        "tracker_store": tracker_store_config(settings.effective_database_url),
    }
    if settings.redis_url:
        endpoints["lock_store"] = lock_store_config(settings.redis_url)
    return endpoints


def write_engine_files(settings: Settings) -> tuple[Path, Path]:
    """Write the engine's ``endpoints.yml`` and ``credentials.yml`` under ``var/engine/<port>/``
    (one folder per engine port: several engines may start at once on one machine)."""
    folder = settings.var_dir / "engine" / str(engine_port(settings))
    folder.mkdir(parents=True, exist_ok=True)
    endpoints = engine_endpoints(settings)
    tracker_store = endpoints["tracker_store"]
    assert isinstance(tracker_store, dict)
    if tracker_store["dialect"] == "sqlite":
        Path(str(tracker_store["db"])).parent.mkdir(parents=True, exist_ok=True)
    credentials = {"rest": None}
    endpoints_file, credentials_file = folder / "endpoints.yml", folder / "credentials.yml"
    endpoints_file.write_text(yaml.safe_dump(endpoints, sort_keys=False), encoding="utf-8")
    endpoints_file.chmod(0o600)
    credentials_file.write_text(yaml.safe_dump(credentials), encoding="utf-8")
    return endpoints_file, credentials_file


def engine_token(settings: Settings) -> str:
    """``LOTSE_ENGINE_TOKEN``, or a random token kept in ``var/engine/token`` for the demo."""
    if settings.engine_token is not None:
        return settings.engine_token.get_secret_value()
    path = settings.var_dir / "engine" / "token"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def engine_command(settings: Settings, model: Path | None = None) -> list[str]:
    """The command line that runs the Rasa engine (on ``LOTSE_ENGINE_HOST``, 127.0.0.1 by default)
    with its HTTP API behind a token:
    ``rasa run`` through ``nlu.engine`` (two fixes to Rasa's hot path), started in the project's
    folder (which ``nlu.engine`` and the model's ``nlu.components`` are imported from)."""
    endpoints_file, credentials_file = write_engine_files(settings)
    return [
        str(ENGINE_PYTHON),
        "-m",
        "nlu.engine",
        "run",
        "--model",
        str(model or model_path(settings)),
        "--endpoints",
        str(endpoints_file),
        "--credentials",
        str(credentials_file),
        "--interface",
        settings.engine_host,
        "--port",
        str(engine_port(settings)),
        "--enable-api",
        f"--auth-token={engine_token(settings)}",  # "=": a token may start with "-"
    ]


def actions_command() -> list[str]:
    """The command line that runs our action server (custom actions and NLG)."""
    return [sys.executable, "-m", "actions.server"]


def bot_command() -> list[str]:
    """The command line that runs the gateway."""
    return [sys.executable, "-m", "bot.web"]


def scale_procfile(settings: Settings, engines: int, action_servers: int) -> str:
    """The Procfile of ``make demo-scale``: ``action_servers`` action servers, ``engines`` engines
    (on the ports from ``LOTSE_ENGINE_URL``'s up; engine *i* uses action server *i* mod M) and one
    gateway that routes over them. Database and Redis come from the environment. The engines
    share the machine's cores, so each computes on ``LOTSE_ENGINE_THREADS`` threads (1 unless set).
    """
    if not 1 <= action_servers <= engines:
        raise ValueError("need at least one engine and 1 to N action servers")
    python = ".venv/bin/python"
    first_engine = engine_port(settings)
    engine_ports = range(first_engine, first_engine + engines)
    if any(settings.actions_port + j in engine_ports for j in range(action_servers)):
        raise ValueError("the engines' ports run into the action servers' (LOTSE_ACTIONS_PORT)")
    urls = [f"http://127.0.0.1:{first_engine + i}" for i in range(engines)]
    lines = ["# written by `make demo-scale` (bot.cli scale-procfile); honcho runs it"]
    for j in range(action_servers):
        lines.append(f"actions{j + 1}: LOTSE_ACTIONS_PORT={settings.actions_port + j} {python} -m actions.server")
    for i, url in enumerate(urls):
        actions_port = settings.actions_port + i % action_servers
        lines.append(
            f"engine{i + 1}: LOTSE_ENGINE_URL={url} LOTSE_ACTIONS_PORT={actions_port} "
            f"LOTSE_ENGINE_THREADS={settings.engine_threads or 1} {python} -m bot.cli engine"
        )
    lines.append(f"bot: LOTSE_ENGINE_URLS={','.join(urls)} {python} -m bot.web")
    return "\n".join(lines) + "\n"
