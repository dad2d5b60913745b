"""The web chat's news is delivered at least once (issue 15, "After the claim"): the real gateway
under uvicorn, its event stream read over real HTTP. A news row stays pending until the page
acknowledges it (``POST /api/events/ack``, or ``Last-Event-ID`` when a browser reconnects); a
stream cut right after an event, before the page could say it arrived, loses nothing; within one
stream an event goes out once. SQLite and PostgreSQL."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from queue import Empty

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.counsellors import add_counsellor
from bot.i18n import translate
from bot.leads.claims import claim_lead
from bot.leads.erasure import erase_conversation
from bot.leads.models import Lead, OutboxMessage
from bot.leads.outbox import CLAIMED_NOTICE, WEB_KINDS, acknowledge_web_notices, pending_web_notices
from bot.leads.relay import write_to_person
from bot.leads.submission import submit_lead
from bot.settings import Settings
from devtools.events import Stream
from devtools.servers import Gateway, start_gateway
from tests.support.databases import give_consent, submission
from tests.support.inbox import PASSWORD

ANNA = 701


@pytest.fixture
def gateway(database_url: str, tmp_path) -> Iterator[Gateway]:
    def settings(port: int) -> Settings:
        return Settings(
            var_dir=tmp_path,
            database_url=database_url,
            engine_url="http://127.0.0.1:9",  # nothing listens: nothing here needs the engine
            engine_token="unused",
            public_url=f"http://localhost:{port}",
        )

    running = start_gateway(settings)
    yield running
    running.stop()


def _claimed_web_lead(sessions: sessionmaker, language: str = "uk") -> tuple[str, Lead, int]:
    """A web chat's lead, taken by Anna: the notice "a counsellor has taken your request" waits."""
    chat = str(uuid.uuid4())
    give_consent(sessions, f"web:{chat}", "contact", "2026-12", "web")
    lead = submit_lead(sessions, submission(f"web:{chat}", language=language))
    anna = add_counsellor(sessions, "anna", "Anna Berg", PASSWORD, telegram_user_id=ANNA)
    assert claim_lead(sessions, lead.id, ANNA).reason == "claimed"
    return chat, lead, anna.id


def _statuses(sessions: sessionmaker, lead_id: str) -> list[str]:
    with sessions() as session:
        return list(
            session.scalars(
                select(OutboxMessage.status)
                .where(OutboxMessage.lead_id == lead_id, OutboxMessage.kind.in_(WEB_KINDS))
                .order_by(OutboxMessage.id)
            )
        )


def _nothing_more(stream: Stream, seconds: float = 2.5) -> None:
    """The stream sends nothing for ``seconds`` (more than one look at the database)."""
    with pytest.raises(Empty):
        stream.next(timeout=seconds)


def test_a_stream_cut_right_after_an_event_loses_nothing_and_sends_each_event_once(
    gateway: Gateway, sessions: sessionmaker
) -> None:
    chat, lead, anna = _claimed_web_lead(sessions)
    assert write_to_person(sessions, lead.id, anna, "Добрий день, я зателефоную завтра.", via="inbox").ok
    url = f"{gateway.url}/api/events?session={chat}"

    cut = Stream(url, ack=False)  # the phone loses signal as soon as the events are written
    try:
        claimed, message = cut.next(), cut.next()
        assert claimed["messages"][0]["text"] == translate("uk", CLAIMED_NOTICE)
        assert message["messages"][0]["text"].startswith("Добрий день")
        first_ids = list(cut.ids)
        assert all(i is not None and i.isdigit() for i in first_ids) and len(set(first_ids)) == 2
        _nothing_more(cut)  # the stream looked again (twice): still pending, but not sent twice
    finally:
        cut.close()
    assert _statuses(sessions, lead.id) == ["pending", "pending"], "not acknowledged: not delivered"

    again = Stream(url, ack=False)  # the next connection
    try:
        assert again.next()["messages"][0]["text"] == translate("uk", CLAIMED_NOTICE)
        assert again.next()["messages"][0]["text"].startswith("Добрий день")
        assert again.ids == first_ids, "the same ids: the page knows it has shown them"
        assert write_to_person(sessions, lead.id, anna, "Ще одне питання.", via="inbox").ok
        assert again.next()["messages"][0]["text"].startswith("Ще одне питання."), "the new one, no repeat"
        _nothing_more(again)
    finally:
        again.close()


def test_last_event_id_of_a_reconnecting_browser_acknowledges_that_event(
    gateway: Gateway, sessions: sessionmaker
) -> None:
    chat, lead, anna = _claimed_web_lead(sessions)
    url = f"{gateway.url}/api/events?session={chat}"
    first = Stream(url, ack=False)
    try:
        first.next()
        [claimed_id] = first.ids
    finally:
        first.close()

    reconnected = Stream(url, ack=False, last_event_id=claimed_id)
    try:
        _nothing_more(reconnected)
        assert _statuses(sessions, lead.id) == ["sent"]
        assert write_to_person(sessions, lead.id, anna, "Привіт!", via="inbox").ok
        assert reconnected.next()["messages"][0]["text"].startswith("Привіт!")
    finally:
        reconnected.close()


@pytest.mark.parametrize("header", ["abc", "-1", "0", "1" * 25, "٣".encode()])
def test_a_last_event_id_that_is_none_of_ours_acknowledges_nothing(
    gateway: Gateway, sessions: sessionmaker, header: str | bytes
) -> None:
    chat, lead, _ = _claimed_web_lead(sessions)
    stream = Stream(f"{gateway.url}/api/events?session={chat}", ack=False, last_event_id=header)
    try:
        assert stream.next()["messages"][0]["text"] == translate("uk", CLAIMED_NOTICE)
    finally:
        stream.close()
    assert _statuses(sessions, lead.id) == ["pending"]


def test_the_pages_acknowledgement_delivers_and_only_for_its_own_chat(gateway: Gateway, sessions: sessionmaker) -> None:
    chat, lead, anna = _claimed_web_lead(sessions)
    url = f"{gateway.url}/api/events?session={chat}"
    [(claimed_id, _)] = pending_web_notices(sessions, f"web:{chat}")
    with httpx.Client(base_url=gateway.url, timeout=10) as client:
        other = client.post("/api/events/ack", json={"session": str(uuid.uuid4()), "id": claimed_id})
        assert other.status_code == 204, "the same answer: it tells nothing about other chats"
        assert _statuses(sessions, lead.id) == ["pending"], "another chat cannot acknowledge this chat's news"
        for bad in (
            {"session": "not-a-uuid", "id": claimed_id},
            {"session": chat, "id": str(claimed_id)},
            {"session": chat, "id": 0},
            {"session": chat, "id": -5},
            {"session": chat, "id": 2**64},
            {"session": chat, "id": 1.5},
            {"session": chat},
            {"id": claimed_id},
            [chat, claimed_id],
        ):
            refused = client.post("/api/events/ack", json=bad)
            assert refused.status_code == 400 and refused.json()["error"] == "bad_request", bad
            assert refused.headers["x-content-type-options"] == "nosniff"
        assert _statuses(sessions, lead.id) == ["pending"]

    stream = Stream(url)  # as the page: shown, then acknowledged
    try:
        stream.next()
        assert write_to_person(sessions, lead.id, anna, "Добрий вечір.", via="inbox").ok
        stream.next()
    finally:
        stream.close()
    assert _statuses(sessions, lead.id) == ["sent", "sent"]
    later = Stream(url, ack=False)  # the next visit: nothing old again
    try:
        _nothing_more(later)
    finally:
        later.close()


def test_the_next_visit_shows_what_arrived_while_the_chat_was_closed(gateway: Gateway, sessions: sessionmaker) -> None:
    chat, lead, anna = _claimed_web_lead(sessions, "ar")
    assert write_to_person(sessions, lead.id, anna, "مرحبا، سأتصل بك غدًا.", via="inbox").ok
    time.sleep(0.2)
    visit = Stream(f"{gateway.url}/api/events?session={chat}")
    try:
        assert visit.next()["messages"][0]["text"] == translate("ar", CLAIMED_NOTICE)
        assert visit.next()["messages"][0]["text"].startswith("مرحبا، سأتصل بك غدًا.")
    finally:
        visit.close()
    assert _statuses(sessions, lead.id) == ["sent", "sent"]


def test_erasure_deletes_news_never_acknowledged(sessions: sessionmaker) -> None:
    chat, lead, anna = _claimed_web_lead(sessions)
    assert write_to_person(sessions, lead.id, anna, "Добрий день.", via="inbox").ok
    pending = pending_web_notices(sessions, f"web:{chat}")
    assert len(pending) == 2 and _statuses(sessions, lead.id) == ["pending", "pending"], "sent, not acknowledged"
    erase_conversation(sessions, f"web:{chat}")
    assert _statuses(sessions, lead.id) == []
    assert acknowledge_web_notices(sessions, f"web:{chat}", [outbox_id for outbox_id, _ in pending]) == 0
