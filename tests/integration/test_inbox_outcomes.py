"""The inbox closes a lead only with an outcome, lets it be corrected (audited), and shows time to
first human contact and outcomes per route and language on its statistics page — on SQLite and
PostgreSQL."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.counsellors import add_counsellor
from bot.engine import Engine
from bot.leads.claims import change_status
from bot.leads.models import AuditEvent, Lead
from bot.leads.stats import lead_stats
from bot.leads.submission import submit_lead
from bot.settings import Settings
from bot.web.app import create_app
from bot.working_hours import WorkingHours
from tests.support.databases import give_consent, submission
from tests.support.inbox import PASSWORD

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = WorkingHours.from_settings(Settings())


@pytest.fixture
def client(database_url: str, sessions: sessionmaker, tmp_path) -> Iterator[TestClient]:
    add_counsellor(sessions, "anna", "Anna Berg", PASSWORD, role="admin")
    settings = Settings(var_dir=tmp_path, database_url=database_url, public_url="http://testserver")
    with TestClient(create_app(settings, engine=Engine("http://127.0.0.1:9"))) as test_client:
        response = test_client.post("/inbox/login", data={"username": "anna", "password": PASSWORD})
        assert response.status_code == 200
        yield test_client


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def _lead(sessions: sessionmaker, conversation: str, **changes) -> Lead:
    give_consent(sessions, conversation, "contact", "2026-11-28", "web")
    return submit_lead(sessions, submission(conversation, **changes))


def _stored(sessions: sessionmaker, lead_id: str) -> Lead:
    with sessions() as session:
        return session.get(Lead, lead_id)


def test_closing_in_the_inbox_asks_for_the_outcome_and_a_correction_is_audited(
    client: TestClient, sessions: sessionmaker
) -> None:
    lead = _lead(sessions, "web:o1")
    page = client.get(f"/inbox/leads/{lead.id}").text
    assert '<select name="outcome">' in page and "Kein Interesse mehr" in page
    token = _csrf(page)
    url = f"/inbox/leads/{lead.id}/status"
    refused = client.post(url, data={"status": "closed", "outcome": "", "csrf": token})
    assert refused.status_code == 400 and "Bitte wähle ein Ergebnis" in refused.text
    assert client.post(url, data={"status": "closed", "outcome": "lost", "csrf": token}).status_code == 400
    assert _stored(sessions, lead.id).status == "new", "nothing closed without an outcome"

    client.post(url, data={"status": "closed", "outcome": "referred", "csrf": token})
    stored = _stored(sessions, lead.id)
    assert (stored.status, stored.outcome) == ("closed", "referred")
    assert "Ergebnis: An andere Stelle vermittelt" in client.get(f"/inbox/leads/{lead.id}").text

    client.post(url, data={"status": "closed", "outcome": "route_started", "csrf": token})  # corrected
    client.post(url, data={"status": "closed", "outcome": "", "note": "Termin war gut", "csrf": token})  # a note
    assert _stored(sessions, lead.id).outcome == "route_started"
    [row] = list(csv.DictReader(io.StringIO(client.get("/inbox/export.csv").text)))
    assert row["outcome"] == "route_started" and row["claimed_at"] and row["closed_at"]
    client.post(url, data={"status": "contacted", "outcome": "route_started", "csrf": token})  # opened again
    assert (_stored(sessions, lead.id).status, _stored(sessions, lead.id).outcome) == ("contacted", None)
    with sessions() as session:
        audit = [
            (a.action, a.detail)
            for a in session.scalars(
                select(AuditEvent)
                .where(AuditEvent.lead_id == lead.id, AuditEvent.actor == "anna")
                .order_by(AuditEvent.id)
            )
            if a.action != "view"
        ]
    assert audit == [
        ("status", {"status": "closed", "outcome": "referred"}),
        ("outcome", {"outcome": "route_started"}),
        ("note", {}),
        ("status", {"status": "contacted"}),
    ]


def _at(sessions: sessionmaker, lead: Lead, created: datetime, claimed: datetime | None = None) -> None:
    with sessions.begin() as session:
        row = session.get(Lead, lead.id)
        row.created_at, row.claimed_at = created, claimed


def _five_leads(sessions: sessionmaker) -> None:
    """Five leads of the week of 30 November 2026 (and one from June), taken after known times."""
    anna = add_counsellor(sessions, "cleo", "Cleo Rat", "a-long-password-4")
    monday = datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN)
    one = _lead(sessions, "web:s1", routes=("anerkennung",), language="uk")
    change_status(sessions, one.id, anna, "closed", outcome="route_started")
    _at(sessions, one, monday, monday.replace(hour=11))  # 2 h, 2 working hours
    two = _lead(sessions, "web:s2", routes=("anerkennung", "umschulung"), language="ar")
    change_status(sessions, two.id, anna, "closed", outcome="not_reachable")
    # Friday 15:00 → Monday 10:00: 67 h, but 3 working hours
    _at(sessions, two, datetime(2026, 11, 27, 15, 0, tzinfo=BERLIN), monday.replace(hour=10))
    three = _lead(sessions, "web:s3", routes=("externenpruefung",), language="uk")
    change_status(sessions, three.id, anna, "contacted")
    _at(sessions, three, monday, monday.replace(hour=13))  # 4 h
    four = _lead(sessions, "web:s4", routes=(), language="ar")  # nobody has taken it
    _at(sessions, four, monday)
    five = _lead(sessions, "web:s5", routes=("anerkennung",), language="uk")
    change_status(sessions, five.id, anna, "closed")  # closed without an outcome (the service allows it)
    _at(sessions, five, datetime(2026, 12, 1, 8, 0, tzinfo=BERLIN), datetime(2026, 12, 1, 9, 0, tzinfo=BERLIN))
    old = _lead(sessions, "web:s6", routes=("ausbildung",), language="tr")
    _at(sessions, old, datetime(2026, 6, 1, 9, 0, tzinfo=BERLIN))


def test_the_figures_time_to_first_contact_and_outcomes_per_route_and_language(sessions: sessionmaker) -> None:
    _five_leads(sessions)
    stats = lead_stats(sessions, OFFICE, days=90)
    total = stats.total
    assert (total.leads, total.waiting, total.open, total.closed_without_outcome) == (5, 1, 2, 1)
    assert total.outcomes == {"route_started": 1, "referred": 0, "not_reachable": 1, "not_interested": 0}
    assert total.median_hours == pytest.approx(3.0)  # of 2, 67, 4, 1
    assert total.median_working_hours == pytest.approx(2.5)  # of 2, 3, 4, 1
    assert set(stats.by_route) == {"anerkennung", "externenpruefung", ""}, "the first route counts"
    recognition = stats.by_route["anerkennung"]
    assert (recognition.leads, recognition.median_hours, recognition.median_working_hours) == (3, 2.0, 2.0)
    assert stats.by_route[""].waiting == 1 and stats.by_route[""].median_hours is None
    assert stats.by_language["ar"].median_hours == pytest.approx(67.0)
    assert stats.by_language["ar"].median_working_hours == pytest.approx(3.0)
    assert stats.by_language["uk"].leads == 3 and stats.by_language["uk"].median_hours == pytest.approx(2.0)
    everything = lead_stats(sessions, OFFICE)
    assert everything.total.leads == 6 and "tr" in everything.by_language


def _row(html: str, name: str) -> list[str]:
    match = re.search(rf'<th scope="row">{re.escape(name)}</th>(.*?)</tr>', html, re.S)
    assert match, name
    return re.findall(r"<td>(.*?)</td>", match.group(1))


def test_the_statistics_page_shows_the_figures_behind_the_login(client: TestClient, sessions: sessionmaker) -> None:
    _five_leads(sessions)
    page = client.get("/inbox/stats")
    assert page.status_code == 200 and "Erste Reaktion" in page.text
    html = page.text
    # leads, waiting, median h, median working h, open, 4 outcomes, closed without outcome
    assert _row(html, "Anerkennung") == ["3", "0", "2,0", "2,0", "0", "1", "0", "1", "0", "1"]
    assert _row(html, "noch offen") == ["1", "1", "–", "–", "1", "0", "0", "0", "0", "0"]
    assert _row(html, "العربية (ar)") == ["2", "1", "67,0", "3,0", "1", "0", "0", "1", "0", "0"]
    assert _row(html, "Alle") == ["5", "1", "3,0", "2,5", "2", "1", "0", "1", "0", "1"]
    assert _row(client.get("/inbox/stats", params={"days": 0}).text, "Alle")[0] == "6"
    assert _row(client.get("/inbox/stats", params={"days": 7}).text, "Alle")[0] == "5", "unknown period: 90 days"
    assert "Olena" not in html, "figures only, no names"
    with sessions() as session:
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "stats")) is not None
    client.cookies.clear()
    assert client.get("/inbox/stats", follow_redirects=False).status_code == 303
