"""The language of a page or an answer, and its writing direction."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from bot.i18n import is_rtl, resolve_language
from bot.web.dependencies import settings_of


def text_direction(language: str) -> str:
    """``rtl`` or ``ltr``: the ``dir`` of a page or an answer in ``language``."""
    return "rtl" if is_rtl(language) else "ltr"


def html_lang(language: str) -> str:
    """The ``<html lang>`` of a page in ``language`` (``de_simple`` is German: ``de``)."""
    return language.split("_")[0]


def language_of(request: Request, requested: object = None) -> str:
    """The language asked for, else the browser's first choice, else the configured default."""
    return resolve_language(
        requested or request.headers.get("accept-language", "").split(",")[0].split(";")[0],
        settings_of(request).default_language,
    )


def page_language(request: Request, lang: str | None = None) -> str:
    """The language of a page: ``?lang=``, else the browser's first choice."""
    return language_of(request, lang)


PageLanguage = Annotated[str, Depends(page_language)]
