"""The language of a request (a page or an answer), and a page's ``<html lang>``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from bot.i18n import resolve_language
from bot.web.dependencies import settings_of


def html_lang(language: str) -> str:
    """The ``<html lang>`` of a page in ``language`` (``de_simple`` is German: ``de``)."""
    return language.split("_")[0]


def request_language(request: Request, requested: object = None) -> str:
    """The language a request asks for: ``requested`` (what it named), else the browser's first
    choice (``Accept-Language``), else the configured default."""
    return resolve_language(
        requested or request.headers.get("accept-language", "").split(",")[0].split(";")[0],
        settings_of(request).default_language,
    )


def page_language(request: Request, lang: str | None = None) -> str:
    """The language of a page: ``?lang=``, else the browser's first choice."""
    return request_language(request, lang)


PageLanguage = Annotated[str, Depends(page_language)]
