"""Leads, consent, outbox and erasure on real databases: SQLite (the default) and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, func, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.database import Base, make_engine, utcnow
from bot.leads.consent import NoticeNotShown, has_consent, record_consent, record_notice_shown
from bot.leads.erasure import erase_conversation, purge_expired
from bot.leads.models import AuditEvent, Consent, Lead, NoticeShown, OutboxMessage
from bot.leads.submission import ConsentMissing, ContactInvalid, submit_lead
from bot.migrations import alembic_config, downgrade, upgrade
from tests.support.databases import give_consent
from tests.support.databases import submission as _submission


def _add_tracker_events(engine: Engine, sender: str, timestamp: float, count: int = 3) -> None:
    with engine.begin() as connection:
        for _ in range(count):
            connection.execute(
                text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (:s, 'user', :t, :d)"),
                {"s": sender, "t": timestamp, "d": '{"text": "meine Nummer ist 0176 12345678"}'},
            )


def _rows_mentioning(engine: Engine, *needles: str) -> list[str]:
    """Every row of every table (ours and Rasa's) that contains one of ``needles``."""
    found = []
    with engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            if table == "alembic_version":
                continue
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                flat = " ".join(str(v) for v in row)
                if any(n in flat for n in needles):
                    found.append(f"{table}: {flat[:120]}")
    return found


def test_stairway_every_revision_goes_up_down_and_up(database_url: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(database_url))
    revisions = list(reversed(list(script.walk_revisions())))
    for revision in revisions:
        upgrade(database_url, revision.revision)
        downgrade(database_url, revision.down_revision or "base")
        upgrade(database_url, revision.revision)
    engine = make_engine(database_url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == [], "models and migrations differ: add a migration"


def test_no_lead_without_consent(sessions: sessionmaker) -> None:
    with pytest.raises(ConsentMissing):
        submit_lead(sessions, _submission("web:a"))
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Lead)) == 0
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_a_consent_counts_only_after_the_notice_of_that_version_was_shown(sessions: sessionmaker) -> None:
    with pytest.raises(NoticeNotShown):  # a typed or forged consent: no notice was shown
        record_consent(sessions, "web:n", "contact", "2026-12", "web")
    record_notice_shown(sessions, "web:n", "2026-11", "de", "web")
    with pytest.raises(NoticeNotShown):  # an older notice is not this one
        record_consent(sessions, "web:n", "contact", "2026-12", "web")
    record_notice_shown(sessions, "web:other", "2026-12", "de", "web")
    with pytest.raises(NoticeNotShown):  # another conversation's notice is not this one's
        record_consent(sessions, "web:n", "contact", "2026-12", "web")
    assert not has_consent(sessions, "web:n", "contact")
    shown = record_notice_shown(sessions, "web:n", "2026-12", "ar", "web")
    record_consent(sessions, "web:n", "contact", "2026-12", "web")
    with sessions() as session:
        consent = session.scalar(select(Consent).where(Consent.conversation_id == "web:n"))
        notice = session.get(NoticeShown, consent.notice_shown_id)
        assert consent.notice_shown_id == shown and notice.conversation_id == "web:n"
        assert notice.notice_version == consent.notice_version == "2026-12" and notice.language == "ar"
        assert notice.shown_at <= consent.given_at


def test_a_lead_is_idempotent_per_conversation_and_gets_one_card(sessions: sessionmaker) -> None:
    give_consent(sessions, "web:b", "contact", "2026-11", "web")
    first = submit_lead(sessions, _submission("web:b"))
    again = submit_lead(
        sessions,
        _submission("web:b", first_name="Olena K.", contact_method="email", email="olena@example.org", urgent=True),
    )
    assert again.id == first.id
    with sessions() as session:
        leads = session.scalars(select(Lead)).all()
        assert len(leads) == 1
        lead = leads[0]
        assert (lead.first_name, lead.email, lead.phone) == ("Olena K.", "olena@example.org", None)
        assert lead.warmth == 100 and "urgent" in lead.warmth_reasons
        cards = session.scalars(select(OutboxMessage)).all()
        assert [(c.lead_id, c.kind, c.status) for c in cards] == [(first.id, "lead_card", "pending")]


def test_phone_is_stored_in_e164_and_wrong_contacts_are_refused(sessions: sessionmaker) -> None:
    give_consent(sessions, "web:c", "contact", "2026-11", "web")
    assert submit_lead(sessions, _submission("web:c")).phone == "+4917612345678"
    with pytest.raises(ContactInvalid):
        submit_lead(sessions, _submission("web:c2", phone="12"))
    with pytest.raises(ContactInvalid):
        submit_lead(sessions, _submission("web:c3", contact_method="email", email="nope"))
    with pytest.raises(ContactInvalid):
        submit_lead(sessions, _submission("web:c4", contact_method="telegram"))  # not a Telegram chat


def test_a_failure_while_saving_leaves_nothing_half_saved(sessions: sessionmaker) -> None:
    give_consent(sessions, "web:d", "contact", "2026-11", "web")

    def broken(*_args) -> None:
        raise RuntimeError("database went away")

    event.listen(OutboxMessage, "before_insert", broken)
    try:
        with pytest.raises(RuntimeError):
            submit_lead(sessions, _submission("web:d"))
    finally:
        event.remove(OutboxMessage, "before_insert", broken)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Lead)) == 0
    assert submit_lead(sessions, _submission("web:d")).conversation_id == "web:d"


def test_erasure_leaves_no_trace_in_any_table(engine: Engine, sessions: sessionmaker) -> None:
    give_consent(sessions, "tg:4711", "contact", "2026-11", "telegram")
    give_consent(sessions, "tg:4711", "statistics", "2026-11", "telegram")
    lead = submit_lead(sessions, _submission("tg:4711", channel="telegram"))
    _add_tracker_events(engine, "tg:4711", utcnow().timestamp())
    give_consent(sessions, "web:other", "contact", "2026-11", "web")
    submit_lead(sessions, _submission("web:other", first_name="Someone", phone="0385 5881234"))
    _add_tracker_events(engine, "web:other", utcnow().timestamp())

    erased = erase_conversation(sessions, "tg:4711")

    assert (erased.leads, erased.consents, erased.outbox, erased.tracker_events) == (1, 2, 1, 3)
    assert _rows_mentioning(engine, "tg:4711", "Olena", "+4917612345678") == []
    with sessions() as session:
        audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "erase")).all()
        assert [a.lead_id for a in audit] == [lead.id]
        assert session.scalar(select(func.count()).select_from(Lead)) == 1  # the other person's
    assert _rows_mentioning(engine, "web:other", "+493855881234")
    assert not has_consent(sessions, "tg:4711", "contact")


def test_retention_purges_closed_leads_and_idle_conversations(engine: Engine, sessions: sessionmaker) -> None:
    now = utcnow()
    give_consent(sessions, "web:old", "contact", "2026-01", "web")
    old = submit_lead(sessions, _submission("web:old"))
    with sessions.begin() as session:
        lead = session.get(Lead, old.id)
        lead.status, lead.closed_at = "closed", now - timedelta(days=200)
    _add_tracker_events(engine, "web:old", (now - timedelta(days=200)).timestamp())
    _add_tracker_events(engine, "web:idle", (now - timedelta(days=40)).timestamp())
    _add_tracker_events(engine, "web:active", (now - timedelta(days=2)).timestamp())
    give_consent(sessions, "web:open", "contact", "2026-11", "web")
    submit_lead(sessions, _submission("web:open"))
    _add_tracker_events(engine, "web:open", (now - timedelta(days=60)).timestamp())

    purged = purge_expired(sessions, lead_days=180, conversation_days=30, now=now)

    assert purged.leads == 1 and purged.conversations == 2  # web:old and web:idle
    with engine.connect() as connection:
        senders = {r[0] for r in connection.execute(text("SELECT DISTINCT sender_id FROM events"))}
    assert senders == {"web:active", "web:open"}  # an open lead keeps its conversation
    with sessions() as session:
        assert {c.conversation_id for c in session.scalars(select(Consent))} == {"web:open"}
        assert {n.conversation_id for n in session.scalars(select(NoticeShown))} == {"web:open"}
