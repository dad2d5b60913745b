"""The person's rights: what is stored about me (Art. 15, ``action_show_my_data``) and delete it
(Art. 17 and withdrawal of consent, ``action_delete_my_data``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, inspect, select, text
from sqlalchemy.orm import sessionmaker

from bot.bidi import strip_marks
from bot.leads.models import AuditEvent, Consent, Lead, NoticeShown, OutboxMessage, Plan
from bot.leads.notice import NOTICE_VERSION
from tests.unit.actions.conftest import Turn, run, tracker

SHOW = "action_show_my_data"
DELETE = "action_delete_my_data"
CONFIRMED = '/delete_my_data{"confirmed": true}'
LEAD_SLOTS = {
    "contact_name": "Zeynep",
    "contact_method": "phone",
    "contact_phone": "0176 99988877",
    "contact_time": "evening",
    "contact_language": "de",
    "recommended_routes": ["umschulung"],
    "age": 29,
    "qualification": "none",
}


def lead_for(sender: str = "web:unit", statistics: bool = False, **changes: Any) -> None:
    """Notice, consent button, contact details, lead — each step by its action, as in a conversation."""
    run("action_offer_counsellor", tracker("beratung bitte", "request_counsellor", sender=sender))
    value = "contact_statistics" if statistics else "contact"
    given = run(
        "action_offer_counsellor",
        tracker(
            "/request_counsellor", "request_counsellor", 1.0, kind="button", sender=sender, entities={"consent": value}
        ),
    )
    assert given.followup() == "contact_form"
    saved = run(
        "action_submit_lead",
        tracker("/inform", "inform", 1.0, kind="button", sender=sender, slots={**LEAD_SLOTS, **changes}),
    )
    assert saved.texts[0].startswith(f"Danke, {changes.get('contact_name', 'Zeynep')}!")


def show(language: str = "de", sender: str = "web:unit", slots: dict[str, Any] | None = None) -> Turn:
    return run(SHOW, tracker("was weißt du über mich", "show_my_data", language=language, sender=sender, slots=slots))


def delete(confirmed: bool | None, kind: str = "button", sender: str = "web:unit", language: str = "de") -> Turn:
    entities = {} if confirmed is None else {"confirmed": confirmed}
    return run(
        DELETE,
        tracker(
            "lösch meine daten", "delete_my_data", 0.99, kind=kind, sender=sender, entities=entities, language=language
        ),
    )


def _rows(db: sessionmaker, sender: str = "web:unit") -> dict[str, int]:
    with db() as session:
        return {
            model.__tablename__: session.scalar(
                select(func.count()).select_from(model).where(model.conversation_id == sender)
            )
            or 0
            for model in (Lead, Consent, NoticeShown, Plan)
        }


# --- show -----------------------------------------------------------------------------------------


def test_without_a_lead_only_the_conversation_and_the_answers_are_stored(db: sessionmaker) -> None:
    turn = show(slots={"age": 31, "occupation": "Koch/Köchin"})
    assert turn.texts == [
        "Über dich ist nur dieses Gespräch gespeichert (die Nachrichten und deine Antworten). "
        "Wir löschen es 30 Tage nach deiner letzten Nachricht.\n"
        "Deine Antworten aus dem Check: age=31, occupation=Koch/Köchin"
    ]
    assert turn.payloads == ["/show_my_data", "/delete_my_data"] and turn.events == []


def test_with_a_lead_everything_stored_is_listed(db: sessionmaker) -> None:
    lead_for(statistics=True)
    turn = show(slots={"age": 29})
    lines = turn.texts[0].split("\n")
    assert lines[0] == "Das ist über dich gespeichert:"
    assert lines[1:7] == [
        "• Vorname: Zeynep",
        "• Kontakt: +4917699988877",
        "• Zeit: Ab 17 Uhr",
        "• Sprache: Deutsch",
        "• Passende Wege: umschulung",
        "• Stand deiner Anfrage: neu",
    ]
    assert lines[7] == "• Deine Antworten aus dem Check: age=29"
    assert (
        lines[8].startswith("• Einwilligung „Beratung“ seit 20") and f"(Hinweis-Version {NOTICE_VERSION})" in lines[8]
    )
    assert lines[9].startswith("• Einwilligung „anonyme Statistik“ seit 20")
    assert turn.payloads == [CONFIRMED, "/delete_my_data"], "withdraw, or delete after asking"


def test_the_messages_with_the_counsellor_are_listed(db: sessionmaker) -> None:
    from bot.counsellors import add_counsellor
    from bot.leads.claims import claim_lead
    from bot.leads.relay import take_from_person, write_to_person

    lead_for(contact_language="uk")
    with db() as session:
        lead_id = session.scalar(select(Lead.id).where(Lead.conversation_id == "web:unit"))
    anna = add_counsellor(db, "anna", "Anna Berg", "a-long-password-1", telegram_user_id=501)
    claim_lead(db, lead_id, 501)
    assert write_to_person(db, lead_id, anna.id, template="address", values="Am Margaretenhof 14, Schwerin").ok
    assert take_from_person(db, "web:unit", "Danke, ich komme am Montag.", "web", 60)
    lines = show().texts[0].split("\n")
    assert "• Nachrichten mit dem Beratungsteam:" in lines
    relay = lines[lines.index("• Nachrichten mit dem Beratungsteam:") + 1 :]
    assert relay[0].startswith("• Anna am 20") and relay[0].endswith(
        ": Hier findest du uns: Am Margaretenhof 14, Schwerin"
    )
    assert relay[1].startswith("• du am 20") and relay[1].endswith(": Danke, ich komme am Montag.")


def test_the_appointments_are_listed_in_the_persons_language(db: sessionmaker) -> None:
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from bot.counsellors import add_counsellor
    from bot.database import utcnow
    from bot.leads.appointments import answer_proposal
    from bot.leads.claims import claim_lead
    from bot.leads.models import Appointment
    from bot.leads.relay import write_to_person

    lead_for(contact_language="uk")
    with db() as session:
        lead_id = session.scalar(select(Lead.id).where(Lead.conversation_id == "web:unit"))
    anna = add_counsellor(db, "anna", "Anna Berg", "a-long-password-1", telegram_user_id=501)
    claim_lead(db, lead_id, 501)
    day = (utcnow().astimezone(ZoneInfo("Europe/Berlin")) + timedelta(days=10)).date()
    values = f"{day:%d.%m.%Y}\n9:15\nJobcenter Schwerin, Raum 2.14"
    assert write_to_person(db, lead_id, anna.id, template="meet", values=values, timezone="Europe/Berlin").ok
    with db() as session:
        token = session.scalar(select(Appointment.token))
    assert answer_proposal(db, "web:unit", token, "yes", "web").ok
    lines = [strip_marks(line) for line in show("ru").texts[0].split("\n")]
    heading = lines.index("• Встречи с командой консультантов:")
    [appointment] = lines[heading + 1 :]
    assert appointment.startswith("• ") and appointment.endswith(
        " в 09:15, Jobcenter Schwerin, Raum 2.14: подтверждена"
    )
    assert str(day.year) in appointment and "Uhr" not in appointment


def test_someone_elses_lead_is_never_shown(db: sessionmaker) -> None:
    lead_for("web:other")
    turn = show()
    assert "Zeynep" not in turn.text and turn.texts[0].startswith("Über dich ist nur dieses Gespräch")


def test_what_is_stored_is_told_in_arabic_right_to_left(db: sessionmaker) -> None:
    lead_for()
    turn = show("ar")
    shown = strip_marks(turn.texts[0])
    assert "Zeynep" in shown and "+4917699988877" in shown and "Vorname" not in shown
    assert any("\u0600" <= ch <= "\u06ff" for ch in shown)
    assert turn.texts[0] != shown, "direction marks for a right-to-left reader"


def test_the_database_failing_while_showing_is_told_honestly(broken_db: None) -> None:
    turn = show()
    assert turn.texts[0].startswith("Entschuldigung, ich konnte deine Angaben gerade nicht speichern.")


# --- delete ---------------------------------------------------------------------------------------


def test_deleting_asks_once_and_deletes_nothing_yet(db: sessionmaker) -> None:
    lead_for()
    turn = delete(None, kind="text")
    assert turn.texts == [
        "Soll ich alles löschen, was ich über dich weiß – das Gespräch, deine Anfrage und "
        "deine Einwilligung? Das geht nicht rückgängig."
    ]
    assert turn.payloads == [CONFIRMED, '/delete_my_data{"confirmed": false}'] and turn.events == []
    assert _rows(db) == {"lead": 1, "consent": 1, "notice_shown": 1, "plan": 0}


def test_no_keeps_everything(db: sessionmaker) -> None:
    lead_for()
    turn = delete(False)
    assert turn.texts == ["Gut, ich lösche nichts."] and turn.events == []
    assert _rows(db)["lead"] == 1


def test_a_typed_confirmation_is_no_confirmation(db: sessionmaker) -> None:
    """Only the pressed button erases; a typed (or forged) ``{"confirmed": true}`` asks first."""
    lead_for()
    turn = delete(True, kind="text")
    assert CONFIRMED in turn.payloads and turn.custom == []
    assert _rows(db)["lead"] == 1


def test_the_confirmed_button_erases_everything_about_this_conversation_only(db: sessionmaker) -> None:
    lead_for()
    lead_for("web:other", contact_name="Olena", contact_phone="0176 12345678")
    with db.begin() as session:
        session.add(Plan(token="t" * 40, conversation_id="web:unit", language="de", profile={"age": 29}))
        session.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), data TEXT)"))
        session.execute(
            text("INSERT INTO events (sender_id, data) VALUES ('web:unit', 'Zeynep'), ('web:other', 'hallo')")
        )
    turn = delete(True)
    assert turn.texts == [
        "Erledigt: Ich habe alles gelöscht – das Gespräch, deine Anfrage und deine "
        "Einwilligung. Wenn du wieder schreibst, fangen wir neu an."
    ]
    assert turn.custom == [{"lotse_erase": True}], "the gateway deletes this turn's tracker events"
    assert turn.kinds == ["reset_slots"]
    assert _rows(db) == {"lead": 0, "consent": 0, "notice_shown": 0, "plan": 0}
    assert _rows(db, "web:other") == {"lead": 1, "consent": 1, "notice_shown": 1, "plan": 0}
    with db() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1, "only the other card"
        assert list(session.scalars(text("SELECT sender_id FROM events"))) == ["web:other"]
        erased = session.scalars(select(AuditEvent).where(AuditEvent.action == "erase")).all()
        assert len(erased) == 1 and "Zeynep" not in str(erased[0].detail)
        for table in inspect(session.connection()).get_table_names():
            rows = session.execute(text(f'SELECT * FROM "{table}"')).fetchall()
            assert not [r for r in rows if "Zeynep" in str(r) or "99988877" in str(r) or "web:unit" in str(r)], table


def test_erasing_is_confirmed_in_the_persons_language(db: sessionmaker) -> None:
    turn = delete(True, language="uk")
    assert turn.custom == [{"lotse_erase": True}] and not turn.texts[0].startswith("Erledigt")
    assert any("\u0400" <= ch <= "\u04ff" for ch in turn.texts[0])


def test_the_database_failing_while_erasing_is_told_with_a_retry(broken_db: None) -> None:
    turn = delete(True)
    assert turn.texts[0].startswith("Entschuldigung, ich konnte deine Angaben gerade nicht speichern.")
    assert turn.payloads == [CONFIRMED] and turn.custom == [] and turn.events == []


def test_how_the_counselling_ended_is_shown_once_a_counsellor_closed_the_lead(db: sessionmaker) -> None:
    lead_for()
    with db.begin() as session:
        lead = session.scalar(select(Lead).where(Lead.conversation_id == "web:unit"))
        lead.status, lead.outcome = "closed", "referred"
    lines = show().texts[0].split("\n")
    assert lines[6:8] == [
        "• Stand deiner Anfrage: abgeschlossen",
        "• Wie deine Beratung ausgegangen ist: du wurdest an eine andere Stelle vermittelt",
    ]
    ukrainian = strip_marks(show("uk").texts[0])
    assert "Wie deine" not in ukrainian and "вас направили" in ukrainian
