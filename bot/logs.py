"""Logging for every Lotse process: structlog events, one line each, with a level.

Our code logs events with fields (``logger.info("engine.reply", messages=2)``); the logs of
libraries (uvicorn, rasa-sdk, aiogram) go through the same renderer. Nothing personal is ever
a field: no message texts, names, phone numbers or e-mail addresses.

``LOTSE_LOG_FORMAT=json`` writes one JSON object a line instead (for log shippers): the same
events and fields, an ISO timestamp in UTC, tracebacks as structured data.
"""

from __future__ import annotations

import logging
import sys

import structlog

LOG_FORMATS = ("console", "json")


def _renderer(log_format: str) -> list[structlog.types.Processor]:
    if log_format == "json":
        return [structlog.processors.dict_tracebacks, structlog.processors.JSONRenderer()]
    return [structlog.dev.ConsoleRenderer(colors=False)]


def configure_logging(level: str = "INFO", log_format: str = "console") -> None:
    """Route structlog and stdlib logging to stderr through one renderer (``console`` or ``json``)."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"unknown log format {log_format!r}: one of {', '.join(LOG_FORMATS)}")
    stamp = structlog.processors.TimeStamper(fmt="iso" if log_format == "json" else "%H:%M:%S")
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        stamp,
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *_renderer(log_format)],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
