"""The counsellors' side in Telegram: the buttons of a lead card, and writing to the person.

Only configured counsellors (``python -m bot.cli counsellor-add … --telegram-id``) may press them.
A claim is atomic in the database, so a lead is never worked twice; the card is edited in
place, so everybody in the chat sees who has it. "Erledigt" is a step: the card's buttons turn
into the outcomes (route started, referred, not reachable, no longer interested — and "Zurück");
the lead is closed with the one pressed. A lead raised again (a reminder) is one more message
with the card's buttons: whichever is pressed, the card and its reminders all show the new state.

After the claim, the counsellor who holds the lead (or an admin) writes to the person
(``bot.leads.relay``): a reply to the lead's card (or to a relayed answer of the person), or any
message in the lead's forum topic, goes to the person; ``/done`` or "Gespräch beenden" hands the
person back to Lotse. A ready-made reply button asks for its placeholders in a message the
counsellor answers (one value a line). Other counsellors get a German note; people who are no
counsellors get no answer in the chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import re

import structlog
from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import CallbackQuery, ForceReply, InlineKeyboardMarkup, Message, ReactionTypeEmoji
from sqlalchemy.orm import sessionmaker

from bot.i18n import LANGUAGES
from bot.leads.claims import Claim, claim_lead, close_lead, look_up
from bot.leads.outbox import counsellor_posts
from bot.leads.relay import (
    MEET,
    TEMPLATES,
    Written,
    counsellor_of_telegram,
    end_relay,
    lead_of_chat_message,
    lead_of_topic,
    may_write,
    prompt_text,
    refusal,
    write_to_person,
)
from bot.settings import Settings
from bot.telegram.cards import (
    CLAIM,
    CLOSE,
    STOP,
    TEMPLATE_PREFIX,
    card_keyboard,
    card_text,
    closed_state,
    outcome_keyboard,
    outcome_of,
    parse_callback,
)

logger = structlog.get_logger(__name__)

PROMPT_TAG = re.compile(r"\[Vorlage (?P<template>\w+) · Anfrage (?P<lead>[0-9a-f-]{36})\]")
"""The last line of a ready-made reply's prompt: the counsellor's answer to it fills the reply."""
DONE_COMMAND = "/done"
ENDED = "Gespräch beendet: Lotse antwortet der Person wieder. Sie hat eine Nachricht dazu bekommen."
NOT_ACTIVE = "Es läuft gerade kein Gespräch mit der Person."
MEET_NOTE = (
    "Sie antwortet mit „Passt“ (dann bekommt sie eine Kalenderdatei und am Tag vorher eine Erinnerung) "
    "oder „Anderer Termin“; ihre Antwort kommt hierher.\n\n"
)
"""Below the prompt of "📅 Termin vorschlagen": what the person can answer."""
ONLY_TEXT = "Nur Text wird an die Person weitergeleitet. Fotos, Dateien und Sprachnachrichten bitte anders schicken."


def make_router() -> Router:
    """The counsellors' router (a new one per dispatcher: aiogram attaches a router once)."""
    router = Router(name="counsellors")
    router.callback_query.register(on_card_button, F.data.startswith("lead:"))
    in_a_group = F.chat.type.in_({ChatType.GROUP, ChatType.SUPERGROUP})
    router.message.register(on_counsellor_message, in_a_group, F.text, ~F.from_user.is_bot)
    router.message.register(on_counsellor_media, in_a_group, ~F.from_user.is_bot, ~F.forum_topic_created)
    return router


def german_hint(language: str, name: str) -> str:
    """The note to a counsellor who wrote German to a person who chose another language."""
    endonym = LANGUAGES[language].endonym if language in LANGUAGES else language
    return (
        f"Hinweis: Deine Nachricht sieht nach Deutsch aus, {name} hat aber {endonym} ({language}) gewählt. "
        "Sie ist so weitergeleitet, wie du sie geschrieben hast. Vorlagen kommen in der Sprache der Person an."
    )


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
    state on the card (and on the lead's reminders). Or end the conversation with the person, or
    start a ready-made reply."""
    parsed = parse_callback(query.data)
    if parsed is None:
        await query.answer()
        return
    action, lead_id = parsed
    if action == STOP or action.startswith(TEMPLATE_PREFIX):
        await _relay_button(query, bot, sessions, action, lead_id)
        return
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


async def _relay_button(query: CallbackQuery, bot: Bot, sessions: sessionmaker, action: str, lead_id: str) -> None:
    """ "Gespräch beenden", or a ready-made reply: ask for its placeholders."""
    counsellor_id = await asyncio.to_thread(counsellor_of_telegram, sessions, query.from_user.id)
    if counsellor_id is None:
        await query.answer("Du bist nicht als Beraterin oder Berater freigeschaltet.", show_alert=True)
        return
    if action == STOP:
        ended = await asyncio.to_thread(end_relay, sessions, lead_id, counsellor_id)
        text = ENDED if ended.reason == "ended" else NOT_ACTIVE if ended.ok else refusal(ended)
        await query.answer(text, show_alert=not ended.ok)
        logger.info("card.pressed", lead=lead_id, action=action, outcome=ended.reason)
        return
    template = TEMPLATES.get(action.removeprefix(TEMPLATE_PREFIX))
    allowed = await asyncio.to_thread(may_write, sessions, lead_id, counsellor_id)
    if template is None or not allowed.ok:
        await query.answer(refusal(allowed) if not allowed.ok else "Diese Vorlage gibt es nicht.", show_alert=True)
        return
    await query.answer()
    message = query.message
    thread = message.message_thread_id if isinstance(message, Message) and message.is_topic_message else None
    chat_id = message.chat.id if message is not None else None
    if chat_id is None:
        return
    prompt = (
        f"Vorlage „{template.label}“ für die Person dieser Anfrage ({allowed.language}). Antworte auf diese Nachricht, "
        f"eine Angabe pro Zeile:\n{prompt_text(template)}\n\n"
        f"Die Person bekommt den Satz in ihrer Sprache; auf Deutsch: „{template.msgid}“\n\n"
        + (MEET_NOTE if template.key == MEET else "")
        + f"[Vorlage {template.key} · Anfrage {lead_id}]"
    )
    await bot.send_message(
        chat_id,
        prompt,
        message_thread_id=thread,
        reply_markup=ForceReply(force_reply=True, input_field_placeholder=template.fields[0].label[:64]),
    )
    logger.info("card.pressed", lead=lead_id, action=action, outcome="asked")


async def _thread_of(message: Message, bot: Bot, sessions: sessionmaker) -> tuple[str | None, str | None]:
    """The lead a counsellor's message is about, and the ready-made reply it fills (if any)."""
    reply = message.reply_to_message
    if reply is not None and reply.from_user is not None and reply.from_user.id == bot.id:
        tagged = PROMPT_TAG.search(reply.text or "")
        if tagged is not None:
            return tagged["lead"], tagged["template"]
    if message.is_topic_message and message.message_thread_id is not None:
        lead_id = await asyncio.to_thread(lead_of_topic, sessions, message.message_thread_id)
        if lead_id is not None:
            return lead_id, None
    if reply is not None and reply.from_user is not None and reply.from_user.id == bot.id:
        return await asyncio.to_thread(lead_of_chat_message, sessions, reply.message_id), None
    return None, None


async def _note(message: Message, text: str) -> None:
    """A short German note to the counsellor, as a reply to their message."""
    with contextlib.suppress(TelegramAPIError):
        await message.reply(text)


async def on_counsellor_message(
    message: Message, bot: Bot, sessions: sessionmaker, settings: Settings, outbox_wakeup: asyncio.Event | None = None
) -> None:
    """A message in the counsellors' chat: if it is about a lead (a reply to its card or to the
    person's answer, in its topic, or filling a ready-made reply), it goes to the person — through
    the outbox, whose notifier ``outbox_wakeup`` wakes at once instead of at its next look."""
    if message.chat.id != settings.counsellor_chat_id or message.from_user is None:
        return
    lead_id, template = await _thread_of(message, bot, sessions)
    if lead_id is None:
        return  # the counsellors talking among themselves
    counsellor_id = await asyncio.to_thread(counsellor_of_telegram, sessions, message.from_user.id)
    if counsellor_id is None:
        logger.info("relay.refused", reason="not_counsellor")
        return  # nobody but a counsellor gets Lotse to write in this chat
    text = message.text or ""
    if text.split(maxsplit=1)[:1] and text.split(maxsplit=1)[0].split("@")[0] == DONE_COMMAND:
        ended = await asyncio.to_thread(end_relay, sessions, lead_id, counsellor_id)
        await _note(message, ENDED if ended.reason == "ended" else NOT_ACTIVE if ended.ok else refusal(ended))
        return
    written: Written = await asyncio.to_thread(
        write_to_person,
        sessions,
        lead_id,
        counsellor_id,
        text,
        template=template,
        values=text if template else "",
        via="telegram",
        chat_message_id=message.message_id,
        timezone=settings.office_timezone,
    )
    if not written.ok:
        logger.info("relay.refused", reason=written.reason)
        await _note(message, refusal(written))
        return
    if outbox_wakeup is not None:
        outbox_wakeup.set()
    with contextlib.suppress(TelegramAPIError):  # a quiet "sent": no extra message in the thread
        await bot.set_message_reaction(message.chat.id, message.message_id, [ReactionTypeEmoji(emoji="👍")])
    if written.german_hint:
        await _note(message, german_hint(written.language, "die Person"))


async def on_counsellor_media(message: Message, bot: Bot, sessions: sessionmaker, settings: Settings) -> None:
    """A photo, file or voice note in a lead's thread: only text reaches the person; the
    counsellor is told, nothing is relayed."""
    if message.chat.id != settings.counsellor_chat_id or message.from_user is None or message.text:
        return
    if message.photo is None and message.document is None and message.voice is None and message.video is None:
        return  # a service message (a topic edited, someone joined …): nothing to say
    lead_id, _ = await _thread_of(message, bot, sessions)
    if lead_id is None:
        return
    if await asyncio.to_thread(counsellor_of_telegram, sessions, message.from_user.id) is None:
        return
    await _note(message, ONLY_TEXT)
