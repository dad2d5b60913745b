"""Who works on a lead, on real databases (SQLite and PostgreSQL): the inbox's status change
follows the card's claim and close rules, and the person is told once that their request was
taken."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.counsellors import add_counsellor
from bot.leads.claims import change_status, claim_lead
from bot.leads.models import AuditEvent, Counsellor, Lead, OutboxMessage
from bot.leads.submission import submit_lead
from tests.support.databases import give_consent, submission


def _lead(sessions: sessionmaker, conversation: str, **changes: object) -> Lead:
    give_consent(sessions, conversation, "contact", "2026-11-28", "web")
    return submit_lead(sessions, submission(conversation, **changes))


def _anna(sessions: sessionmaker) -> Counsellor:
    return add_counsellor(sessions, "anna", "Anna Berg", "a-long-password-1", telegram_user_id=501)


def _notices(sessions: sessionmaker) -> list[tuple[str, str]]:
    """The messages queued for the person (not the counsellors' card or the lead's topic), as
    (kind, dedup key)."""
    with sessions() as session:
        rows = session.execute(
            select(OutboxMessage.kind, OutboxMessage.dedup_key)
            .where(OutboxMessage.kind.not_in(["lead_card", "topic_open"]))
            .order_by(OutboxMessage.id)
        )
        return [(kind, key) for kind, key in rows]


def _stored(sessions: sessionmaker, lead_id: str) -> Lead:
    with sessions() as session:
        lead = session.get(Lead, lead_id)
        assert lead is not None
        return lead


def test_contacted_claims_an_unclaimed_lead_and_tells_the_person_once(sessions: sessionmaker) -> None:
    lead = _lead(sessions, "web:c1")
    anna = _anna(sessions)
    changed = change_status(sessions, lead.id, anna, "contacted")
    assert changed is not None and changed.status == "contacted" and changed.claimed_by_id == anna.id
    assert changed.claimed_at is not None
    assert _notices(sessions) == [("notice_web", f"claimed:{lead.id}")]
    change_status(sessions, lead.id, anna, "contacted")  # the same form sent again
    assert _notices(sessions) == [("notice_web", f"claimed:{lead.id}")]
    change_status(sessions, lead.id, anna, "new")
    change_status(sessions, lead.id, anna, "claimed")  # back and forth: still told only once
    assert _notices(sessions) == [("notice_web", f"claimed:{lead.id}")]
    with sessions() as session:
        audit = [
            (a.action, a.detail)
            for a in session.scalars(select(AuditEvent).where(AuditEvent.actor == "anna").order_by(AuditEvent.id))
        ]
    assert audit == [
        ("status", {"status": "contacted"}),
        ("status", {"status": "new"}),
        ("status", {"status": "claimed"}),
    ]


def test_a_telegram_user_is_told_in_their_telegram_chat(sessions: sessionmaker) -> None:
    lead = _lead(sessions, "tg:777002", channel="telegram", contact_method="telegram", phone=None)
    change_status(sessions, lead.id, _anna(sessions), "claimed")
    assert _notices(sessions) == [("notice_telegram", f"claimed:{lead.id}")]


def test_a_lead_claimed_on_the_card_keeps_its_counsellor_and_the_person_is_not_told_twice(
    sessions: sessionmaker,
) -> None:
    lead = _lead(sessions, "web:c2")
    _anna(sessions)
    ben = add_counsellor(sessions, "ben", "Ben Kurz", "a-long-password-2", telegram_user_id=502)
    assert claim_lead(sessions, lead.id, 501).reason == "claimed"
    change_status(sessions, lead.id, ben, "contacted")
    stored = _stored(sessions, lead.id)
    assert stored.status == "contacted" and stored.claimed_by_id != ben.id
    assert len(_notices(sessions)) == 1


def test_closing_in_the_inbox_follows_the_card_rule(sessions: sessionmaker) -> None:
    lead = _lead(sessions, "web:c3")
    anna = _anna(sessions)
    change_status(sessions, lead.id, anna, "closed")
    stored = _stored(sessions, lead.id)
    assert stored.status == "closed" and stored.closed_at is not None and stored.claimed_by_id == anna.id
    assert _notices(sessions) == [], "closing is not taking: the person hears nothing new"


def test_a_note_is_added_with_who_wrote_it_and_an_unknown_status_changes_nothing(sessions: sessionmaker) -> None:
    lead = _lead(sessions, "web:c4")
    anna = _anna(sessions)
    change_status(sessions, lead.id, anna, "deleted", "  Angerufen, Termin am Montag  ")
    change_status(sessions, lead.id, anna, "new", "Mailbox")
    stored = _stored(sessions, lead.id)
    assert stored.status == "new" and stored.claimed_by_id is None and _notices(sessions) == []
    first, second = stored.notes.split("\n")
    assert first.endswith(" Anna Berg] Angerufen, Termin am Montag") and second.endswith(" Anna Berg] Mailbox")
    with sessions() as session:
        actions = [a.action for a in session.scalars(select(AuditEvent).where(AuditEvent.actor == "anna"))]
    assert actions == ["note", "note"]


def test_a_deleted_lead_changes_nothing(sessions: sessionmaker) -> None:
    assert change_status(sessions, "no-such-lead", _anna(sessions), "contacted", "x") is None
    assert _notices(sessions) == []
