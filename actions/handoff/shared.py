"""What the consent, contact and rights actions share: the conversation's id and channel, the
retention periods, buttons, and the honest "not saved" answer."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.i18n import N_, Days, translate
from bot.settings import get_settings

CONTACT_FORM = "contact_form"
TEAM = N_("dem Lotse-Team (Jobcenter, Agentur für Arbeit und Kammern in Westmecklenburg)")
NOT_SAVED = N_(
    "Entschuldigung, ich konnte deine Angaben gerade nicht speichern. Es ist nichts gespeichert. "
    "Bitte tippe gleich noch einmal auf „Nochmal senden“."
)
RETRY = N_("Nochmal senden")
SHOW_DATA = N_("Was weißt du über mich?")
DELETE_DATA = N_("Meine Daten löschen")


def entity(tracker: Tracker, name: str) -> Any:
    """The latest message's value of entity ``name``, or ``None``."""
    return next(tracker.get_latest_entity_values(name), None)


def conversation_id(tracker: Tracker) -> str:
    """The conversation's id: the Rasa sender id (``web:<uuid>``, ``tg:<chat id>``)."""
    return str(tracker.sender_id)


def channel_of(tracker: Tracker) -> str:
    """``telegram`` or ``web`` (from the sender id's prefix)."""
    return "telegram" if conversation_id(tracker).startswith("tg:") else "web"


def retention() -> dict[str, Days]:
    """How long a lead and a conversation are kept, as placeholders for the texts that say so."""
    settings = get_settings()
    return {
        "lead_days": Days(settings.lead_retention_days),
        "conversation_days": Days(settings.conversation_retention_days),
    }


def buttons(language: str, items: list[tuple[str, str]]) -> list[dict[str, str]]:
    """Buttons of (German title, payload), titled in ``language``."""
    return [{"title": translate(language, title), "payload": payload} for title, payload in items]


def rights_buttons(language: str) -> list[dict[str, str]]:
    """ "What do you know about me?" and "Delete my data"."""
    return buttons(language, [(SHOW_DATA, "/show_my_data"), (DELETE_DATA, "/delete_my_data")])


def say_not_saved(dispatcher: CollectingDispatcher, language: str, retry: str | None = None) -> None:
    """The database failed: say that nothing is saved, with a retry button sending ``retry``."""
    dispatcher.utter_message(
        text=translate(language, NOT_SAVED), buttons=buttons(language, [(RETRY, retry)]) if retry else []
    )
