"""The action server process: rasa-sdk's custom-action webhook plus our NLG endpoint.

``python -m actions.server`` listens on 127.0.0.1 only: the engine is its one client.
Routes: ``POST /webhook`` (custom actions, rasa-sdk), ``POST /nlg`` (every ``utter_*`` the
engine sends), ``GET /health``.
"""

from __future__ import annotations

import sanic
import structlog
from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor
from sanic import Request, response

from actions.nlg import render_request
from bot.catalogs import require_compiled_catalogs
from bot.logs import configure_logging
from bot.settings import get_settings

logger = structlog.get_logger(__name__)


def build_app() -> sanic.Sanic:
    """The Sanic app with every action of the ``actions`` package and the ``/nlg`` route."""
    executor = ActionExecutor()
    executor.register_package("actions")
    app = create_app(executor, cors_origins=[])

    @app.post("/nlg")
    async def nlg(request: Request) -> sanic.HTTPResponse:
        try:
            body = request.json
        except Exception:  # noqa: BLE001 - any unparsable body gets the apology, never a 500
            body = None
        return response.json(render_request(body))

    return app


def main() -> None:
    """Start the action server on 127.0.0.1 (port ``LOTSE_ACTIONS_PORT``)."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    require_compiled_catalogs()
    app = build_app()
    logger.info("actions.listening", url=f"http://127.0.0.1:{settings.actions_port}")
    app.run(
        host="127.0.0.1",
        port=settings.actions_port,
        single_process=True,
        access_log=False,
        motd=False,
    )


if __name__ == "__main__":
    main()
