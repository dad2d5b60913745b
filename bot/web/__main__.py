"""``python -m bot.web`` starts the gateway (uvicorn) on ``LOTSE_BOT_HOST:LOTSE_BOT_PORT``."""

from __future__ import annotations

import uvicorn

from bot.logs import configure_logging
from bot.settings import get_settings
from bot.web.app import create_app


def main() -> None:
    """Run the gateway until interrupted."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    uvicorn.run(
        create_app(settings),
        host=settings.bot_host,
        port=settings.bot_port,
        log_config=None,
        proxy_headers=False,
        timeout_graceful_shutdown=5,  # open event streams (web chats) must not hold up a stop
    )


if __name__ == "__main__":
    main()
