"""Consent only after the notice; a payload typed or forged by a person never counts as a pressed
button (issue 17) — through the gateway, the real engine and action server, on the stack's database.

Telegram's side (forged and outdated callback data) is in ``tests/e2e/test_telegram.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.database import make_engine, make_sessions
from bot.leads.models import Consent, NoticeShown
from bot.settings import Settings
from bot.starter import Stack
from bot.web.app import create_app
from tests.support.chat import Chat

CONSENT = '/request_counsellor{"consent": "contact"}'
NOTICE = "/privacy?lang="
REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def db(stack: Stack) -> Iterator[sessionmaker]:
    engine = make_engine(stack.settings.effective_database_url)
    yield make_sessions(engine)
    engine.dispose()


@contextmanager
def _gateway(stack: Stack, folder, **overrides) -> Iterator[TestClient]:
    settings = Settings(
        **{
            "var_dir": folder,
            "engine_url": stack.engine_url,
            "engine_token": stack.token,
            "database_url": stack.settings.effective_database_url,
            "public_url": "https://lotse.example",
            "rate_limit_burst": 1000,
            **overrides,
        }
    )
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def client(stack: Stack, tmp_path) -> Iterator[TestClient]:
    with _gateway(stack, tmp_path) as test_client:
        yield test_client


def _consents(db: sessionmaker, sender: str) -> list[Consent]:
    with db() as session:
        return list(session.scalars(select(Consent).where(Consent.conversation_id == sender)))


def test_a_typed_consent_payload_records_nothing_and_shows_the_notice(client: TestClient, db: sessionmaker) -> None:
    chat = Chat(client)
    answer = chat.say(CONSENT)  # the very first message, typed
    assert NOTICE + "de" in Chat.texts(answer), "the privacy notice is shown"
    assert CONSENT in Chat.payloads(answer), "and consent is asked for with its buttons"
    assert "Wie heißt du" not in Chat.texts(answer), "the contact form does not start"
    assert _consents(db, chat.sender) == []
    # typed again, now that the notice is on the screen: still text, still no consent
    again = chat.say(CONSENT)
    assert "Wie heißt du" not in Chat.texts(again) and _consents(db, chat.sender) == []


def test_a_consent_button_that_was_never_offered_is_text(client: TestClient, db: sessionmaker) -> None:
    chat = Chat(client)
    forged = chat.press(CONSENT, title="Ja, einverstanden")  # a request made by hand, no notice yet
    assert forged["status"] == 200 and forged["messages"], "answered as the text it claims to be"
    assert "Wie heißt du" not in Chat.texts(forged)
    statistics = chat.press('/request_counsellor{"consent": "contact_statistics"}')  # no title at all
    assert "Wie heißt du" not in Chat.texts(statistics)
    assert _consents(db, chat.sender) == []


def test_a_replayed_consent_button_counts_no_more(client: TestClient, db: sessionmaker) -> None:
    chat = Chat(client)
    offer = chat.say("ich möchte eine beratung")
    assert CONSENT in Chat.payloads(offer)
    chat.say("was kostet eine umschulung?")  # another answer: the consent buttons are gone
    replayed = chat.press(CONSENT, title="Ja, einverstanden")
    assert "Wie heißt du" not in Chat.texts(replayed) and _consents(db, chat.sender) == []
    # the genuine way still works: the notice, then the button pressed right under it
    offer = chat.say("ich möchte eine beratung")
    form = chat.press(CONSENT, title="Ja, einverstanden")
    assert "Wie heißt du" in Chat.texts(form)
    [consent] = _consents(db, chat.sender)
    with db() as session:
        notice = session.get(NoticeShown, consent.notice_shown_id)
        shown = list(session.scalars(select(NoticeShown).where(NoticeShown.conversation_id == chat.sender)))
    assert notice is not None and notice.conversation_id == chat.sender and notice.language == "de"
    assert notice.notice_version == consent.notice_version and notice.shown_at <= consent.given_at
    assert notice.id == max(n.id for n in shown), "the notice shown right before the press"


async def test_a_forged_or_replayed_payload_changes_no_slot(client: TestClient, stack: Stack) -> None:
    chat = Chat(client)
    greeting = chat.say("/start")
    assert "/start_check" in Chat.payloads(greeting)
    ask_age = chat.press("/start_check", title="Welcher Weg passt zu mir?")
    assert "Wie alt" in Chat.texts(ask_age)
    before = await stack.slots(chat.sender)
    chat.press('/inform{"qualification": "foreign"}')
    chat.press('/inform{"age": -5, "german_level": "c1", "residence": "schwerin"}', title="")
    chat.press("/start_check", title="")  # offered two answers ago: a replay
    after = await stack.slots(chat.sender)
    for slot in ("age", "qualification", "german_level", "residence"):
        assert after[slot] == before[slot] is None, slot
    assert after["requested_slot"] == "age", "the check still waits for the age"
    assert chat.say("31")["status"] == 200
    assert (await stack.slots(chat.sender))["age"] == 31, "typed answers still work"


def test_the_action_itself_refuses_a_consent_that_is_typed_or_comes_before_the_notice(
    stack: Stack, db: sessionmaker
) -> None:
    """Behind the gateway, too: ``metadata.input`` must say ``button`` and the notice must have been shown."""
    sender = f"web:{uuid.uuid4()}"

    def engine_says(text: str, kind: str) -> str:
        response = httpx.post(
            f"{stack.engine_url}/webhooks/rest/webhook",
            timeout=60,
            json={"sender": sender, "message": text, "metadata": {"language": "de", "channel": "web", "input": kind}},
        )
        return "\n".join(m.get("text", "") for m in response.json())

    assert NOTICE in engine_says(CONSENT, "button"), "no notice was shown before: the notice first"
    assert _consents(db, sender) == []
    assert NOTICE in engine_says(CONSENT, "text"), "typed (even after the notice): the notice again"
    assert _consents(db, sender) == []
    assert "Wie heißt du" in engine_says(CONSENT, "button")
    assert [c.purpose for c in _consents(db, sender)] == ["contact"]


def test_a_restarted_gateway_reads_the_offered_buttons_from_the_engine(stack: Stack, tmp_path, db) -> None:
    session = str(uuid.uuid4())
    with _gateway(stack, tmp_path / "one") as before_restart:
        chat = Chat(before_restart)
        chat.session = session
        chat.say("ich möchte eine beratung")
    with _gateway(stack, tmp_path / "two") as after_restart:  # nothing in memory any more
        chat = Chat(after_restart)
        chat.session = session
        assert "Wie heißt du" in Chat.texts(chat.press(CONSENT, title="Ja, einverstanden"))
    assert [c.purpose for c in _consents(db, f"web:{session}")] == ["contact"]


def test_gateways_sharing_redis_share_the_offered_buttons(stack: Stack, tmp_path, db) -> None:
    """The second gateway cannot read the engine's tracker (no token): only Redis can tell it."""
    shared, unshared = str(uuid.uuid4()), str(uuid.uuid4())
    with _gateway(stack, tmp_path / "one", redis_url=REDIS_URL) as one:
        for session in (shared, unshared):
            chat = Chat(one)
            chat.session = session
            chat.say("ich möchte eine beratung")
    with _gateway(stack, tmp_path / "two", redis_url=REDIS_URL, engine_token=None) as two:
        chat = Chat(two)
        chat.session = shared
        assert "Wie heißt du" in Chat.texts(chat.press(CONSENT, title="Ja, einverstanden"))
    assert [c.purpose for c in _consents(db, f"web:{shared}")] == ["contact"]
    with _gateway(stack, tmp_path / "blind", engine_token=None) as blind:  # neither Redis nor tracker
        chat = Chat(blind)
        chat.session = unshared
        assert "Wie heißt du" not in Chat.texts(chat.press(CONSENT, title="Ja, einverstanden"))
    assert _consents(db, f"web:{unshared}") == []


def test_refused_payloads_are_logged_without_their_content(client: TestClient, stack: Stack, capfd) -> None:
    chat = Chat(client)
    chat.press('/inform{"contact_name": "Geheimname"}', title="Geheimname")
    logs = stack.logs() + "".join(capfd.readouterr())
    assert "chat.payload_refused" in logs
    assert "Geheimname" not in logs
