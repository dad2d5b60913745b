"""From a conversation to a counsellor: consent, the contact form, the lead, and the person's rights.

- ``request_counsellor`` → ``action_offer_counsellor``: says what is stored, why, who sees it and
  for how long (with a link to the privacy notice), records that the notice was shown, and asks
  for consent with buttons. A button sends ``request_counsellor`` again with the ``consent``
  entity (``contact`` or ``contact_statistics``); the consent is recorded per purpose, with a
  reference to the notice shown, and the contact form starts. Only a pressed button counts, and
  only after the notice: typed or forged payloads show the notice instead (issue 17).
- ``contact_form`` asks for a first name, how to be contacted (this Telegram chat / phone /
  e-mail), the number or address (checked with phonenumbers / email-validator), a time and the
  language of the call. The triage answers are reused, never asked again.
- ``action_submit_lead`` writes the lead and its counsellor card in one transaction and says
  exactly what happens next; when the database fails, it says so honestly and offers a retry.
- ``show_my_data`` (Art. 15) lists what is stored; ``delete_my_data`` (Art. 17, also the way to
  withdraw consent) asks once, then erases: our rows at once, the tracker events right after the
  turn (the gateway does that when it sees ``{"lotse_erase": true}``, because Rasa writes this
  turn's events only after the action has run).
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from typing import Any

import structlog
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import AllSlotsReset, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from actions.conversation import bullet_list, language_of, pressed_button
from actions.triage import SLOTS as TRIAGE_SLOTS
from actions.understanding import ask_back, is_sure
from bot.database import default_sessions
from bot.i18n import LANGUAGES, N_, Days, directed, translate
from bot.leads.contact import normalize_email, normalize_phone
from bot.leads.models import Consent, Lead
from bot.leads.notice import NOTICE_VERSION
from bot.leads.consent import NoticeNotShown, record_consent, record_notice_shown
from bot.leads.erasure import erase_conversation
from bot.leads.submission import ConsentMissing, ContactInvalid, LeadSubmission, submit_lead
from bot.protocol import ERASE_CUSTOM_KEY, SHARE_CONTACT_PAYLOAD, SHARE_NUMBER
from bot.settings import get_settings

logger = structlog.get_logger(__name__)

FORM = "contact_form"
CONSENT_ENTITY = "consent"
CONTACT_SLOTS = ("contact_name", "contact_method", "contact_phone", "contact_email",
                 "contact_time", "contact_language")
TEAM = N_("dem Lotse-Team (Jobcenter, Agentur für Arbeit und Kammern in Westmecklenburg)")

CONSENT_QUESTION = N_(
    "Gern! Eine Beraterin oder ein Berater von {team} kann sich bei dir melden.\n"
    "Dafür speichere ich: deinen Vornamen, wie und wann wir dich erreichen, deine Sprache und "
    "deine Antworten aus dem Check. Nur das Lotse-Team sieht das. Wir löschen es {lead_days} "
    "nach der Beratung – oder sofort, wenn du „Meine Daten löschen“ schreibst.\n"
    "Mehr dazu: {privacy_url}\n"
    "Bist du einverstanden?")
CONSENT_YES = N_("Ja, einverstanden")
CONSENT_YES_STATISTICS = N_("Ja, und anonyme Statistik erlaubt")
CONSENT_NO = N_("Nein, lieber nicht")
CONSENT_DECLINED = N_("Das ist in Ordnung. Du kannst mich trotzdem alles fragen.")
ALREADY_SENT = N_("Deine Anfrage ist schon beim Lotse-Team, {name}. Du musst nichts weiter tun.")
SAVED = N_(
    "Danke, {name}! Eine Beraterin oder ein Berater von {team} meldet sich innerhalb von zwei "
    "Werktagen bei dir – {how}. Das Gespräch ist auf Deutsch oder mit Dolmetscher.")
HOW = {
    "telegram": N_("hier in diesem Chat"),
    "phone": N_("per Telefon unter {phone}"),
    "email": N_("per E-Mail an {email}"),
}
NOT_SAVED = N_(
    "Entschuldigung, ich konnte deine Angaben gerade nicht speichern. Es ist nichts gespeichert. "
    "Bitte tippe gleich noch einmal auf „Nochmal senden“.")
RETRY = N_("Nochmal senden")
SHOW_DATA = N_("Was weißt du über mich?")
DELETE_DATA = N_("Meine Daten löschen")
WITHDRAW = N_("Einwilligung widerrufen")

ASK_NAME = N_("Wie heißt du? Der Vorname oder ein Spitzname reicht.")
ASK_METHOD = N_("Wie sollen wir dich erreichen?")
ASK_PHONE = N_("Wie ist deine Telefonnummer? Zum Beispiel 0176 12345678 oder +380 67 123 4567.")
ASK_EMAIL = N_("Wie ist deine E-Mail-Adresse?")
ASK_TIME = N_("Wann passt es dir am besten?")
ASK_LANGUAGE = N_("In welcher Sprache soll das Gespräch sein?")
METHODS = {"telegram": N_("Hier in Telegram"), "phone": N_("Telefon"), "email": N_("E-Mail")}
TIMES = {"morning": N_("Vormittags"), "afternoon": N_("Nachmittags"), "evening": N_("Ab 17 Uhr"),
         "any": N_("Egal")}
CALL_LANGUAGES = {"de": N_("Deutsch"), "own": N_("Meine Sprache (mit Dolmetscher)"),
                  "interpreter": N_("Deutsch mit Dolmetscher")}
BAD_NAME = N_("Schreib bitte nur deinen Vornamen, zum Beispiel Anna.")
BAD_PHONE = N_(
    "Diese Nummer kann ich nicht lesen. Schreib sie bitte mit Vorwahl, zum Beispiel 0176 12345678 "
    "– oder tippe auf „E-Mail“.")
BAD_EMAIL = N_("Diese E-Mail-Adresse stimmt nicht. Schreib sie bitte so: name@beispiel.de")
TAP_A_BUTTON = N_("Tippe bitte auf eine der Tasten.")

DELETE_CONFIRM = N_(
    "Soll ich alles löschen, was ich über dich weiß – das Gespräch, deine Anfrage und deine "
    "Einwilligung? Das geht nicht rückgängig.")
DELETE_YES = N_("Ja, alles löschen")
DELETE_NO = N_("Nein, behalten")
DELETED = N_(
    "Erledigt: Ich habe alles gelöscht – das Gespräch, deine Anfrage und deine Einwilligung. "
    "Wenn du wieder schreibst, fangen wir neu an.")
KEPT = N_("Gut, ich lösche nichts.")

DATA_NOTHING = N_(
    "Über dich ist nur dieses Gespräch gespeichert (die Nachrichten und deine Antworten). Wir "
    "löschen es {conversation_days} nach deiner letzten Nachricht.")
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
STATUSES = {"new": N_("neu"), "claimed": N_("in Bearbeitung"), "contacted": N_("du wurdest kontaktiert"),
            "closed": N_("abgeschlossen")}

_NAME = re.compile(r"^[^\W\d_][^\W\d_'’ .-]{0,39}(?:[ '’.-][^\W\d_]{1,40}){0,3}$")


def _entity(tracker: Tracker, name: str) -> Any:
    return next(tracker.get_latest_entity_values(name), None)


def conversation_id(tracker: Tracker) -> str:
    """The conversation's id: the Rasa sender id (``web:<uuid>``, ``tg:<chat id>``)."""
    return str(tracker.sender_id)


def channel_of(tracker: Tracker) -> str:
    """``telegram`` or ``web`` (from the sender id's prefix)."""
    return "telegram" if conversation_id(tracker).startswith("tg:") else "web"


def privacy_url(language: str) -> str:
    """The privacy notice in ``language``."""
    return f"{get_settings().public_url.rstrip('/')}/privacy?lang={language}"


def _retention() -> dict[str, Days]:
    settings = get_settings()
    return {"lead_days": Days(settings.lead_retention_days),
            "conversation_days": Days(settings.conversation_retention_days)}


def _buttons(language: str, items: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"title": translate(language, title), "payload": payload} for title, payload in items]


def _rights_buttons(language: str) -> list[dict[str, str]]:
    return _buttons(language, [(SHOW_DATA, "/show_my_data"), (DELETE_DATA, "/delete_my_data")])


def _active_consents(session: Any, conversation: str) -> dict[str, Consent]:
    rows = session.scalars(select(Consent).where(Consent.conversation_id == conversation))
    return {c.purpose: c for c in rows if c.active}


class ActionOfferCounsellor(Action):
    """Ask for consent, record it, then start the contact form (or say it is already done)."""

    def name(self) -> str:
        return "action_offer_counsellor"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        language = language_of(tracker)
        conversation = conversation_id(tracker)
        given = _entity(tracker, CONSENT_ENTITY)
        if given is None and not is_sure(tracker):
            ask_back(dispatcher, tracker, first="request_counsellor")
            return []
        try:
            if given in ("contact", "contact_statistics") and self._record(tracker, given):
                return [FollowupAction(FORM)]
            with default_sessions()() as session:
                consents = _active_consents(session, conversation)
                lead = session.scalar(select(Lead).where(Lead.conversation_id == conversation))
            if lead is None and "contact" not in consents:
                record_notice_shown(default_sessions(), conversation, NOTICE_VERSION, language,
                                    channel_of(tracker))
        except SQLAlchemyError as error:
            # the type only: database errors carry the statement's parameters (personal data)
            logger.error("handoff.database_unavailable", error=type(error).__name__)
            dispatcher.utter_message(text=translate(language, NOT_SAVED),
                                     buttons=_buttons(language, [(RETRY, "/request_counsellor")]))
            return []
        if lead is not None:
            dispatcher.utter_message(text=translate(language, ALREADY_SENT, name=lead.first_name),
                                     buttons=_rights_buttons(language))
            return []
        if "contact" in consents:
            return [FollowupAction(FORM)]
        text = translate(language, CONSENT_QUESTION, team=translate(language, TEAM),
                         privacy_url=privacy_url(language), **_retention())
        dispatcher.utter_message(text=text, buttons=_buttons(language, [
            (CONSENT_YES, '/request_counsellor{"consent": "contact"}'),
            (CONSENT_YES_STATISTICS, '/request_counsellor{"consent": "contact_statistics"}'),
            (CONSENT_NO, '/request_counsellor{"consent": "declined"}'),
        ]))
        if given == "declined":
            dispatcher.utter_message(text=translate(language, CONSENT_DECLINED))
        return []

    @staticmethod
    def _record(tracker: Tracker, given: str) -> bool:
        """Record the consent of a pressed button after the shown notice; ``False`` if it is none.

        Only a consent button that Lotse offered and the person pressed counts (the gateway marks
        it ``metadata.input == "button"``; typed text never is), and only after this conversation
        was shown the notice of the current version. Otherwise the notice is shown (again).
        """
        if not pressed_button(tracker):
            logger.warning("consent.not_pressed")
            return False
        conversation, channel = conversation_id(tracker), channel_of(tracker)
        try:
            record_consent(default_sessions(), conversation, "contact", NOTICE_VERSION, channel)
            if given == "contact_statistics":
                record_consent(default_sessions(), conversation, "statistics", NOTICE_VERSION, channel)
        except NoticeNotShown:
            logger.warning("consent.without_notice")
            return False
        return True


class ValidateContactForm(FormValidationAction):
    """Check every contact answer; phone and e-mail with the libraries, the rest from buttons."""

    def name(self) -> str:
        return "validate_contact_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> list[str]:
        needed = ["contact_name", "contact_method"]
        method = tracker.get_slot("contact_method")
        if method == "phone":
            needed.append("contact_phone")
        elif method == "email":
            needed.append("contact_email")
        return needed + ["contact_time", "contact_language"]

    def _text(self, value: Any) -> str:
        return value.strip() if isinstance(value, str) else ""

    def _retry(self, slot: str, hint: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        dispatcher.utter_message(text=translate(language_of(tracker), hint))
        return {slot: None}

    def _choice(self, slot: str, value: Any, allowed: dict[str, str], dispatcher: CollectingDispatcher,
                tracker: Tracker) -> dict[str, Any]:
        chosen = _entity(tracker, slot)
        if chosen is None:
            text = self._text(value).lower()
            language = language_of(tracker)
            chosen = next((key for key, title in allowed.items()
                           if text in (key, translate(language, title).lower())), None)
        if chosen not in allowed:
            return self._retry(slot, TAP_A_BUTTON, dispatcher, tracker)
        return {slot: chosen}

    async def validate_contact_name(self, value: Any, dispatcher: CollectingDispatcher,
                                    tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        name = " ".join(self._text(value).split())
        if not _NAME.match(name):
            return self._retry("contact_name", BAD_NAME, dispatcher, tracker)
        return {"contact_name": name[:40]}

    async def validate_contact_method(self, value: Any, dispatcher: CollectingDispatcher,
                                      tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        allowed = dict(METHODS)
        if channel_of(tracker) != "telegram":
            allowed.pop("telegram")
        return self._choice("contact_method", value, allowed, dispatcher, tracker)

    async def validate_contact_phone(self, value: Any, dispatcher: CollectingDispatcher,
                                     tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if _entity(tracker, "contact_method") == "email":
            return {"contact_phone": None, "contact_method": "email"}
        phone = normalize_phone(self._text(value))
        if phone is None:
            dispatcher.utter_message(text=translate(language_of(tracker), BAD_PHONE),
                                     buttons=_buttons(language_of(tracker), [
                                         (METHODS["email"], '/inform{"contact_method": "email"}')]))
            return {"contact_phone": None}
        return {"contact_phone": phone}

    async def validate_contact_email(self, value: Any, dispatcher: CollectingDispatcher,
                                     tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        email = normalize_email(self._text(value))
        if email is None:
            return self._retry("contact_email", BAD_EMAIL, dispatcher, tracker)
        return {"contact_email": email}

    async def validate_contact_time(self, value: Any, dispatcher: CollectingDispatcher,
                                    tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return self._choice("contact_time", value, TIMES, dispatcher, tracker)

    async def validate_contact_language(self, value: Any, dispatcher: CollectingDispatcher,
                                        tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return self._choice("contact_language", value, CALL_LANGUAGES, dispatcher, tracker)


class ActionAskContact(Action, ABC):
    """Base for ``action_ask_contact_<slot>``: the question with its buttons."""

    slot = ""
    question = ""

    @abstractmethod
    def name(self) -> str:
        """``action_ask_<slot>``."""

    def choices(self, tracker: Tracker) -> dict[str, str]:
        """Value → button title (German msgid)."""
        return {}

    def buttons(self, tracker: Tracker, language: str) -> list[dict[str, str]]:
        """One button per choice."""
        return [{"title": translate(language, title), "payload": "/inform" + json.dumps({self.slot: value})}
                for value, title in self.choices(tracker).items()]

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        language = language_of(tracker)
        dispatcher.utter_message(text=translate(language, self.question), buttons=self.buttons(tracker, language))
        return []


class ActionAskContactName(ActionAskContact):
    slot, question = "contact_name", ASK_NAME

    def name(self) -> str:
        return "action_ask_contact_name"


class ActionAskContactMethod(ActionAskContact):
    slot, question = "contact_method", ASK_METHOD

    def name(self) -> str:
        return "action_ask_contact_method"

    def choices(self, tracker: Tracker) -> dict[str, str]:
        if channel_of(tracker) == "telegram":
            return dict(METHODS)
        return {k: v for k, v in METHODS.items() if k != "telegram"}


class ActionAskContactPhone(ActionAskContact):
    slot, question = "contact_phone", ASK_PHONE

    def name(self) -> str:
        return "action_ask_contact_phone"

    def buttons(self, tracker: Tracker, language: str) -> list[dict[str, str]]:
        if channel_of(tracker) != "telegram":
            return []
        # Telegram's one-tap "share my number"
        return [{"title": translate(language, SHARE_NUMBER), "payload": SHARE_CONTACT_PAYLOAD}]


class ActionAskContactEmail(ActionAskContact):
    slot, question = "contact_email", ASK_EMAIL

    def name(self) -> str:
        return "action_ask_contact_email"


class ActionAskContactTime(ActionAskContact):
    slot, question = "contact_time", ASK_TIME

    def name(self) -> str:
        return "action_ask_contact_time"

    def choices(self, tracker: Tracker) -> dict[str, str]:
        return dict(TIMES)


class ActionAskContactLanguage(ActionAskContact):
    slot, question = "contact_language", ASK_LANGUAGE

    def name(self) -> str:
        return "action_ask_contact_language"

    def choices(self, tracker: Tracker) -> dict[str, str]:
        choices = dict(CALL_LANGUAGES)
        if language_of(tracker).startswith("de"):
            choices.pop("own")
        return choices


def submission_from(tracker: Tracker) -> LeadSubmission:
    """The lead as the form and the triage left it in the tracker."""
    routes = tracker.get_slot("recommended_routes") or []
    triage = {slot: tracker.get_slot(slot) for slot in TRIAGE_SLOTS if tracker.get_slot(slot) is not None}
    source = tracker.get_slot("lead_source")
    return LeadSubmission(
        conversation_id=conversation_id(tracker),
        channel=channel_of(tracker),
        language=language_of(tracker),
        first_name=str(tracker.get_slot("contact_name") or ""),
        contact_method=str(tracker.get_slot("contact_method") or ""),
        phone=tracker.get_slot("contact_phone"),
        email=tracker.get_slot("contact_email"),
        preferred_time=tracker.get_slot("contact_time"),
        call_language=tracker.get_slot("contact_language"),
        source=str(source)[:64] if isinstance(source, str) and source else None,
        routes=tuple(r for r in routes if isinstance(r, str)),
        triage=triage,
        has_documents=None,
        wants_counsellor=True,
        urgent=False,
    )


class ActionSubmitLead(Action):
    """Save the lead (and its counsellor card) and say what happens next."""

    def name(self) -> str:
        return "action_submit_lead"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        language = language_of(tracker)
        submission = submission_from(tracker)
        try:
            lead = submit_lead(default_sessions(), submission)
        except ConsentMissing:
            return [FollowupAction("action_offer_counsellor")]
        except ContactInvalid:
            return [SlotSet("contact_method", None), SlotSet("contact_phone", None),
                    SlotSet("contact_email", None), FollowupAction(FORM)]
        except SQLAlchemyError as error:
            # the type only: database errors carry the statement's parameters (personal data)
            logger.error("lead.not_saved", error=type(error).__name__)
            dispatcher.utter_message(text=translate(language, NOT_SAVED),
                                     buttons=_buttons(language, [(RETRY, "/request_counsellor")]))
            return []
        how = translate(language, HOW[lead.contact_method], phone=lead.phone or "", email=lead.email or "")
        dispatcher.utter_message(
            text=translate(language, SAVED, name=lead.first_name, team=translate(language, TEAM), how=how),
            buttons=_rights_buttons(language),
        )
        return []


class ActionShowMyData(Action):
    """Art. 15: everything stored about this person, in their language."""

    def name(self) -> str:
        return "action_show_my_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        language = language_of(tracker)
        conversation = conversation_id(tracker)
        try:
            with default_sessions()() as session:
                lead = session.scalar(select(Lead).where(Lead.conversation_id == conversation))
                consents = _active_consents(session, conversation)
        except SQLAlchemyError as error:
            # the type only: database errors carry the statement's parameters (personal data)
            logger.error("handoff.database_unavailable", error=type(error).__name__)
            dispatcher.utter_message(text=translate(language, NOT_SAVED))
            return []
        answers = ", ".join(f"{slot}={tracker.get_slot(slot)}" for slot in TRIAGE_SLOTS
                            if tracker.get_slot(slot) is not None)
        if lead is None and not consents:
            lines = [translate(language, DATA_NOTHING, **_retention())]
            if answers:
                lines.append(translate(language, DATA_ANSWERS, value=answers))
            dispatcher.utter_message(text=directed(language, "\n".join(lines)), buttons=_rights_buttons(language))
            return []
        lines = []
        if lead is not None:
            contact = {"telegram": translate(language, METHODS["telegram"]),
                       "phone": lead.phone or "", "email": lead.email or ""}[lead.contact_method]
            lines += [
                translate(language, DATA_NAME, value=lead.first_name),
                translate(language, DATA_CONTACT, value=contact),
                translate(language, DATA_TIME, value=translate(language, TIMES.get(lead.preferred_time or "any", TIMES["any"]))),
                translate(language, DATA_LANGUAGE, value=LANGUAGES[lead.language].endonym
                          if lead.language in LANGUAGES else lead.language),
                translate(language, DATA_ROUTES, value=", ".join(lead.routes) or "–"),
                translate(language, DATA_STATUS, value=translate(language, STATUSES.get(lead.status, STATUSES["new"]))),
            ]
        if answers:
            lines.append(translate(language, DATA_ANSWERS, value=answers))
        if "contact" in consents:
            lines.append(translate(language, DATA_CONSENT, date=consents["contact"].given_at.date().isoformat(),
                                   version=consents["contact"].notice_version))
        if "statistics" in consents:
            lines.append(translate(language, DATA_STATISTICS,
                                   date=consents["statistics"].given_at.date().isoformat()))
        dispatcher.utter_message(
            text=directed(language, translate(language, DATA_INTRO) + "\n" + bullet_list(lines)),
            buttons=_buttons(language, [(WITHDRAW, '/delete_my_data{"confirmed": true}'),
                                        (DELETE_DATA, "/delete_my_data")]),
        )
        return []


class ActionDeleteMyData(Action):
    """Art. 17 and withdrawal of consent: ask once, then erase everything about the conversation."""

    def name(self) -> str:
        return "action_delete_my_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        language = language_of(tracker)
        confirmed = _entity(tracker, "confirmed") if pressed_button(tracker) else None
        if confirmed is None and not is_sure(tracker):
            ask_back(dispatcher, tracker, first="delete_my_data")
            return []
        if confirmed in (False, "false"):
            dispatcher.utter_message(text=translate(language, KEPT))
            return []
        if confirmed not in (True, "true"):
            dispatcher.utter_message(text=translate(language, DELETE_CONFIRM), buttons=_buttons(language, [
                (DELETE_YES, '/delete_my_data{"confirmed": true}'),
                (DELETE_NO, '/delete_my_data{"confirmed": false}'),
            ]))
            return []
        try:
            erase_conversation(default_sessions(), conversation_id(tracker))
        except SQLAlchemyError as error:
            # the type only: database errors carry the statement's parameters (personal data)
            logger.error("erase.failed", error=type(error).__name__)
            dispatcher.utter_message(text=translate(language, NOT_SAVED),
                                     buttons=_buttons(language, [(RETRY, '/delete_my_data{"confirmed": true}')]))
            return []
        dispatcher.utter_message(text=translate(language, DELETED))
        # the gateway deletes this conversation's tracker events once Rasa has stored this turn
        dispatcher.utter_message(json_message={ERASE_CUSTOM_KEY: True})
        return [AllSlotsReset()]
