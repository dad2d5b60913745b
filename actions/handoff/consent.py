"""Consent before the contact form: the notice (what is stored, why, who sees it, how long), the
consent buttons, and the consent of a pressed button recorded after that notice."""

from __future__ import annotations

import asyncio

import structlog
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.handoff.shared import (
    CONTACT_FORM,
    TEAM,
    buttons,
    channel_of,
    conversation_id,
    entity,
    retention,
    rights_buttons,
    say_not_saved,
)
from actions.tracker import language_of, pressed_button
from actions.understanding import ask_back, is_sure
from bot.i18n import N_, translate
from bot.leads.consent import NoticeNotShown, offer_counsellor, record_consent
from bot.leads.notice import NOTICE_VERSION
from bot.leads.store import DatabaseUnavailable
from bot.settings import get_settings

logger = structlog.get_logger(__name__)

CONSENT_ENTITY = "consent"
CONSENT_QUESTION = N_(
    "Gern! Eine Beraterin oder ein Berater von {team} kann sich bei dir melden.\n"
    "Dafür speichere ich: deinen Vornamen, wie und wann wir dich erreichen, deine Sprache, "
    "deine Antworten aus dem Check, die Nachrichten, die du hier mit der Beratung schreibst, "
    "und Termine, die ihr vereinbart. "
    "Nur das Lotse-Team sieht das. Wir löschen es {lead_days} "
    "nach der Beratung – oder sofort, wenn du „Meine Daten löschen“ schreibst.\n"
    "Mehr dazu: {privacy_url}\n"
    "Bist du einverstanden?"
)
CONSENT_YES = N_("Ja, einverstanden")
CONSENT_YES_STATISTICS = N_("Ja, und anonyme Statistik erlaubt")
CONSENT_NO = N_("Nein, lieber nicht")
CONSENT_DECLINED = N_("Das ist in Ordnung. Du kannst mich trotzdem alles fragen.")
ALREADY_SENT = N_("Deine Anfrage ist schon beim Lotse-Team, {name}. Du musst nichts weiter tun.")


def privacy_url(language: str) -> str:
    """The privacy notice in ``language``."""
    return f"{get_settings().public_url.rstrip('/')}/privacy?lang={language}"


async def record_pressed_consent(tracker: Tracker, given: str) -> bool:
    """Record the consent of a pressed button after the shown notice; ``False`` if it is none.

    Only a consent button that Lotse offered and the person pressed counts (the gateway marks
    it ``metadata.input == "button"``; typed text never is), and only after this conversation
    was shown the notice of the current version. Otherwise the notice is shown (again).
    """
    if not pressed_button(tracker):
        logger.warning("consent.not_pressed")
        return False
    conversation, channel = conversation_id(tracker), channel_of(tracker)
    purposes = ["contact", "statistics"] if given == "contact_statistics" else ["contact"]
    try:
        for purpose in purposes:
            await asyncio.to_thread(record_consent, None, conversation, purpose, NOTICE_VERSION, channel)
    except NoticeNotShown:
        logger.warning("consent.without_notice")
        return False
    return True


def ask_consent(dispatcher: CollectingDispatcher, language: str, declined: bool) -> None:
    """The notice with the consent buttons (and, after "no", that this is fine)."""
    text = translate(
        language, CONSENT_QUESTION, team=translate(language, TEAM), privacy_url=privacy_url(language), **retention()
    )
    dispatcher.utter_message(
        text=text,
        buttons=buttons(
            language,
            [
                (CONSENT_YES, '/request_counsellor{"consent": "contact"}'),
                (CONSENT_YES_STATISTICS, '/request_counsellor{"consent": "contact_statistics"}'),
                (CONSENT_NO, '/request_counsellor{"consent": "declined"}'),
            ],
        ),
    )
    if declined:
        dispatcher.utter_message(text=translate(language, CONSENT_DECLINED))


class ActionOfferCounsellor(Action):
    """Ask for consent, record it, then start the contact form (or say it is already done)."""

    def name(self) -> str:
        return "action_offer_counsellor"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        language = language_of(tracker)
        given = entity(tracker, CONSENT_ENTITY)
        if given is None and not is_sure(tracker):
            ask_back(dispatcher, tracker, first="request_counsellor")
            return []
        try:
            if given in ("contact", "contact_statistics") and await record_pressed_consent(tracker, given):
                return [FollowupAction(CONTACT_FORM)]
            offer = await asyncio.to_thread(
                offer_counsellor, None, conversation_id(tracker), NOTICE_VERSION, language, channel_of(tracker)
            )
        except DatabaseUnavailable as error:
            # the type only: database errors carry the statement's parameters (personal data)
            logger.error("handoff.database_unavailable", error=type(error).__name__)
            say_not_saved(dispatcher, language, retry="/request_counsellor")
            return []
        if offer.lead_name is not None:
            dispatcher.utter_message(
                text=translate(language, ALREADY_SENT, name=offer.lead_name), buttons=rights_buttons(language)
            )
            return []
        if offer.consented:
            return [FollowupAction(CONTACT_FORM)]
        ask_consent(dispatcher, language, declined=given == "declined")
        return []
