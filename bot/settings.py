"""Settings of every Lotse process, read from ``LOTSE_*`` environment variables or ``.env``.

The names are a contract (see DESIGN.md): deployment scripts and the README rely on them.
"""

from __future__ import annotations

import re
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The checkout: ``locales/``, ``var/`` and the Rasa files live below it."""
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""How ``LOTSE_OFFICE_DAYS`` names the days (``date.weekday()`` order)."""


class Settings(BaseSettings):
    """All ``LOTSE_`` settings with their defaults for ``make demo``."""

    model_config = SettingsConfigDict(env_prefix="LOTSE_", env_file=".env", env_file_encoding="utf-8", extra="ignore")

    var_dir: Path = Field(default=PROJECT_ROOT / "var", description="Data, logs and the trained model.")
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL of the database; default: a SQLite file under var/.",
    )
    telegram_token: SecretStr | None = None
    telegram_api_base: str = "https://api.telegram.org"
    counsellor_chat_id: int | None = None
    telegram_webhook_url: str | None = Field(
        default=None,
        description="Public HTTPS URL of /telegram/webhook: webhook mode instead of long polling.",
    )
    telegram_webhook_secret: SecretStr | None = Field(
        default=None, description="Telegram's secret_token for the webhook (required with a webhook URL)."
    )
    card_shows_contact: bool = Field(
        default=False,
        description="Put phone/e-mail on the Telegram lead card (Telegram is not end-to-end encrypted).",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs the counsellor inbox's session cookies; `make demo` keeps one under var/.",
    )
    cookie_secure: bool | None = Field(
        default=None, description="Secure cookies; default: on when LOTSE_PUBLIC_URL is https."
    )

    engine_url: str = Field(
        default="http://127.0.0.1:5005",
        description="The engine's URL (the gateway's one engine; the URL an engine listens on).",
    )
    engine_urls: str = Field(
        default="",
        description="Several engines for the gateway, comma-separated; each conversation stays on one "
        "(hash of its sender), failing over to the next; unset: LOTSE_ENGINE_URL.",
    )
    engine_host: str = Field(
        default="127.0.0.1",
        description="The interface the engine listens on; another machine's gateway needs a private one.",
    )
    engine_down_seconds: float = Field(
        default=5.0, gt=0, description="How long the gateway skips an engine that refused a connection."
    )
    engine_token: SecretStr | None = Field(
        default=None,
        description="Token of the engine's HTTP API; `make demo` generates one under var/ if unset.",
    )
    engine_timeout_seconds: float = 30.0
    engine_threads: int = Field(
        default=0,
        ge=0,
        description="Threads one engine computes a message with (sentence embedding, TensorFlow, BLAS); "
        "0: the libraries' own default (every core). 1 where several engines share a machine.",
    )
    actions_port: int = 5055

    bot_host: str = "0.0.0.0"
    bot_port: int = 8080
    public_url: str = Field(
        default="http://localhost:8080",
        description="Where people reach the bot (links to the privacy notice, the inbox).",
    )

    widget_origins: str = Field(
        default="",
        description="Sites that may embed the web chat (space- or comma-separated origins, "
        "e.g. https://www.jobcenter-schwerin.de); the bot's own origin always may.",
    )
    link_hosts: str = Field(
        default="",
        description="Hosts the web chat turns into links, besides the offices' websites and its own.",
    )

    lead_retention_days: int = Field(default=180, ge=1, description="Days a closed lead is kept.")
    conversation_retention_days: int = Field(
        default=30, ge=1, description="Days of inactivity after which a conversation is deleted."
    )

    relay_quiet_minutes: int = Field(
        default=60,
        ge=1,
        description="Minutes without a message either way after which a counsellor's conversation with a "
        "person ends and Lotse answers again (the person is told).",
    )

    redis_url: str | None = Field(
        default=None,
        description="Redis for state shared by several gateways (e.g. redis://127.0.0.1:6379/0); unset: in memory.",
    )
    default_language: str = "de"
    max_message_chars: int = Field(default=1000, ge=10)
    rate_limit_per_minute: int = Field(
        default=30, ge=1, description="Messages a minute one conversation may send (after the burst)."
    )
    rate_limit_burst: int = Field(default=10, ge=1, description="Messages one conversation may send at once.")
    log_level: str = "INFO"
    log_format: Literal["console", "json"] = Field(
        default="console", description="`json`: one JSON object a line, for log shippers (no message texts either)."
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token Prometheus sends to /metrics; unset: /metrics does not exist (404).",
    )
    health_timeout_seconds: float = Field(
        default=2.0, gt=0, description="How long /healthz waits for each dependency (checked concurrently)."
    )
    health_outbox_minutes: int = Field(
        default=15,
        ge=1,
        description="/healthz reports a Telegram backlog when a message has waited longer than this.",
    )

    office_days: str = Field(
        default="mon tue wed thu fri",
        description="Days the advice office works (mon … sun, space- or comma-separated).",
    )
    office_opens: time = Field(default=time(8, 0), description="When the office opens on a working day (local time).")
    office_closes: time = Field(default=time(16, 0), description="When it closes (local time).")
    office_timezone: str = Field(default="Europe/Berlin", description="The office's time zone (IANA name).")
    office_holidays: str = Field(
        default="DE-MV",
        description="Public holidays the office is closed on: country and subdivision as the `holidays` "
        "library names them (DE-MV: Mecklenburg-Vorpommern); empty: none.",
    )
    contact_within_working_days: int = Field(
        default=1, ge=1, le=10, description="What the person is told: a human answers within this many working days."
    )
    remind_after_working_hours: float = Field(
        default=4.0,
        gt=0,
        description="A lead nobody has taken is raised again in the counsellors' chat after this many working hours.",
    )
    reminders: int = Field(
        default=2, ge=0, le=10, description="How often a lead is raised again at most (one per period); 0: never."
    )

    @field_validator("office_days")
    @classmethod
    def _weekdays_only(cls, value: str) -> str:
        days = [d.lower() for d in re.split(r"[\s,]+", value) if d]
        unknown = [d for d in days if d not in WEEKDAYS]
        if unknown or not days:
            raise ValueError(f"office days are mon, tue, wed, thu, fri, sat, sun: {value!r}")
        return " ".join(sorted(set(days), key=WEEKDAYS.index))

    @field_validator("office_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"not a time zone: {value!r}") from error
        return value

    @field_validator("office_holidays")
    @classmethod
    def _known_holidays(cls, value: str) -> str:
        import holidays

        value = value.strip()
        if value:
            country, _, subdivision = value.partition("-")
            try:
                holidays.country_holidays(country, subdiv=subdivision or None)
            except NotImplementedError as error:
                raise ValueError(f"the holidays library knows no {value!r}") from error
        return value

    @model_validator(mode="after")
    def _office_opens_before_it_closes(self) -> Settings:
        if not self.office_opens < self.office_closes:
            raise ValueError("LOTSE_OFFICE_OPENS must be before LOTSE_OFFICE_CLOSES")
        return self

    @field_validator("widget_origins")
    @classmethod
    def _origins_only(cls, value: str) -> str:
        origins = [o.rstrip("/") for o in re.split(r"[\s,]+", value) if o]
        for origin in origins:
            if not _ORIGIN.fullmatch(origin):
                raise ValueError(f"not an origin (scheme://host[:port]): {origin!r}")
        return " ".join(origins)

    @property
    def embedding_origins(self) -> list[str]:
        """``LOTSE_WIDGET_ORIGINS`` as a list."""
        return self.widget_origins.split()

    @property
    def engine_addresses(self) -> list[str]:
        """The engines the gateway talks to: ``LOTSE_ENGINE_URLS``, else ``LOTSE_ENGINE_URL``."""
        urls = [url.strip().rstrip("/") for url in self.engine_urls.split(",") if url.strip()]
        return urls or [self.engine_url.rstrip("/")]

    @property
    def effective_database_url(self) -> str:
        """The configured database URL, or the SQLite file under ``var/``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'lotse.db').resolve()}"


_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return Settings()
