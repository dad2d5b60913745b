"""``POST /telegram/webhook``: updates from Telegram in webhook mode (``LOTSE_TELEGRAM_WEBHOOK_URL``),
fed to the dispatcher that ``bot.workers.start_telegram`` made."""

from __future__ import annotations

import hmac

import structlog
from aiogram.types import Update
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

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
    # as bytes: compare_digest raises on a str with non-ASCII letters (a forged header's 500)
    if not hmac.compare_digest(sent.encode(), settings.telegram_webhook_secret.get_secret_value().encode()):
        logger.warning("telegram.webhook_refused")
        return JSONResponse({"ok": False}, status_code=401)
    try:
        update = await request.json()
        update_id = int(update["update_id"])
    except (ValueError, KeyError, TypeError, RecursionError):  # RecursionError: a deeply nested JSON bomb
        return JSONResponse({"ok": False}, status_code=400)
    if not await telegram.seen.first_time(update_id):
        logger.info("telegram.duplicate_update")
        return JSONResponse({"ok": True})
    try:
        parsed = Update.model_validate(update, context={"bot": telegram.bot})
    except ValidationError:  # a forged update of the wrong shape (with the right secret): not a 500
        logger.warning("telegram.webhook_malformed")
        return JSONResponse({"ok": False}, status_code=400)
    await telegram.dispatcher.feed_update(telegram.bot, parsed)
    return JSONResponse({"ok": True})
