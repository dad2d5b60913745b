"""The contact form: a first name, how and when to reach the person, in which language — checked
as it is typed — and the lead it becomes (with its counsellor card, in one transaction)."""

from __future__ import annotations

import asyncio
import json
import re
from abc import ABC, abstractmethod
from datetime import UTC, datetime
from typing import Any

import structlog
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.handoff.shared import (
    CONTACT_FORM,
    TEAM,
    buttons,
    channel_of,
    conversation_id,
    entity,
    rights_buttons,
    say_not_saved,
)
from actions.tracker import language_of
from actions.triage import SLOTS as TRIAGE_SLOTS
from bot.i18n import N_, directed, translate, translate_plural
from bot.leads.contact import normalize_email, normalize_phone
from bot.leads.store import DatabaseUnavailable
from bot.leads.submission import ConsentMissing, ContactInvalid, LeadSubmission, submit_lead
from bot.protocol import SHARE_CONTACT_PAYLOAD, SHARE_NUMBER
from bot.settings import get_settings
from bot.working_hours import WorkingHours

logger = structlog.get_logger(__name__)

CONTACT_SLOTS = ("contact_name", "contact_method", "contact_phone", "contact_email", "contact_time", "contact_language")
SAVED = N_(
    "Danke, {name}! Eine Beraterin oder ein Berater von {team} meldet sich bei dir – {how}. "
    "Das Gespräch ist auf Deutsch oder mit Dolmetscher."
)
CLOSED_NOW = N_("Gerade ist das Büro nicht besetzt. Deine Anfrage ist gespeichert. Ab {opens} ist wieder jemand da.")
HOW = {
    "telegram": N_("hier in diesem Chat"),
    "phone": N_("per Telefon unter {phone}"),
    "email": N_("per E-Mail an {email}"),
}

ASK_NAME = N_("Wie heißt du? Der Vorname oder ein Spitzname reicht.")
ASK_METHOD = N_("Wie sollen wir dich erreichen?")
ASK_PHONE = N_("Wie ist deine Telefonnummer? Zum Beispiel 0176 12345678 oder +380 67 123 4567.")
ASK_EMAIL = N_("Wie ist deine E-Mail-Adresse?")
ASK_TIME = N_("Wann passt es dir am besten?")
ASK_LANGUAGE = N_("In welcher Sprache soll das Gespräch sein?")
METHODS = {"telegram": N_("Hier in Telegram"), "phone": N_("Telefon"), "email": N_("E-Mail")}
TIMES = {"morning": N_("Vormittags"), "afternoon": N_("Nachmittags"), "evening": N_("Ab 17 Uhr"), "any": N_("Egal")}
CALL_LANGUAGES = {
    "de": N_("Deutsch"),
    "own": N_("Meine Sprache (mit Dolmetscher)"),
    "interpreter": N_("Deutsch mit Dolmetscher"),
}
BAD_NAME = N_("Schreib bitte nur deinen Vornamen, zum Beispiel Anna.")
BAD_PHONE = N_(
    "Diese Nummer kann ich nicht lesen. Schreib sie bitte mit Vorwahl, zum Beispiel 0176 12345678 "
    "– oder tippe auf „E-Mail“."
)
BAD_EMAIL = N_("Diese E-Mail-Adresse stimmt nicht. Schreib sie bitte so: name@beispiel.de")
TAP_A_BUTTON = N_("Tippe bitte auf eine der Tasten.")

_NAME = re.compile(r"^[^\W\d_][^\W\d_'’ .-]{0,39}(?:[ '’.-][^\W\d_]{1,40}){0,3}$")


class ValidateContactForm(FormValidationAction):
    """Check every contact answer; phone and e-mail with the libraries, the rest from buttons."""

    def name(self) -> str:
        return "validate_contact_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        needed = ["contact_name", "contact_method"]
        method = tracker.get_slot("contact_method")
        if method == "phone":
            needed.append("contact_phone")
        elif method == "email":
            needed.append("contact_email")
        return [*needed, "contact_time", "contact_language"]

    def _text(self, value: Any) -> str:
        return value.strip() if isinstance(value, str) else ""

    def _retry(self, slot: str, hint: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        dispatcher.utter_message(text=translate(language_of(tracker), hint))
        return {slot: None}

    def _choice(
        self, slot: str, value: Any, allowed: dict[str, str], dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        chosen = entity(tracker, slot)
        if chosen is None:
            text = self._text(value).lower()
            language = language_of(tracker)
            chosen = next(
                (key for key, title in allowed.items() if text in (key, translate(language, title).lower())), None
            )
        if chosen not in allowed:
            return self._retry(slot, TAP_A_BUTTON, dispatcher, tracker)
        return {slot: chosen}

    async def validate_contact_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        name = " ".join(self._text(value).split())
        if not _NAME.match(name):
            return self._retry("contact_name", BAD_NAME, dispatcher, tracker)
        return {"contact_name": name[:40]}

    async def validate_contact_method(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        allowed = dict(METHODS)
        if channel_of(tracker) != "telegram":
            allowed.pop("telegram")
        return self._choice("contact_method", value, allowed, dispatcher, tracker)

    async def validate_contact_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if entity(tracker, "contact_method") == "email":
            return {"contact_phone": None, "contact_method": "email"}
        phone = normalize_phone(self._text(value))
        if phone is None:
            dispatcher.utter_message(
                text=translate(language_of(tracker), BAD_PHONE),
                buttons=buttons(language_of(tracker), [(METHODS["email"], '/inform{"contact_method": "email"}')]),
            )
            return {"contact_phone": None}
        return {"contact_phone": phone}

    async def validate_contact_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        email = normalize_email(self._text(value))
        if email is None:
            return self._retry("contact_email", BAD_EMAIL, dispatcher, tracker)
        return {"contact_email": email}

    async def validate_contact_time(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._choice("contact_time", value, TIMES, dispatcher, tracker)

    async def validate_contact_language(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
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
        return [
            {"title": translate(language, title), "payload": "/inform" + json.dumps({self.slot: value})}
            for value, title in self.choices(tracker).items()
        ]

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
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


def when_to_expect_contact(language: str, at: datetime, office: WorkingHours, within_days: int) -> str:
    """When a human answers, in the person's language: the usual time and the office hours, and
    — outside them — that nobody is there right now and when somebody is again."""
    expect = translate_plural(
        language,
        "Ein Mensch meldet sich in der Regel innerhalb von {count} Werktag. Sprechzeiten: {hours}.",
        "Ein Mensch meldet sich in der Regel innerhalb von {count} Werktagen. Sprechzeiten: {hours}.",
        within_days,
        hours=office.describe(language),
    )
    if office.is_open(at):
        return expect
    closed = translate(language, CLOSED_NOW, opens=office.describe_opening(at, language))
    return directed(language, f"{expect} {closed}")


class ActionSubmitLead(Action):
    """Save the lead (and its counsellor card) and say what happens next."""

    def name(self) -> str:
        return "action_submit_lead"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        language = language_of(tracker)
        submission = submission_from(tracker)
        try:
            lead = await asyncio.to_thread(submit_lead, None, submission)
        except ConsentMissing:
            return [FollowupAction("action_offer_counsellor")]
        except ContactInvalid:
            return [
                SlotSet("contact_method", None),
                SlotSet("contact_phone", None),
                SlotSet("contact_email", None),
                FollowupAction(CONTACT_FORM),
            ]
        except DatabaseUnavailable as error:
            # the type only: database errors carry the statement's parameters (personal data)
            logger.error("lead.not_saved", error=type(error).__name__)
            say_not_saved(dispatcher, language, retry="/request_counsellor")
            return []
        how = translate(language, HOW[lead.contact_method], phone=lead.phone or "", email=lead.email or "")
        settings = get_settings()
        when = when_to_expect_contact(
            language, datetime.now(UTC), WorkingHours.from_settings(settings), settings.contact_within_working_days
        )
        saved = translate(language, SAVED, name=lead.first_name, team=translate(language, TEAM), how=how)
        dispatcher.utter_message(text=directed(language, f"{saved}\n\n{when}"), buttons=rights_buttons(language))
        return []
