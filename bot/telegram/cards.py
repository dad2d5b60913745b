"""The lead card in the counsellors' Telegram chat (German: counsellors work in German).

Telegram is not end-to-end encrypted, so by default the card carries no phone number or e-mail
(``LOTSE_CARD_SHOWS_CONTACT``): only the first name, route, language, warmth and a link to the
inbox, where the details sit behind a login.
"""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import LANGUAGES
from bot.leads.labels import METHODS, OUTCOMES, REASONS, ROUTE_NAMES
from bot.leads.models import Lead
from bot.leads.relay import TEMPLATES

CLAIM, CLOSE, BACK, STOP = "claim", "close", "back", "stop"
"""Take the lead; ask how it ended (the close step); leave the close step without closing; end the
conversation with the person (Lotse answers again)."""
END = "end_"
"""``end_<outcome>``: close the lead with that outcome (``bot.leads.models.OUTCOMES``)."""
TEMPLATE_PREFIX = "t_"
"""``t_<template>``: a ready-made reply (``bot.leads.relay.TEMPLATES``)."""
ACTIONS = (
    CLAIM,
    CLOSE,
    BACK,
    STOP,
    *(END + outcome for outcome in OUTCOMES),
    *(TEMPLATE_PREFIX + key for key in TEMPLATES),
)
REDACTED = "Anfrage gelöscht: Die Person hat ihre Daten löschen lassen, oder die Aufbewahrungsfrist ist abgelaufen."
REDACTED_TOPIC = "Anfrage gelöscht"
"""A gone lead's topic is renamed to this (its name had the person's first name)."""


def callback_data(action: str, lead_id: str) -> str:
    """``lead:<action>:<id>`` (fits Telegram's 64 bytes)."""
    return f"lead:{action}:{lead_id}"


def parse_callback(data: str | None) -> tuple[str, str] | None:
    """(action, lead id) of a card button, or ``None``."""
    parts = (data or "").split(":")
    if len(parts) != 3 or parts[0] != "lead" or parts[1] not in ACTIONS or len(parts[2]) > 36:
        return None
    return parts[1], parts[2]


def outcome_of(action: str) -> str | None:
    """The outcome an ``end_<outcome>`` button closes with, else ``None``."""
    return action.removeprefix(END) if action.startswith(END) else None


def closed_state(counsellor: str, outcome: str | None) -> str:
    """The card's last line once the lead is closed: who, and how it ended."""
    return f"✅ Erledigt – {counsellor}" + (f" · {OUTCOMES[outcome]}" if outcome in OUTCOMES else "")


def card_text(lead: Lead, inbox_url: str, shows_contact: bool = False, state: str = "") -> str:
    """The card: who (first name only), which route, which language, how warm, where to look."""
    language = LANGUAGES[lead.language].endonym if lead.language in LANGUAGES else lead.language
    routes = ", ".join(ROUTE_NAMES.get(r, r) for r in lead.routes[:3]) or "noch offen"
    contact = METHODS.get(lead.contact_method, lead.contact_method)
    if shows_contact and lead.contact_method == "phone" and lead.phone:
        contact = f"Telefon {lead.phone}"
    elif shows_contact and lead.contact_method == "email" and lead.email:
        contact = f"E-Mail {lead.email}"
    lines = [
        f"Neue Anfrage · Wärme {lead.warmth}/100",
        f"Vorname: {lead.first_name}",
        f"Weg: {routes}",
        f"Sprache: {language} ({lead.language})",
        f"Kontakt: {contact}",
        "Warum warm: " + (", ".join(REASONS.get(r, r) for r in lead.warmth_reasons) or "–"),
        f"Details: {inbox_url.rstrip('/')}/inbox/leads/{lead.id}",
    ]
    if state:
        lines.append(state)
    return "\n".join(lines)


def topic_name(lead: Lead) -> str:
    """The lead's forum topic: first name, first route, language (Telegram allows 128 characters)."""
    route = ROUTE_NAMES.get(lead.routes[0], lead.routes[0]) if lead.routes else "Weg offen"
    return f"{lead.first_name} · {route} · {lead.language}"[:128]


def card_keyboard(lead_id: str, claimed: bool = False, closed: bool = False) -> InlineKeyboardMarkup | None:
    """ "Übernehmen" / "Erledigt" — what is still possible; once claimed, also the ready-made
    replies and "Gespräch beenden" (the person is handed back to Lotse)."""
    if closed:
        return None
    row = [] if claimed else [InlineKeyboardButton(text="Übernehmen", callback_data=callback_data(CLAIM, lead_id))]
    row.append(InlineKeyboardButton(text="Erledigt", callback_data=callback_data(CLOSE, lead_id)))
    rows = [row]
    if claimed:
        replies = [
            InlineKeyboardButton(text=t.label, callback_data=callback_data(TEMPLATE_PREFIX + t.key, lead_id))
            for t in TEMPLATES.values()
        ]
        rows += [replies[i : i + 2] for i in range(0, len(replies), 2)]
        rows.append([InlineKeyboardButton(text="⏹ Gespräch beenden", callback_data=callback_data(STOP, lead_id))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def outcome_keyboard(lead_id: str) -> InlineKeyboardMarkup:
    """The close step: how did it end? One button per outcome, and "Zurück" (nothing closed)."""
    rows = [
        [InlineKeyboardButton(text=name, callback_data=callback_data(END + outcome, lead_id))]
        for outcome, name in OUTCOMES.items()
    ]
    rows.append([InlineKeyboardButton(text="Zurück", callback_data=callback_data(BACK, lead_id))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def reminder_text(lead: Lead, inbox_url: str, shows_contact: bool, waited_hours: int) -> str:
    """A lead nobody has taken, raised again: how long it has waited (in working hours), then its card."""
    return f"⏰ Noch nicht übernommen – wartet seit {waited_hours} Arbeitsstunden.\n" + card_text(
        lead, inbox_url, shows_contact
    )
