"""``POST /telegram/webhook``: updates from Telegram in webhook mode (``LOTSE_TELEGRAM_WEBHOOK_URL``),
fed to the dispatcher that ``bot.workers.start_telegram`` made."""

from __future__ import annotations

import hmac

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from bot.web.dependencies import SettingsDep, TelegramDep

logger = structlog.get_logger(__name__)

router = APIRouter()


@router.post("/telegram/webhook", include_in_schema=False)
async def telegram_webhook(request: Request, settings: SettingsDep, telegram: TelegramDep) -> JSONResponse:
    """Updates from Telegram (webhook mode): the secret token is checked, duplicates ignored."""
    if (
        telegram is None
        or telegram.bot is None
        or telegram.dispatcher is None
        or settings.telegram_webhook_secret is None
    ):
        return JSONResponse({"ok": False}, status_code=404)
    sent = request.headers.get("x-telegram-bot-api-secret-token", "")
    if not hmac.compare_digest(sent, settings.telegram_webhook_secret.get_secret_value()):
        logger.warning("telegram.webhook_refused")
        return JSONResponse({"ok": False}, status_code=401)
    try:
        update = await request.json()
        update_id = int(update["update_id"])
    except (ValueError, KeyError, TypeError):
        return JSONResponse({"ok": False}, status_code=400)
    if not telegram.seen.first_time(update_id):
        logger.info("telegram.duplicate_update")
        return JSONResponse({"ok": True})
    await telegram.dispatcher.feed_raw_update(telegram.bot, update)
    return JSONResponse({"ok": True})
