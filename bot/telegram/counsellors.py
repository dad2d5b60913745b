"""The counsellors' side in Telegram: "Übernehmen" and "Erledigt" on a lead card.

Only configured counsellors (``python -m bot.cli counsellor-add … --telegram-id``) may press them.
A claim is atomic in the database, so a lead is never worked twice; the card is edited in
place, so everybody in the chat sees who has it. "Erledigt" is a step: the card's buttons turn
into the outcomes (route started, referred, not reachable, no longer interested — and "Zurück");
the lead is closed with the one pressed. A lead raised again (a reminder) is one more message
with the card's buttons: whichever is pressed, the card and its reminders all show the new state.
"""

from __future__ import annotations

import asyncio

import structlog
from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.orm import sessionmaker

from bot.leads.claims import Claim, claim_lead, close_lead, look_up
from bot.leads.outbox import counsellor_posts
from bot.settings import Settings
from bot.telegram.cards import (
    CLAIM,
    CLOSE,
    card_keyboard,
    card_text,
    closed_state,
    outcome_keyboard,
    outcome_of,
    parse_callback,
)

logger = structlog.get_logger(__name__)


def make_router() -> Router:
    """The counsellors' router (a new one per dispatcher: aiogram attaches a router once)."""
    router = Router(name="counsellors")
    router.callback_query.register(on_card_button, F.data.startswith("lead:"))
    return router


async def _refused(query: CallbackQuery, result: Claim) -> bool:
    """Answer a press that changes nothing (not a counsellor, lead gone); whether it was one."""
    if result.reason == "not_counsellor":
        await query.answer("Du bist nicht als Beraterin oder Berater freigeschaltet.", show_alert=True)
        return True
    if result.lead is None:
        await query.answer("Diese Anfrage gibt es nicht mehr (gelöscht).", show_alert=True)
        return True
    return False


async def _close_step(
    query: CallbackQuery, sessions: sessionmaker, settings: Settings, bot: Bot, action: str, lead_id: str
) -> None:
    """ "Erledigt" shows the outcomes, "Zurück" the card's buttons again; nothing is stored. A
    lead closed meanwhile shows its closed card."""
    result = await asyncio.to_thread(look_up, sessions, lead_id, query.from_user.id)
    if await _refused(query, result) or result.lead is None:
        return
    lead = result.lead
    if lead.status == "closed":
        await query.answer("Diese Anfrage ist schon erledigt.")
        text = card_text(
            lead, settings.public_url, settings.card_shows_contact, closed_state(result.counsellor, lead.outcome)
        )
        await _show_everywhere(bot, query, sessions, settings, lead_id, text, None)
        return
    keyboard = outcome_keyboard(lead_id) if action == CLOSE else card_keyboard(lead_id, claimed=lead.status != "new")
    await query.answer("Wie ist es ausgegangen?" if action == CLOSE else "")
    if isinstance(query.message, Message):
        try:
            await query.message.edit_reply_markup(reply_markup=keyboard)
        except TelegramBadRequest:
            logger.info("card.unchanged", lead=lead_id)


async def _show_everywhere(
    bot: Bot,
    query: CallbackQuery,
    sessions: sessionmaker,
    settings: Settings,
    lead_id: str,
    text: str,
    keyboard: InlineKeyboardMarkup | None,
) -> None:
    """Show the lead's new state on the pressed message and on its other posts (card, reminders)
    in the counsellors' chat — only there: a message id means something else in another chat."""
    pressed = query.message.message_id if query.message is not None else None
    if isinstance(query.message, Message):  # not an InaccessibleMessage (too old to edit)
        try:
            await query.message.edit_text(text, reply_markup=keyboard)
        except TelegramBadRequest:
            logger.info("card.unchanged", lead=lead_id)
    chat = settings.counsellor_chat_id
    if chat is None or query.message is None or query.message.chat.id != chat:
        return
    for message_id in await asyncio.to_thread(counsellor_posts, sessions, lead_id):
        if message_id == pressed:
            continue
        try:
            await bot.edit_message_text(text=text, chat_id=chat, message_id=message_id, reply_markup=keyboard)
        except TelegramAPIError as error:  # best effort: the pressed one shows it, the inbox has it
            logger.info("card.not_updated", lead=lead_id, error=type(error).__name__)


async def on_card_button(query: CallbackQuery, sessions: sessionmaker, settings: Settings, bot: Bot) -> None:
    """Claim a lead, go through the close step, or close it with an outcome; then show the new
    state on the card (and on the lead's reminders)."""
    parsed = parse_callback(query.data)
    if parsed is None:
        await query.answer()
        return
    action, lead_id = parsed
    outcome = outcome_of(action)
    if action == CLAIM:
        result = await asyncio.to_thread(claim_lead, sessions, lead_id, query.from_user.id)
    elif outcome is not None:
        result = await asyncio.to_thread(close_lead, sessions, lead_id, query.from_user.id, outcome)
    else:
        await _close_step(query, sessions, settings, bot, action, lead_id)
        return
    if await _refused(query, result) or result.lead is None:
        return
    lead = result.lead
    if result.reason == "taken" and not result.ok:
        await query.answer(f"Schon übernommen von {result.counsellor}.", show_alert=True)
    elif result.reason == "taken":
        await query.answer("Du hast diese Anfrage schon.")
    else:
        await query.answer("Erledigt." if result.reason == "closed" else "Übernommen.")
    closed = lead.status == "closed"
    state = closed_state(result.counsellor, lead.outcome) if closed else f"👤 Übernommen von {result.counsellor}"
    await _show_everywhere(
        bot,
        query,
        sessions,
        settings,
        lead.id,
        card_text(lead, settings.public_url, settings.card_shows_contact, state),
        card_keyboard(lead.id, claimed=True, closed=closed),
    )
    logger.info("card.pressed", lead=lead.id, action=action, outcome=result.reason)
