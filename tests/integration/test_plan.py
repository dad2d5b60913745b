"""Mein Plan on a real database (SQLite and PostgreSQL): stored behind an unguessable token,
shown as a printable page in the person's language and German, gone with "delete my data"
and with the retention."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from bot.database import utcnow
from bot.leads.erasure import erase_conversation, purge_expired
from bot.leads.models import Plan
from bot.plan import find_plan, save_plan
from bot.settings import Settings
from bot.web.app import create_app
from knowledge.triage import Profile

COOK = Profile(age=31, qualification="none", occupation="Koch", experience_years=6.0)


def test_a_plan_has_an_unguessable_token_and_a_new_one_replaces_it(sessions: sessionmaker) -> None:
    first = save_plan(sessions, "web:a", "ar", COOK)
    second = save_plan(sessions, "web:a", "ar", COOK)
    assert first != second and len(first) >= 40 and re.fullmatch(r"[A-Za-z0-9_-]+", first)
    assert find_plan(sessions, first, 30) is None
    plan = find_plan(sessions, second, 30)
    assert plan is not None and plan.language == "ar" and plan.profile["occupation"] == "Koch"
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Plan)) == 1


def test_delete_my_data_removes_the_plan(sessions: sessionmaker) -> None:
    token = save_plan(sessions, "tg:42", "uk", COOK)
    erased = erase_conversation(sessions, "tg:42")
    assert erased.plans == 1 and find_plan(sessions, token, 30) is None


def test_retention_removes_old_plans_and_old_links_show_nothing(sessions: sessionmaker) -> None:
    token = save_plan(sessions, "web:old", "de", COOK)
    assert find_plan(sessions, token, 30, now=utcnow() + timedelta(days=31)) is None
    purge_expired(sessions, lead_days=180, conversation_days=30, now=utcnow() + timedelta(days=31))
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Plan)) == 0


def test_the_page_shows_both_languages_printable_and_is_gone_after_erasure(
    sessions: sessionmaker, database_url: str, tmp_path
) -> None:
    token = save_plan(sessions, "web:page", "ar", COOK)
    settings = Settings(var_dir=tmp_path, database_url=database_url, engine_url="http://127.0.0.1:9")
    with TestClient(create_app(settings)) as client:
        page = client.get(f"/plan/{token}")
        assert page.status_code == 200
        assert page.headers["cache-control"] == "no-store" and "noindex" in page.headers["x-robots-tag"]
        html = page.text
        assert '<html lang="ar" dir="rtl">' in html
        assert 'lang="ar" dir="rtl"' in html and 'lang="de" dir="ltr"' in html
        assert "Mein Plan" in html and "Externenprüfung" in html
        assert "Graf-Schack-Allee 12" in html  # the office, with its address
        assert "Arbeitszeugnisse von deinen Arbeitgebern" in html  # the German checklist
        assert html.count('<ol class="plan__steps">') == 2 and "/static/plan.js" in html
        assert client.get("/plan/not-a-real-token").status_code == 404
        erase_conversation(sessions, "web:page")
        gone = client.get(f"/plan/{token}")
        assert gone.status_code == 404 and "Externenprüfung" not in gone.text
