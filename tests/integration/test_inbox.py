"""The counsellor inbox on a real database: login, list, detail, status, notes, export, delete,
CSRF, and the audit trail of every view, export and deletion."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from bot.counsellors import UnknownRole, add_counsellor, totp_uri
from bot.engine import Engine
from bot.inbox.auth import ABSOLUTE_SECONDS, IDLE_SECONDS
from bot.inbox.throttle import ACCOUNT_FAILURES, ADDRESS_FAILURES, LoginThrottler, account_key, address_key
from bot.leads.models import AuditEvent, Consent, Lead, LoginThrottle
from bot.leads.submission import submit_lead
from bot.settings import Settings
from bot.web.app import create_app
from tests.support.databases import give_consent, submission
from tests.support.inbox import PASSWORD


@pytest.fixture
def client(database_url: str, sessions: sessionmaker, tmp_path) -> Iterator[TestClient]:
    add_counsellor(sessions, "anna", "Anna Berg", PASSWORD, role="admin")
    add_counsellor(sessions, "ben", "Ben Kraus", PASSWORD)
    settings = Settings(var_dir=tmp_path, database_url=database_url, public_url="http://testserver")
    with TestClient(create_app(settings, engine=Engine("http://127.0.0.1:9"))) as test_client:
        yield test_client


def _login(client: TestClient, username: str = "anna") -> None:
    data = {"username": username, "password": PASSWORD}
    response = client.post("/inbox/login", data=data, follow_redirects=False)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/inbox" in cookie


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def _lead(sessions: sessionmaker, conversation: str, **changes) -> Lead:
    give_consent(sessions, conversation, "contact", "2026-11-28", "web")
    return submit_lead(sessions, submission(conversation, **changes))


def test_without_login_nothing_is_shown(client: TestClient, sessions: sessionmaker) -> None:
    lead = _lead(sessions, "web:x")
    for path in ("/inbox", f"/inbox/leads/{lead.id}", "/inbox/export.csv"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/inbox/login"
    wrong = client.post("/inbox/login", data={"username": "anna", "password": "nope"})
    assert wrong.status_code == 401 and "stimmt nicht" in wrong.text
    client.cookies.set("lotse_inbox", "forged.cookie.value", path="/inbox")
    assert client.get("/inbox", follow_redirects=False).status_code == 303


def test_list_filters_and_sorts_by_warmth(client: TestClient, sessions: sessionmaker) -> None:
    _lead(sessions, "web:cold", first_name="Cold", routes=(), has_documents=None)
    _lead(sessions, "web:warm", first_name="Warm", language="ar", urgent=True)
    _login(client)
    page = client.get("/inbox").text
    assert page.index("Warm") < page.index("Cold")
    assert "Cold" not in client.get("/inbox", params={"language": "ar"}).text
    assert "Warm" not in client.get("/inbox", params={"min_warmth": 0, "route": "externenpruefung"}).text


def test_detail_status_note_and_audit(client: TestClient, sessions: sessionmaker) -> None:
    lead = _lead(sessions, "web:d")
    _login(client)
    page = client.get(f"/inbox/leads/{lead.id}")
    assert page.status_code == 200
    assert "+4917612345678" in page.text and "contact: seit" in page.text  # details and consent
    token = _csrf(page.text)
    assert (
        client.post(
            f"/inbox/leads/{lead.id}/status", data={"status": "contacted", "note": "x"}, follow_redirects=False
        ).status_code
        == 403
    )  # no CSRF token
    client.post(
        f"/inbox/leads/{lead.id}/status",
        data={"status": "contacted", "note": "Angerufen, Termin am Montag", "csrf": token},
    )
    with sessions() as session:
        stored = session.get(Lead, lead.id)
        assert stored.status == "contacted" and "Termin am Montag" in stored.notes
        assert stored.claimed_by.username == "anna"
        actions = [a.action for a in session.scalars(select(AuditEvent).where(AuditEvent.actor == "anna"))]
    assert {"login", "view", "status", "note"} <= set(actions)


def test_export_has_consent_flags_and_route_fields(client: TestClient, sessions: sessionmaker) -> None:
    _lead(sessions, "web:e", first_name="=HYPERLINK(evil)")
    _login(client)
    response = client.get("/inbox/export.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    [row] = list(csv.DictReader(io.StringIO(response.text)))
    assert row["consent_contact"] == "True" and row["consent_statistics"] == "False"
    assert row["routes"] == "anerkennung" and row["consent_notice_version"] == "2026-11-28"
    assert row["first_name"] == "'=HYPERLINK(evil)"  # no formula for spreadsheets
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "export")) == 1


def test_delete_erases_the_lead_and_its_consents(client: TestClient, sessions: sessionmaker) -> None:
    lead = _lead(sessions, "web:del")
    _login(client)
    token = _csrf(client.get(f"/inbox/leads/{lead.id}").text)
    assert client.post(f"/inbox/leads/{lead.id}/delete", data={"csrf": "wrong"}).status_code == 403
    client.post(f"/inbox/leads/{lead.id}/delete", data={"csrf": token})
    with sessions() as session:
        assert session.get(Lead, lead.id) is None
        assert session.scalar(select(func.count()).select_from(Consent)) == 0
        erase = session.scalar(select(AuditEvent).where(AuditEvent.action == "erase"))
        assert erase.actor == "anna" and erase.lead_id == lead.id
    assert client.get(f"/inbox/leads/{lead.id}").status_code == 404


def test_logout_ends_the_session(client: TestClient) -> None:
    _login(client)
    token = _csrf(client.get("/inbox").text)
    client.post("/inbox/logout", data={"csrf": token})
    assert client.get("/inbox", follow_redirects=False).status_code == 303


def test_the_inbox_says_how_many_facts_are_due(client: TestClient) -> None:
    _login(client)
    page = client.get("/inbox").text
    assert "Alle Fakten wurden in den letzten 12 Monaten geprüft." in page  # the data was checked in 2026


def _try_login(client: TestClient, username: str, password: str) -> int:
    data = {"username": username, "password": password}
    return client.post("/inbox/login", data=data, follow_redirects=False).status_code


def test_failed_logins_lock_the_account_out_the_same_way_whether_it_exists_or_not(
    client: TestClient, sessions: sessionmaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.inbox.routes.FAILED_LOGIN_DELAY", 0)
    for username in ("anna", "nobody"):
        assert [_try_login(client, username, "wrong password") for _ in range(ACCOUNT_FAILURES)] == [401] * 5
        refused = client.post("/inbox/login", data={"username": username, "password": PASSWORD})
        assert refused.status_code == 429 and "Zu viele fehlgeschlagene Anmeldungen" in refused.text
    assert "Zu viele" in client.post("/inbox/login", data={"username": "ANNA ", "password": PASSWORD}).text
    with sessions.begin() as db:  # the lockout is over
        db.get(LoginThrottle, account_key("anna")).locked_until = datetime.now(UTC) - timedelta(seconds=1)
    assert _try_login(client, "anna", PASSWORD) == 303
    with sessions() as db:
        assert db.get(LoginThrottle, account_key("anna")) is None  # success resets the account
        assert db.get(LoginThrottle, account_key("nobody")).locked_until is not None


def test_many_failed_logins_from_one_address_lock_it_out(
    client: TestClient, sessions: sessionmaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.inbox.routes.FAILED_LOGIN_DELAY", 0)
    for attempt in range(ADDRESS_FAILURES):
        assert _try_login(client, f"user{attempt}", "wrong password") == 401
    assert _try_login(client, "anna", PASSWORD) == 429  # the right password does not help
    with sessions() as db:
        assert db.get(LoginThrottle, address_key("testclient")).locked_until is not None


def test_lockouts_grow_and_are_capped(sessions: sessionmaker) -> None:
    now = [datetime(2026, 12, 7, 9, 0, tzinfo=UTC)]
    throttle = LoginThrottler(sessions, clock=lambda: now[0])
    lengths = []
    for _ in range(9):
        for _ in range(ACCOUNT_FAILURES):
            throttle.failed("anna", "10.0.0.1")
        assert throttle.locked("anna", "10.0.0.2") and throttle.locked("ANNA", None)
        with sessions() as db:
            until = db.get(LoginThrottle, account_key("anna")).locked_until
        lengths.append(int((until - now[0]).total_seconds() // 60))
        now[0] = until + timedelta(seconds=1)
        assert not throttle.locked("anna", "10.0.0.2")
    assert lengths == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    now[0] += timedelta(days=2)  # forgiven after a quiet day
    for _ in range(ACCOUNT_FAILURES):
        throttle.failed("anna", "10.0.0.3")
    with sessions() as db:
        assert db.get(LoginThrottle, account_key("anna")).locked_until == now[0] + timedelta(minutes=1)


def test_failures_outside_the_window_do_not_add_up(sessions: sessionmaker) -> None:
    now = [datetime(2026, 12, 7, 9, 0, tzinfo=UTC)]
    throttle = LoginThrottler(sessions, clock=lambda: now[0])
    for _ in range(ACCOUNT_FAILURES * 2):
        throttle.failed("anna", "10.0.0.1")
        now[0] += timedelta(minutes=4)
    assert not throttle.locked("anna", "10.0.0.9")


def test_retention_forgets_throttle_rows_once_they_no_longer_count(sessions: sessionmaker) -> None:
    """The rows hold typed names and client addresses: kept only while they can still lock."""
    now = [datetime(2026, 12, 7, 9, 0, tzinfo=UTC)]
    throttle = LoginThrottler(sessions, clock=lambda: now[0])
    for _ in range(ACCOUNT_FAILURES):
        throttle.failed("anna", "10.0.0.1")  # locked out until 09:01
    now[0] += timedelta(hours=12)
    throttle.failed("ben", "10.0.0.2")  # recent: must stay
    assert throttle.forget_stale() == 0  # anna's lockout ended 12 h ago: still within FORGIVE_AFTER
    now[0] += timedelta(hours=12, minutes=2)
    assert throttle.forget_stale() == 2  # anna's account and address rows
    with sessions() as db:
        assert db.get(LoginThrottle, account_key("anna")) is None
        assert db.get(LoginThrottle, address_key("10.0.0.1")) is None
        assert db.get(LoginThrottle, account_key("ben")) is not None
    now[0] += timedelta(days=1, minutes=1)
    assert throttle.forget_stale() == 2
    assert not throttle.locked("anna", "10.0.0.1")


def test_every_login_makes_a_new_cookie(client: TestClient) -> None:
    _login(client)
    first = client.cookies.get("lotse_inbox")
    _login(client)
    assert client.cookies.get("lotse_inbox") not in (None, first)


def test_a_login_ends_when_idle_and_after_its_absolute_lifetime(client: TestClient) -> None:
    now = [1_800_000_000.0]
    client.app.state.inbox_cookies.clock = lambda: now[0]
    _login(client)
    for _ in range(ABSOLUTE_SECONDS // (IDLE_SECONDS - 600)):  # active every 50 minutes: still in
        now[0] += IDLE_SECONDS - 600
        assert client.get("/inbox", follow_redirects=False).status_code == 200
    now[0] += IDLE_SECONDS - 600  # past the absolute lifetime, though active
    assert client.get("/inbox", follow_redirects=False).status_code == 303
    _login(client)
    now[0] += IDLE_SECONDS + 1  # idle too long
    assert client.get("/inbox", follow_redirects=False).status_code == 303


def test_logout_everywhere_ends_every_login_of_the_counsellor(client: TestClient, sessions: sessionmaker) -> None:
    _login(client)
    other_device = client.cookies.get("lotse_inbox")
    _login(client)
    page = client.get("/inbox").text
    assert "Überall abmelden" in page
    assert client.post("/inbox/logout-everywhere", data={"csrf": "wrong"}).status_code == 403
    client.post("/inbox/logout-everywhere", data={"csrf": _csrf(page)})
    client.cookies.set("lotse_inbox", other_device, path="/inbox")
    assert client.get("/inbox", follow_redirects=False).status_code == 303
    with sessions() as db:
        assert db.scalar(select(AuditEvent.actor).where(AuditEvent.action == "logout_everywhere")) == "anna"
    client.cookies.clear()
    _login(client)  # a new login works
    assert client.get("/inbox", follow_redirects=False).status_code == 200


def test_the_operator_ends_a_stolen_laptops_login_from_the_command_line(
    client: TestClient, sessions: sessionmaker, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.cli import main

    # the command as the operator runs it, on this test's database
    monkeypatch.setattr("bot.cli.get_settings", lambda: Settings(database_url=database_url))
    _login(client, "ben")
    assert main(["counsellor-logout", "ben"]) == 0
    assert client.get("/inbox", follow_redirects=False).status_code == 303  # the laptop's cookie is dead
    client.cookies.clear()
    _login(client, "ben")  # ben himself logs in again
    assert client.get("/inbox", follow_redirects=False).status_code == 200

    assert main(["counsellor-logout", "ben", "--disable"]) == 0
    assert client.get("/inbox", follow_redirects=False).status_code == 303
    client.cookies.clear()
    client.post("/inbox/login", data={"username": "ben", "password": PASSWORD})
    assert client.get("/inbox", follow_redirects=False).status_code == 303  # no login while disabled
    with sessions() as db:
        actions = db.scalars(select(AuditEvent.action).where(AuditEvent.actor == "cli")).all()
    assert actions == ["logout_everywhere", "counsellor_disabled"]
    assert main(["counsellor-logout", "nobody"]) == 1

    # a new password enables the account again — and ends logins made with the old one
    add_counsellor(sessions, "ben", "Ben Kraus", PASSWORD)
    _login(client, "ben")
    assert client.get("/inbox", follow_redirects=False).status_code == 200
    add_counsellor(sessions, "ben", "Ben Kraus", "another correct horse")
    client.cookies.clear()
    client.post("/inbox/login", data={"username": "ben", "password": "another correct horse"})
    fresh = client.cookies.get("lotse_inbox")
    add_counsellor(sessions, "ben", "Ben Kraus", "yet another correct horse")
    client.cookies.set("lotse_inbox", fresh or "", path="/inbox")
    assert client.get("/inbox", follow_redirects=False).status_code == 303


def test_only_admins_export_and_delete_and_refusals_are_audited(client: TestClient, sessions: sessionmaker) -> None:
    lead = _lead(sessions, "web:roles")
    _login(client, "ben")
    assert "CSV-Export" not in client.get("/inbox").text
    page = client.get(f"/inbox/leads/{lead.id}").text
    assert "endgültig löschen" not in page
    assert client.get("/inbox/export.csv").status_code == 403
    assert client.post(f"/inbox/leads/{lead.id}/delete", data={"csrf": _csrf(page)}).status_code == 403
    token = _csrf(page)  # a counsellor still changes leads
    client.post(f"/inbox/leads/{lead.id}/status", data={"status": "contacted", "note": "", "csrf": token})
    with sessions() as db:
        assert db.get(Lead, lead.id).status == "contacted"
        denied = db.scalars(select(AuditEvent).where(AuditEvent.action == "denied").order_by(AuditEvent.id)).all()
        assert [(event.actor, event.detail["tried"], event.lead_id) for event in denied] == [
            ("ben", "export", None),
            ("ben", "delete", lead.id),
        ]
        assert db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "export")) == 0


def test_roles_are_kept_unless_given(sessions: sessionmaker) -> None:
    add_counsellor(sessions, "anna", "Anna Berg", PASSWORD, role="admin")
    assert add_counsellor(sessions, "anna", "Anna Berg", PASSWORD + "!").role == "admin"  # kept on update
    assert add_counsellor(sessions, "cleo", "Cleo", PASSWORD).role == "counsellor"  # new: the safe role
    assert add_counsellor(sessions, "cleo", "Cleo", PASSWORD, role="admin").role == "admin"
    with pytest.raises(UnknownRole):
        add_counsellor(sessions, "cleo", "Cleo", PASSWORD, role="root")


def test_a_second_factor_is_asked_when_set(client: TestClient, sessions: sessionmaker) -> None:
    counsellor = add_counsellor(sessions, "dora", "Dora", PASSWORD, totp=True)
    uri = totp_uri(counsellor)
    assert uri is not None and uri.startswith("otpauth://totp/Lotse:dora?")
    code = pyotp.TOTP(counsellor.totp_secret).now()
    without = client.post("/inbox/login", data={"username": "dora", "password": PASSWORD})
    assert without.status_code == 401 and "stimmt nicht" in without.text
    wrong_code = "000000" if code != "000000" else "111111"
    assert (
        client.post("/inbox/login", data={"username": "dora", "password": PASSWORD, "code": wrong_code}).status_code
        == 401
    )
    data = {"username": "dora", "password": PASSWORD, "code": code}
    assert client.post("/inbox/login", data=data, follow_redirects=False).status_code == 303
    assert totp_uri(add_counsellor(sessions, "erik", "Erik", PASSWORD)) is None  # optional
