"""From a conversation to a counsellor: the consent (only after the notice, only from a pressed
button), the contact form's questions and checks, and the lead that is written."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from actions.handoff.contact import when_to_expect_contact
from bot.leads.models import Consent, Lead, NoticeShown, OutboxMessage
from bot.settings import Settings
from bot.working_hours import WorkingHours
from tests.unit.actions.conftest import Turn, run, tracker

OFFER = "action_offer_counsellor"
FORM = "validate_contact_form"
SUBMIT = "action_submit_lead"
CONSENT_BUTTONS = [
    '/request_counsellor{"consent": "contact"}',
    '/request_counsellor{"consent": "contact_statistics"}',
    '/request_counsellor{"consent": "declined"}',
]


def _count(db: sessionmaker, model: Any, sender: str = "web:unit") -> int:
    with db() as session:
        return session.scalar(select(func.count()).select_from(model).where(model.conversation_id == sender)) or 0


def ask(language: str = "de", sender: str = "web:unit") -> Turn:
    """The person asks for a counsellor (typed, surely meant)."""
    return run(OFFER, tracker("ich möchte eine beratung", "request_counsellor", language=language, sender=sender))


def press_consent(value: str = "contact", sender: str = "web:unit", kind: str = "button") -> Turn:
    return run(
        OFFER,
        tracker(
            f'/request_counsellor{{"consent": "{value}"}}',
            "request_counsellor",
            1.0,
            kind=kind,
            sender=sender,
            entities={"consent": value},
        ),
    )


def consent(sender: str = "web:unit") -> None:
    """Notice shown, then the consent button pressed — as a person does it."""
    ask(sender=sender)
    assert press_consent(sender=sender).followup() == "contact_form"


# --- consent -----------------------------------------------------------------------------------


def test_asking_shows_what_is_stored_and_records_the_notice_not_a_consent(db: sessionmaker) -> None:
    turn = ask()
    assert "Dafür speichere ich" in turn.text and "180 Tage" in turn.text
    assert "http://localhost:8080/privacy?lang=de" in turn.text
    assert turn.payloads == CONSENT_BUTTONS and turn.events == []
    assert _count(db, NoticeShown) == 1 and _count(db, Consent) == 0, "asking is not consenting"


def test_the_notice_is_shown_in_the_persons_language(db: sessionmaker) -> None:
    turn = ask("ar")
    assert "/privacy?lang=ar" in turn.text and any("\u0600" <= ch <= "\u06ff" for ch in turn.text)
    assert "Dafür speichere ich" not in turn.text
    with db() as session:
        assert session.scalar(select(NoticeShown.language)) == "ar"


def test_a_pressed_consent_after_the_notice_is_recorded_and_the_form_starts(db: sessionmaker) -> None:
    ask()
    turn = press_consent()
    assert turn.followup() == "contact_form" and turn.messages == []
    with db() as session:
        given = session.scalars(select(Consent)).all()
        shown = session.scalar(select(NoticeShown))
        assert [(c.purpose, c.channel, c.notice_shown_id) for c in given] == [("contact", "web", shown.id)]


def test_the_statistics_button_records_both_purposes(db: sessionmaker) -> None:
    ask()
    assert press_consent("contact_statistics").followup() == "contact_form"
    with db() as session:
        assert sorted(session.scalars(select(Consent.purpose))) == ["contact", "statistics"]


def test_a_consent_without_the_notice_is_not_recorded_the_notice_is_shown(db: sessionmaker) -> None:
    turn = press_consent()
    assert turn.followup() is None and turn.payloads == CONSENT_BUTTONS
    assert _count(db, Consent) == 0 and _count(db, NoticeShown) == 1


def test_a_typed_consent_payload_is_not_a_consent(db: sessionmaker) -> None:
    ask()
    turn = press_consent(kind="text")
    assert turn.followup() is None and turn.payloads == CONSENT_BUTTONS
    assert _count(db, Consent) == 0


def test_declining_stores_no_consent_and_says_it_is_fine(db: sessionmaker) -> None:
    ask()
    turn = press_consent("declined")
    assert turn.texts[-1] == "Das ist in Ordnung. Du kannst mich trotzdem alles fragen."
    assert turn.followup() is None and _count(db, Consent) == 0


def test_with_a_consent_given_the_form_starts_without_asking_again(db: sessionmaker) -> None:
    consent()
    turn = ask()
    assert turn.followup() == "contact_form" and turn.messages == []
    assert _count(db, NoticeShown) == 1


def test_the_database_failing_is_told_honestly_with_a_retry(broken_db: None) -> None:
    turn = ask()
    assert turn.texts == [
        "Entschuldigung, ich konnte deine Angaben gerade nicht speichern. Es ist nichts "
        "gespeichert. Bitte tippe gleich noch einmal auf „Nochmal senden“."
    ]
    assert turn.payloads == ["/request_counsellor"] and turn.events == []


# --- the contact form's questions ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "sender", "language", "question", "payloads"),
    [
        ("action_ask_contact_name", "web:unit", "de", "Wie heißt du?", []),
        (
            "action_ask_contact_method",
            "web:unit",
            "de",
            "Wie sollen wir dich erreichen?",
            ['/inform{"contact_method": "phone"}', '/inform{"contact_method": "email"}'],
        ),
        (
            "action_ask_contact_method",
            "tg:42",
            "de",
            "Wie sollen wir dich erreichen?",
            [
                '/inform{"contact_method": "telegram"}',
                '/inform{"contact_method": "phone"}',
                '/inform{"contact_method": "email"}',
            ],
        ),
        ("action_ask_contact_phone", "web:unit", "de", "Wie ist deine Telefonnummer?", []),
        ("action_ask_contact_phone", "tg:42", "de", "Wie ist deine Telefonnummer?", ["/share_contact"]),
        ("action_ask_contact_email", "web:unit", "de", "Wie ist deine E-Mail-Adresse?", []),
        (
            "action_ask_contact_time",
            "web:unit",
            "de",
            "Wann passt es dir am besten?",
            [f'/inform{{"contact_time": "{t}"}}' for t in ("morning", "afternoon", "evening", "any")],
        ),
        (
            "action_ask_contact_language",
            "web:unit",
            "de",
            "In welcher Sprache soll das Gespräch sein?",
            ['/inform{"contact_language": "de"}', '/inform{"contact_language": "interpreter"}'],
        ),
        (
            "action_ask_contact_language",
            "web:unit",
            "uk",
            "",
            [
                '/inform{"contact_language": "de"}',
                '/inform{"contact_language": "own"}',
                '/inform{"contact_language": "interpreter"}',
            ],
        ),
    ],
)
def test_each_contact_question_has_its_buttons(
    name: str, sender: str, language: str, question: str, payloads: list[str]
) -> None:
    turn = run(name, tracker("", "request_counsellor", language=language, sender=sender))
    assert len(turn.messages) == 1 and turn.events == []
    assert turn.texts[0].startswith(question) and turn.payloads == payloads
    if language != "de":
        assert any("\u0400" <= ch <= "\u04ff" for ch in turn.texts[0]), "asked in Ukrainian"


def test_the_contact_questions_speak_arabic() -> None:
    turn = run("action_ask_contact_time", tracker("", "request_counsellor", language="ar"))
    assert any("\u0600" <= ch <= "\u06ff" for ch in turn.texts[0] + "".join(turn.titles))
    assert "Vormittags" not in turn.titles


# --- the contact form's checks -------------------------------------------------------------------


def answer(
    slot: str,
    value: Any,
    *,
    language: str = "de",
    sender: str = "web:unit",
    kind: str = "text",
    entities: dict[str, Any] | None = None,
    slots: dict[str, Any] | None = None,
) -> Turn:
    """The form extracted ``value`` for ``slot`` from the person's message; the form validates it."""
    filled = {"requested_slot": slot, **(slots or {})}
    return run(
        FORM,
        tracker(
            str(value),
            "inform",
            language=language,
            sender=sender,
            kind=kind,
            entities=entities,
            slots=filled,
            candidates={slot: value},
            active_loop="contact_form",
        ),
    )


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("Olena", "Olena"), ("  anna   lena ", "anna lena"), ("Zeynep-Nur", "Zeynep-Nur"), ("Владислав", "Владислав")],
)
def test_a_first_name_is_taken(typed: str, stored: str) -> None:
    turn = answer("contact_name", typed)
    assert turn.slots["contact_name"] == stored and turn.messages == []
    assert turn.slots["requested_slot"] == "contact_method"


@pytest.mark.parametrize(
    "typed", ["<script>alert(1)</script>", "12345", "", "A" * 5000, "ich heiße Anna und wohne in Schwerin seit 2019"]
)
def test_what_is_no_first_name_is_asked_again(typed: str) -> None:
    turn = answer("contact_name", typed)
    assert turn.slots["contact_name"] is None
    assert turn.texts == ["Schreib bitte nur deinen Vornamen, zum Beispiel Anna."]
    assert turn.slots["requested_slot"] == "contact_name"


def test_a_phone_number_is_stored_in_international_form_and_the_form_goes_on() -> None:
    turn = answer("contact_phone", "0176 12345678", slots={"contact_name": "Olena", "contact_method": "phone"})
    assert turn.slots["contact_phone"] == "+4917612345678" and turn.messages == []
    assert turn.slots["requested_slot"] == "contact_time"


@pytest.mark.parametrize("typed", ["12345", "<b>0176</b>", "hallo", "1" * 5000])
def test_a_wrong_phone_number_is_asked_again_with_e_mail_offered(typed: str) -> None:
    turn = answer("contact_phone", typed, slots={"contact_name": "Olena", "contact_method": "phone"})
    assert turn.slots["contact_phone"] is None
    assert turn.texts[0].startswith("Diese Nummer kann ich nicht lesen.")
    assert turn.payloads == ['/inform{"contact_method": "email"}']
    assert turn.slots["requested_slot"] == "contact_phone"


def test_the_e_mail_button_instead_of_a_number_switches_the_method() -> None:
    turn = answer(
        "contact_phone",
        '/inform{"contact_method": "email"}',
        kind="button",
        entities={"contact_method": "email"},
        slots={"contact_name": "Olena", "contact_method": "phone"},
    )
    assert turn.slots["contact_method"] == "email" and turn.slots["contact_phone"] is None
    assert turn.slots["requested_slot"] == "contact_email"


@pytest.mark.parametrize(
    ("typed", "stored"), [("Olena@Example.ORG", "Olena@example.org"), ("<olena@example.org>", None), ("olena@", None)]
)
def test_an_e_mail_address_is_checked(typed: str, stored: str | None) -> None:
    turn = answer("contact_email", typed, slots={"contact_name": "Olena", "contact_method": "email"})
    assert turn.slots["contact_email"] == stored
    if stored is None:
        assert turn.texts == ["Diese E-Mail-Adresse stimmt nicht. Schreib sie bitte so: name@beispiel.de"]


@pytest.mark.parametrize(
    ("sender", "typed", "stored"),
    [
        ("web:unit", "Telefon", "phone"),
        ("web:unit", "e-mail", "email"),
        ("web:unit", "telegram", None),  # no Telegram chat to answer in from the web
        ("tg:42", "telegram", "telegram"),
        ("web:unit", "<script>", None),
    ],
)
def test_the_way_of_contact_is_a_choice_of_the_offered_ones(sender: str, typed: str, stored: str | None) -> None:
    turn = answer("contact_method", typed, sender=sender, slots={"contact_name": "Olena"})
    assert turn.slots["contact_method"] == stored
    if stored is None:
        assert turn.texts == ["Tippe bitte auf eine der Tasten."]


def test_a_choice_typed_in_the_persons_language_is_understood() -> None:
    from bot.i18n import translate

    typed = translate("uk", "Telefon")
    assert typed != "Telefon"
    turn = answer("contact_method", typed, language="uk", slots={"contact_name": "Olena"})
    assert turn.slots["contact_method"] == "phone"


def test_a_refusal_is_said_in_the_persons_language() -> None:
    turn = answer(
        "contact_time",
        "irgendwann",
        language="ar",
        slots={"contact_name": "Olena", "contact_method": "email", "contact_email": "o@example.org"},
    )
    assert turn.slots["contact_time"] is None and turn.texts[0] != "Tippe bitte auf eine der Tasten."
    assert any("\u0600" <= ch <= "\u06ff" for ch in turn.texts[0])


def test_the_last_answer_ends_the_form() -> None:
    turn = answer(
        "contact_language",
        "/inform",
        kind="button",
        entities={"contact_language": "interpreter"},
        slots={
            "contact_name": "Olena",
            "contact_method": "email",
            "contact_email": "o@example.org",
            "contact_time": "any",
        },
    )
    assert turn.slots["contact_language"] == "interpreter" and turn.slots["requested_slot"] is None


# --- the lead ------------------------------------------------------------------------------------

DETAILS = {
    "contact_name": "Olena",
    "contact_method": "phone",
    "contact_phone": "+4917612345678",
    "contact_time": "morning",
    "contact_language": "interpreter",
    "lead_source": "jobcenter_flyer",
    "recommended_routes": ["anerkennung", "umschulung"],
    "age": 34,
    "qualification": "foreign",
}


def submit(language: str = "de", sender: str = "web:unit", **changes: Any) -> Turn:
    return run(
        SUBMIT,
        tracker(
            "/inform", "inform", 1.0, kind="button", language=language, sender=sender, slots={**DETAILS, **changes}
        ),
    )


def test_the_lead_and_its_card_are_written_and_the_person_is_told_what_happens_next(db: sessionmaker) -> None:
    consent()
    before = datetime.now(UTC)
    turn = submit()
    after = datetime.now(UTC)
    assert turn.events == []
    saved = (
        "Danke, Olena! Eine Beraterin oder ein Berater von dem Lotse-Team (Jobcenter, Agentur "
        "für Arbeit und Kammern in Westmecklenburg) meldet sich bei dir – per Telefon unter "
        "+4917612345678. Das Gespräch ist auf Deutsch oder mit Dolmetscher."
    )
    office = WorkingHours.from_settings(Settings())
    assert turn.texts[0] in {f"{saved}\n\n{when_to_expect_contact('de', at, office, 1)}" for at in (before, after)}
    assert turn.payloads == ["/show_my_data", "/delete_my_data"]
    with db() as session:
        lead = session.scalar(select(Lead))
        assert (lead.conversation_id, lead.channel, lead.language, lead.first_name) == (
            "web:unit",
            "web",
            "de",
            "Olena",
        )
        assert (lead.phone, lead.email, lead.preferred_time, lead.call_language) == (
            "+4917612345678",
            None,
            "morning",
            "interpreter",
        )
        assert lead.routes == ["anerkennung", "umschulung"] and lead.source == "jobcenter_flyer"
        assert lead.triage == {"age": 34, "qualification": "foreign"}
        cards = session.scalars(select(OutboxMessage)).all()
        assert [(c.lead_id, c.kind, c.status) for c in cards] == [(lead.id, "lead_card", "pending")]


def test_submitting_twice_keeps_one_lead_and_one_card(db: sessionmaker) -> None:
    consent()
    submit()
    submit(contact_time="evening")
    with db() as session:
        assert session.scalar(select(Lead.preferred_time)) == "evening"
        assert session.scalar(select(func.count()).select_from(Lead)) == 1
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_a_telegram_lead_is_answered_in_the_chat_in_arabic(db: sessionmaker) -> None:
    consent("tg:42")
    turn = submit("ar", "tg:42", contact_method="telegram", contact_phone=None)
    assert "Olena" in turn.texts[0] and any("\u0600" <= ch <= "\u06ff" for ch in turn.texts[0])
    with db() as session:
        assert session.scalar(select(Lead.contact_method).where(Lead.conversation_id == "tg:42")) == "telegram"


def test_without_a_consent_no_lead_is_written_and_the_consent_is_asked_for(db: sessionmaker) -> None:
    turn = submit()
    assert turn.followup() == "action_offer_counsellor" and turn.messages == []
    assert _count(db, Lead) == 0


@pytest.mark.parametrize(
    "changes",
    [{"contact_phone": None}, {"contact_phone": "12345"}, {"contact_method": "telegram"}, {"contact_method": "<b>"}],
)
def test_an_invalid_contact_is_asked_again_and_nothing_is_written(db: sessionmaker, changes: dict[str, Any]) -> None:
    consent()
    turn = submit(**changes)
    assert turn.followup() == "contact_form"
    assert turn.slots == {"contact_method": None, "contact_phone": None, "contact_email": None}
    assert _count(db, Lead) == 0


def test_the_database_failing_while_saving_is_told_honestly(broken_db: None) -> None:
    turn = submit()
    assert turn.texts[0].startswith("Entschuldigung, ich konnte deine Angaben gerade nicht speichern.")
    assert turn.payloads == ["/request_counsellor"] and turn.events == []


# --- when a human answers ----------------------------------------------------------------------

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = WorkingHours(frozenset(range(5)), time(8), time(16), BERLIN, "DE-MV")


def test_in_office_hours_the_person_hears_when_a_human_answers_and_the_office_hours() -> None:
    tuesday_morning = datetime(2026, 12, 8, 10, 0, tzinfo=BERLIN)
    assert when_to_expect_contact("de", tuesday_morning, OFFICE, 1) == (
        "Ein Mensch meldet sich in der Regel innerhalb von 1 Werktag. Sprechzeiten: Mo.–Fr. 08:00–16:00 Uhr."
    )
    assert "innerhalb von 3 Werktagen" in when_to_expect_contact("de", tuesday_morning, OFFICE, 3)
    english = when_to_expect_contact("en", tuesday_morning, OFFICE, 2)
    assert english.startswith("A person usually gets back to you within 2 working days. Office hours: Mon–Fri")


def test_outside_office_hours_lotse_says_so_and_when_somebody_is_there_again() -> None:
    saturday = datetime(2026, 12, 5, 11, 0, tzinfo=BERLIN)
    german = when_to_expect_contact("de", saturday, OFFICE, 1)
    assert german.endswith(
        "Gerade ist das Büro nicht besetzt. Deine Anfrage ist gespeichert. Ab Mo., 7. Dezember, 08:00 ist wieder "
        "jemand da."
    )
    simple = when_to_expect_contact("de_simple", saturday, OFFICE, 1)
    assert "Im Moment ist niemand im Büro." in simple and "7. Dezember" in simple
    frauentag_eve = datetime(2027, 3, 5, 17, 0, tzinfo=BERLIN)  # Friday evening, Monday is Frauentag
    assert "грудня" not in (ukrainian := when_to_expect_contact("uk", frauentag_eve, OFFICE, 1))
    assert "9 березня" in ukrainian and "Зараз офіс зачинено" in ukrainian


@pytest.mark.parametrize("language", ["ar", "fa", "pl", "ro", "ru", "tr", "uk", "vi", "en", "de_simple"])
def test_the_expectation_is_in_the_persons_language(language: str) -> None:
    sunday, monday = datetime(2026, 12, 6, 11, 0, tzinfo=BERLIN), datetime(2026, 12, 7, 11, 0, tzinfo=BERLIN)
    closed, opened = (when_to_expect_contact(language, at, OFFICE, 1) for at in (sunday, monday))
    assert opened != when_to_expect_contact("de", monday, OFFICE, 1), "translated"
    assert closed != when_to_expect_contact("de", sunday, OFFICE, 1), "translated"
    assert opened in closed and len(closed) > len(opened), "outside office hours something is added"
    assert "16" in opened, "the office hours are named"
