"""How Lotse's three processes are started: the engine's command line and config files.

One place for ``make demo`` (through the Procfile), the integration tests and ``make bench``,
so that what is tested is what runs.
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path
from urllib.parse import urlsplit

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
    """The port of ``LOTSE_ENGINE_URL`` (the engine listens on 127.0.0.1 only)."""
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


def write_engine_files(settings: Settings) -> tuple[Path, Path]:
    """Write the engine's ``endpoints.yml`` and ``credentials.yml`` under ``var/engine/``."""
    folder = settings.var_dir / "engine"
    folder.mkdir(parents=True, exist_ok=True)
    tracker_store = tracker_store_config(settings.effective_database_url)
    if tracker_store["dialect"] == "sqlite":
        Path(str(tracker_store["db"])).parent.mkdir(parents=True, exist_ok=True)
    actions = f"http://127.0.0.1:{settings.actions_port}"
    endpoints = {
        "action_endpoint": {"url": f"{actions}/webhook"},
        "nlg": {"url": f"{actions}/nlg"},
        "tracker_store": tracker_store,
    }
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
    """The command line that runs the Rasa engine on 127.0.0.1 with its HTTP API behind a token:
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
        "127.0.0.1",
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
