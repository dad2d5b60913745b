"""The pages: the chat (full page or in the widget's frame), the launcher script partner sites
include, a stand-in partner page, the privacy notice and Mein Plan."""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import structlog
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.exc import SQLAlchemyError

from bot.i18n import (
    LANGUAGES,
    N_,
    Days,
    available_languages,
    gettext_for,
    text_direction,
    translate,
)
from bot.leads import notice
from bot.plan import GONE, PRINT, find_plan, plan_views, profile_of
from bot.settings import Settings
from bot.web.dependencies import SessionsDep, SettingsDep
from bot.web.language import PageLanguage, html_lang, request_language
from bot.web.limits import SOURCE_SHAPE
from knowledge.loader import load_knowledge

logger = structlog.get_logger(__name__)

WEB_DIR = Path(__file__).parent
COLOUR_SHAPE = re.compile(r"#[0-9a-fA-F]{6}")

# Texts of the chat page and the launcher; translated per request.
PAGE_TEXTS = {
    "title": N_("Lotse – dein Weg zum Berufsabschluss"),
    "input_label": N_("Deine Nachricht"),
    "placeholder": N_("Schreib hier …"),
    "send": N_("Senden"),
    "language_label": N_("Sprache"),
    "log_label": N_("Unterhaltung mit Lotse"),
    "offline": N_("Keine Verbindung. Deine Nachricht wird gesendet, sobald du wieder online bist."),
    "noscript": N_("Bitte schalte JavaScript ein, um mit Lotse zu schreiben."),
    "pending": N_("Noch nicht gesendet"),
    "typing": N_("Lotse schreibt …"),
    "read_aloud": N_("Vorlesen"),
    "close": N_("Chat schließen"),
    "open": N_("Chat mit Lotse öffnen"),
    # TRANSLATORS: read out by screen readers before each of the user's own messages
    "you": N_("Du:"),
}
LAUNCHER_TEXTS = ("open", "close", "title")
PLAN_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow", "Referrer-Policy": "no-referrer"}


def launcher_script() -> str:
    """``static/widget.js`` with the launcher's texts in every language filled in."""
    texts = {
        code: {key: gettext_for(code, PAGE_TEXTS[key]) if key != "title" else "Lotse" for key in LAUNCHER_TEXTS}
        for code in available_languages()
    }
    script = (WEB_DIR / "static" / "widget.js").read_text(encoding="utf-8")
    return script.replace("/*TEXTS*/{}", json.dumps(texts, ensure_ascii=True), 1)


def link_hosts(settings: Settings) -> list[str]:
    """Hosts whose links the chat shows as links: the offices' websites, our own, configured ones."""
    hosts = {urlsplit(settings.public_url).hostname or ""}
    hosts |= {o.website.host or "" for o in load_knowledge().offices if o.website is not None}
    hosts |= set(re.split(r"[\s,]+", settings.link_hosts))
    return sorted(h.lower() for h in hosts if h)


def _language_choices() -> list[tuple[str, str]]:
    return [(code, LANGUAGES[code].endonym) for code in available_languages()]


@dataclass(frozen=True)
class Pages:
    """What the pages are made of, built once per app (``app.state.pages``)."""

    templates: Environment
    launcher: str
    """``/widget.js``, its texts filled in."""
    link_hosts: list[str]

    @classmethod
    def build(cls, settings: Settings) -> Pages:
        templates = Environment(loader=FileSystemLoader(WEB_DIR / "templates"), autoescape=select_autoescape(["html"]))
        return cls(templates, launcher_script(), link_hosts(settings))

    def render(self, template: str, language: str, **values: Any) -> str:
        """``template`` in ``language``: its ``lang`` and writing direction filled in."""
        return self.templates.get_template(template).render(
            language=language, html_lang=html_lang(language), direction=text_direction(language), **values
        )


def pages_of(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


PagesDep = Annotated[Pages, Depends(pages_of)]

router = APIRouter()


@router.get("/", include_in_schema=False)
async def root() -> RedirectResponse:
    return RedirectResponse("/chat")


@router.get("/chat", response_class=HTMLResponse)
async def chat_page(
    language: PageLanguage,
    settings: SettingsDep,
    pages: PagesDep,
    embed: bool = False,
    start: str | None = None,
    colour: str | None = None,
) -> HTMLResponse:
    """The chat as a full page, or inside the widget's frame (``embed=1``)."""
    return HTMLResponse(
        pages.render(
            "chat.html",
            language,
            texts={key: gettext_for(language, msgid) for key, msgid in PAGE_TEXTS.items()},
            languages=_language_choices(),
            max_chars=settings.max_message_chars,
            embed=embed,
            source=start if start and re.fullmatch(SOURCE_SHAPE, start) else "",
            colour=colour if colour and COLOUR_SHAPE.fullmatch(colour) else "",
            link_hosts=json.dumps(pages.link_hosts),
        )
    )


@router.get("/widget.js", include_in_schema=False)
async def widget_script(pages: PagesDep) -> Response:
    """The launcher partner sites include with one ``<script>`` tag (see README)."""
    return Response(
        pages.launcher,
        media_type="text/javascript; charset=utf-8",
        headers={
            "Cache-Control": "public, max-age=3600",
            "Cross-Origin-Resource-Policy": "cross-origin",
        },
    )


@router.get("/widget-demo", response_class=HTMLResponse, include_in_schema=False)
async def widget_demo(request: Request, language: PageLanguage, pages: PagesDep) -> HTMLResponse:
    """A stand-in for a partner's page with the launcher on it (``make demo``)."""
    return HTMLResponse(pages.render("widget-demo.html", language, request_origin=str(request.base_url).rstrip("/")))


@router.get("/privacy", response_class=HTMLResponse)
async def privacy_page(language: PageLanguage, settings: SettingsDep, pages: PagesDep) -> HTMLResponse:
    retention = {
        "lead_days": Days(settings.lead_retention_days),
        "conversation_days": Days(settings.conversation_retention_days),
    }
    return HTMLResponse(
        pages.render(
            "privacy.html",
            language,
            title=translate(language, notice.TITLE),
            sections=[
                (translate(language, heading), translate(language, text, **retention))
                for heading, text in notice.SECTIONS
            ],
            version=translate(language, N_("Stand: {version}"), version=notice.NOTICE_VERSION),
            languages=_language_choices(),
            languages_label=gettext_for(language, PAGE_TEXTS["language_label"]),
            back=translate(language, N_("Zurück zum Chat")),
        )
    )


@router.get("/plan/{token}", response_class=HTMLResponse)
async def plan_page(
    request: Request, token: str, settings: SettingsDep, sessions: SessionsDep, pages: PagesDep
) -> HTMLResponse:
    """Mein Plan: printable, the person's language and German side by side, no cache, no index."""
    try:
        plan = await asyncio.to_thread(find_plan, sessions, token, settings.conversation_retention_days)
    except SQLAlchemyError as error:
        logger.error("plan.unavailable", error=type(error).__name__)
        plan = None
    if plan is None:
        language = request_language(request)
        page = pages.render(
            "plan.html", language, title=translate(language, N_("Mein Plan")), gone=translate(language, GONE), views=[]
        )
        return HTMLResponse(page, status_code=404, headers=PLAN_HEADERS)
    views = plan_views(profile_of(plan.profile), plan.language, load_knowledge())
    page = pages.render(
        "plan.html",
        plan.language,
        title=views[0].title,
        views=views,
        print_label=translate(plan.language, PRINT),
        gone=None,
        created=plan.created_at.date().isoformat(),
    )
    return HTMLResponse(page, headers=PLAN_HEADERS)
