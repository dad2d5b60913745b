"""The counsellors' side in Telegram: "Übernehmen" and "Erledigt" on a lead card.

Only configured counsellors (``python -m bot.cli counsellor-add … --telegram-id``) may press them.
A claim is atomic in the database, so a lead is never worked twice; the card is edited in
place, so everybody in the chat sees who has it.
"""

from __future__ import annotations

import asyncio

import structlog
from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message
from sqlalchemy.orm import sessionmaker

from bot.leads.claims import claim_lead, close_lead
from bot.settings import Settings
from bot.telegram.cards import CLAIM, card_keyboard, card_text, parse_callback

logger = structlog.get_logger(__name__)


def make_router() -> Router:
    """The counsellors' router (a new one per dispatcher: aiogram attaches a router once)."""
    router = Router(name="counsellors")
    router.callback_query.register(on_card_button, F.data.startswith("lead:"))
    return router


async def on_card_button(query: CallbackQuery, sessions: sessionmaker, settings: Settings) -> None:
    """Claim or close the lead of a card, then show the new state on the card."""
    parsed = parse_callback(query.data)
    if parsed is None:
        await query.answer()
        return
    action, lead_id = parsed
    act = claim_lead if action == CLAIM else close_lead
    result = await asyncio.to_thread(act, sessions, lead_id, query.from_user.id)
    if result.reason == "not_counsellor":
        await query.answer("Du bist nicht als Beraterin oder Berater freigeschaltet.", show_alert=True)
        return
    if result.lead is None:
        await query.answer("Diese Anfrage gibt es nicht mehr (gelöscht).", show_alert=True)
        return
    lead = result.lead
    if result.reason == "taken" and not result.ok:
        await query.answer(f"Schon übernommen von {result.counsellor}.", show_alert=True)
    elif result.reason == "taken":
        await query.answer("Du hast diese Anfrage schon.")
    else:
        await query.answer("Erledigt." if result.reason == "closed" else "Übernommen.")
    state = (
        f"✅ Erledigt – {result.counsellor}" if lead.status == "closed" else f"👤 Übernommen von {result.counsellor}"
    )
    if isinstance(query.message, Message):  # not an InaccessibleMessage (too old to edit)
        try:
            await query.message.edit_text(
                card_text(lead, settings.public_url, settings.card_shows_contact, state),
                reply_markup=card_keyboard(lead.id, claimed=True, closed=lead.status == "closed"),
            )
        except TelegramBadRequest:
            logger.info("card.unchanged", lead=lead.id)
    logger.info("card.pressed", lead=lead.id, action=action, outcome=result.reason)
