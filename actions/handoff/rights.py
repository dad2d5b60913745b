"""The person's rights in the chat: what is stored about them (Art. 15 GDPR) and erasure, which is
also how a consent is withdrawn (Art. 17)."""

from __future__ import annotations

import asyncio

import structlog
from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset, EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.formatting import bullet_list
from actions.handoff.contact import METHODS, TIMES
from actions.handoff.shared import (
    DELETE_DATA,
    buttons,
    conversation_id,
    entity,
    retention,
    rights_buttons,
    say_not_saved,
)
from actions.tracker import language_of, pressed_button
from actions.triage import SLOTS as TRIAGE_SLOTS
from actions.understanding import ask_back, is_sure
from bot.i18n import LANGUAGES, N_, directed, translate
from bot.leads.access import StoredData, stored_data
from bot.leads.appointment_texts import when
from bot.leads.erasure import erase_conversation
from bot.leads.models import Lead
from bot.leads.store import DatabaseUnavailable
from bot.protocol import ERASE_CUSTOM_KEY

logger = structlog.get_logger(__name__)

WITHDRAW = N_("Einwilligung widerrufen")
DELETE_CONFIRM = N_(
    "Soll ich alles löschen, was ich über dich weiß – das Gespräch, deine Anfrage und deine "
    "Einwilligung? Das geht nicht rückgängig."
)
DELETE_YES = N_("Ja, alles löschen")
DELETE_NO = N_("Nein, behalten")
DELETED = N_(
    "Erledigt: Ich habe alles gelöscht – das Gespräch, deine Anfrage und deine Einwilligung. "
    "Wenn du wieder schreibst, fangen wir neu an."
)
KEPT = N_("Gut, ich lösche nichts.")

DATA_NOTHING = N_(
    "Über dich ist nur dieses Gespräch gespeichert (die Nachrichten und deine Antworten). Wir "
    "löschen es {conversation_days} nach deiner letzten Nachricht."
)
DATA_INTRO = N_("Das ist über dich gespeichert:")
DATA_NAME = N_("Vorname: {value}")
DATA_CONTACT = N_("Kontakt: {value}")
DATA_TIME = N_("Zeit: {value}")
DATA_LANGUAGE = N_("Sprache: {value}")
DATA_ROUTES = N_("Passende Wege: {value}")
DATA_ANSWERS = N_("Deine Antworten aus dem Check: {value}")
DATA_CONSENT = N_("Einwilligung „Beratung“ seit {date} (Hinweis-Version {version})")
DATA_STATISTICS = N_("Einwilligung „anonyme Statistik“ seit {date}")
DATA_STATUS = N_("Stand deiner Anfrage: {value}")
DATA_RELAY = N_("Nachrichten mit dem Beratungsteam:")
DATA_RELAY_LINE = N_("{who} am {date}: {text}")
DATA_RELAY_YOU = N_("du")
DATA_APPOINTMENTS = N_("Termine mit dem Beratungsteam:")
DATA_APPOINTMENT_LINE = N_("{date} um {time} Uhr, {place}: {status}")
APPOINTMENT_STATUSES = {
    # TRANSLATORS: the state of an appointment (this and the next three), after "{date} um {time} Uhr,
    # {place}:" in "what do you know about me".
    "proposed": N_("vorgeschlagen"),
    "confirmed": N_("bestätigt"),
    "declined": N_("du wolltest einen anderen Termin"),
    "cancelled": N_("abgesagt"),
}
"""An appointment's status (``bot.leads.models.APPOINTMENT_STATUSES``), as the person reads it."""
DATA_OUTCOME = N_("Wie deine Beratung ausgegangen ist: {value}")
OUTCOMES = {
    "route_started": N_("du hast deinen Weg begonnen"),
    "referred": N_("du wurdest an eine andere Stelle vermittelt"),
    "not_reachable": N_("wir konnten dich nicht erreichen"),
    "not_interested": N_("du wolltest keine Beratung mehr"),
}
"""The outcome a counsellor closed the lead with (``bot.leads.models.OUTCOMES``), as the person reads it."""
STATUSES = {
    "new": N_("neu"),
    "claimed": N_("in Bearbeitung"),
    "contacted": N_("du wurdest kontaktiert"),
    "closed": N_("abgeschlossen"),
}


def lead_lines(language: str, lead: Lead) -> list[str]:
    """The lead as the person sees it: name, contact, time, language, routes, status, and how it
    ended once a counsellor closed it."""
    contact = {
        "telegram": translate(language, METHODS["telegram"]),
        "phone": lead.phone or "",
        "email": lead.email or "",
    }[lead.contact_method]
    lines = [
        translate(language, DATA_NAME, value=lead.first_name),
        translate(language, DATA_CONTACT, value=contact),
        translate(
            language, DATA_TIME, value=translate(language, TIMES.get(lead.preferred_time or "any", TIMES["any"]))
        ),
        translate(
            language,
            DATA_LANGUAGE,
            value=LANGUAGES[lead.language].endonym if lead.language in LANGUAGES else lead.language,
        ),
        translate(language, DATA_ROUTES, value=", ".join(lead.routes) or "–"),
        translate(language, DATA_STATUS, value=translate(language, STATUSES.get(lead.status, STATUSES["new"]))),
    ]
    if lead.outcome in OUTCOMES:
        lines.append(translate(language, DATA_OUTCOME, value=translate(language, OUTCOMES[lead.outcome])))
    return lines


def stored_lines(language: str, stored: StoredData, answers: str) -> list[str]:
    """Everything stored, one line each: the lead, the triage answers, the consents, the messages
    with the advice team and the appointments."""
    lines = lead_lines(language, stored.lead) if stored.lead is not None else []
    if answers:
        lines.append(translate(language, DATA_ANSWERS, value=answers))
    consents = stored.consents
    if "contact" in consents:
        lines.append(
            translate(
                language,
                DATA_CONSENT,
                date=consents["contact"].given_at.date().isoformat(),
                version=consents["contact"].notice_version,
            )
        )
    if "statistics" in consents:
        lines.append(translate(language, DATA_STATISTICS, date=consents["statistics"].given_at.date().isoformat()))
    if stored.relay:
        lines.append(translate(language, DATA_RELAY))
        for message in stored.relay:
            who = message.author if message.direction == "to_person" else translate(language, DATA_RELAY_YOU)
            lines.append(
                translate(
                    language, DATA_RELAY_LINE, who=who, date=message.created_at.date().isoformat(), text=message.text
                )
            )
    if stored.appointments:
        lines.append(translate(language, DATA_APPOINTMENTS))
        for appointment in stored.appointments:
            status = translate(language, APPOINTMENT_STATUSES.get(appointment.status, APPOINTMENT_STATUSES["proposed"]))
            lines.append(
                translate(
                    language,
                    DATA_APPOINTMENT_LINE,
                    place=appointment.place,
                    status=status,
                    **when(appointment, language),
                )
            )
    return lines


class ActionShowMyData(Action):
    """Art. 15: everything stored about this person, in their language."""

    def name(self) -> str:
        return "action_show_my_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        language = language_of(tracker)
        try:
            stored = await asyncio.to_thread(stored_data, None, conversation_id(tracker))
        except DatabaseUnavailable as error:
            # the type only: database errors carry the statement's parameters (personal data)
            logger.error("handoff.database_unavailable", error=type(error).__name__)
            say_not_saved(dispatcher, language)
            return []
        answers = ", ".join(
            f"{slot}={tracker.get_slot(slot)}" for slot in TRIAGE_SLOTS if tracker.get_slot(slot) is not None
        )
        if stored.lead is None and not stored.consents:
            lines = [translate(language, DATA_NOTHING, **retention())]
            if answers:
                lines.append(translate(language, DATA_ANSWERS, value=answers))
            dispatcher.utter_message(text=directed(language, "\n".join(lines)), buttons=rights_buttons(language))
            return []
        dispatcher.utter_message(
            text=directed(
                language, translate(language, DATA_INTRO) + "\n" + bullet_list(stored_lines(language, stored, answers))
            ),
            buttons=buttons(
                language, [(WITHDRAW, '/delete_my_data{"confirmed": true}'), (DELETE_DATA, "/delete_my_data")]
            ),
        )
        return []


class ActionDeleteMyData(Action):
    """Art. 17 and withdrawal of consent: ask once, then erase everything about the conversation."""

    def name(self) -> str:
        return "action_delete_my_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        language = language_of(tracker)
        confirmed = entity(tracker, "confirmed") if pressed_button(tracker) else None
        if confirmed is None and not is_sure(tracker):
            ask_back(dispatcher, tracker, first="delete_my_data")
            return []
        if confirmed in (False, "false"):
            dispatcher.utter_message(text=translate(language, KEPT))
            return []
        if confirmed not in (True, "true"):
            dispatcher.utter_message(
                text=translate(language, DELETE_CONFIRM),
                buttons=buttons(
                    language,
                    [
                        (DELETE_YES, '/delete_my_data{"confirmed": true}'),
                        (DELETE_NO, '/delete_my_data{"confirmed": false}'),
                    ],
                ),
            )
            return []
        try:
            await asyncio.to_thread(erase_conversation, None, conversation_id(tracker))
        except DatabaseUnavailable as error:
            # the type only: database errors carry the statement's parameters (personal data)
            logger.error("erase.failed", error=type(error).__name__)
            say_not_saved(dispatcher, language, retry='/delete_my_data{"confirmed": true}')
            return []
        dispatcher.utter_message(text=translate(language, DELETED))
        # the gateway deletes this conversation's tracker events once Rasa has stored this turn
        dispatcher.utter_message(json_message={ERASE_CUSTOM_KEY: True})
        return [AllSlotsReset()]
