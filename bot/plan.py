"""Mein Plan: the recommendation as a short plan a person can show at the Jobcenter or the chamber.

The plan holds the best route, why, the next three steps, the person's own checklist of papers and
the office with address and phone — in the person's language and in German side by side. The
recommendation action stores the triage answers under an unguessable token (``save_plan``); the
web page ``/plan/<token>`` renders it (printable), Telegram gets it as a message
(``plan_message``). The row is deleted with the conversation ("delete my data", retention:
``bot.leads.erasure``), and a link older than the conversation retention shows nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from bot.database import utcnow
from bot.i18n import N_, text_direction, translate
from bot.leads.models import Plan
from bot.leads.store import Sessions, sessions_or_default
from knowledge.schema import Knowledge
from knowledge.triage import Profile, recommend_routes

SOURCE_LANGUAGE = "de"
TITLE = N_("Mein Plan")
ROUTE = N_("Mein Weg: {route}")
WHY = N_("Warum dieser Weg")
STEPS = N_("Die nächsten Schritte")
CHECKLIST = N_("Das bringe ich mit")
OFFICE = N_("Hier bekomme ich Hilfe")
ALSO = N_("Auch möglich: {routes}")
SHOW_IT = N_("Zeig diesen Plan bei deinem Termin, zusammen mit deinen Unterlagen.")
PRINT = N_("Drucken oder als PDF speichern")
PLAN_LINK = N_("Dein Plan zum Ausdrucken und Vorzeigen – in deiner Sprache und auf Deutsch: {url}")
PLAN_LINK_GERMAN = N_("Dein Plan zum Ausdrucken und Vorzeigen: {url}")
GONE = N_("Diesen Plan gibt es nicht mehr. Mach den Check im Chat noch einmal, dann bekommst du einen neuen.")
MAX_STEPS = 3


@dataclass(frozen=True)
class PlanView:
    """One language's side of the plan, translated and ready to show."""

    language: str
    direction: str
    title: str
    route: str
    reasons: list[str]
    steps: list[str]
    documents: list[str]
    offices: list[str]
    laws: list[str]
    others: str | None
    show_it: str
    checklist: str
    office_heading: str


def profile_of(stored: dict[str, Any]) -> Profile:
    """The ``Profile`` of stored triage answers (unknown keys are ignored)."""
    known = {f.name for f in fields(Profile)}
    return Profile(**{k: v for k, v in stored.items() if k in known})


def plan_view(profile: Profile, language: str, knowledge: Knowledge) -> PlanView:
    """The plan of ``profile`` in ``language``."""
    found = recommend_routes(profile, knowledge.occupations, knowledge.rules)
    best = found[0]
    names: dict[str, str] = {r.id: translate(language, r.name) for r in knowledge.routes}
    documents = {d.id: d for d in knowledge.documents}
    offices = {o.id: o for o in knowledge.offices}
    steps = [translate(language, t.msgid, **t.values) for t in best.next_steps][: MAX_STEPS - 1]
    steps.append(translate(language, SHOW_IT))
    office_lines = []
    for office_id in best.offices[:2]:
        office = offices[office_id]
        office_lines.append(
            ", ".join(p for p in (office.name, office.address, office.phone, str(office.website or "")) if p)
        )
    others = found[1:3]
    return PlanView(
        language=language,
        direction=text_direction(language),
        title=translate(language, TITLE),
        route=translate(language, ROUTE, route=names[best.route]),
        reasons=[translate(language, t.msgid, **t.values) for t in best.reasons],
        steps=steps,
        documents=[translate(language, documents[d].text) for d in best.documents],
        offices=office_lines,
        laws=[f"{knowledge.rule(r).law}: {translate(language, knowledge.rule(r).text)}" for r in best.rules],
        others=translate(language, ALSO, routes=", ".join(names[r.route] for r in others)) if others else None,
        show_it=translate(language, SHOW_IT),
        checklist=translate(language, CHECKLIST),
        office_heading=translate(language, OFFICE),
    )


def plan_views(profile: Profile, language: str, knowledge: Knowledge) -> list[PlanView]:
    """The plan in the person's language and in German (once, for a German speaker)."""
    languages = [language] if language.startswith(SOURCE_LANGUAGE) else [language, SOURCE_LANGUAGE]
    return [plan_view(profile, code, knowledge) for code in languages]


def plan_message(views: list[PlanView]) -> str:
    """The plan as one chat message (Telegram): each language's side after the other."""
    parts = []
    for view in views:
        lines = [f"📄 {view.title} – {view.route}"]
        lines += [f"{number}. {step}" for number, step in enumerate(view.steps, start=1)]
        lines.append(view.checklist + ":")
        lines += [f"☐ {document}" for document in view.documents]
        lines.append(view.office_heading + ":")
        lines += [f"• {office}" for office in view.offices]
        parts.append("\n".join(lines))
    return "\n\n――――――\n\n".join(parts)


def plan_url(public_url: str, token: str) -> str:
    """The link to the printable page."""
    return f"{public_url.rstrip('/')}/plan/{token}"


def save_plan(sessions: Sessions | None, conversation_id: str, language: str, profile: Profile) -> str:
    """Store the plan of this conversation (replacing an earlier one) and return its new token.

    ``sessions=None``: this process's database (``bot.leads.store``)."""
    token = secrets.token_urlsafe(32)
    with sessions_or_default(sessions).begin() as session:
        session.execute(delete(Plan).where(Plan.conversation_id == conversation_id))
        session.add(
            Plan(
                token=token,
                conversation_id=conversation_id,
                language=language,
                profile={k: v for k, v in asdict(profile).items() if v is not None},
            )
        )
    return token


def find_plan(sessions: Sessions | None, token: str, max_age_days: int, now: datetime | None = None) -> Plan | None:
    """The plan behind ``token``, or ``None`` when there is none or it is older than
    ``max_age_days`` (the conversation it belongs to is then gone too)."""
    if not token or len(token) > 64:
        return None
    oldest = (now or utcnow()) - timedelta(days=max_age_days)
    with sessions_or_default(sessions)() as session:
        plan = session.scalar(select(Plan).where(Plan.token == token))
        if plan is None or plan.created_at < oldest:
            return None
        session.expunge(plan)
        return plan
