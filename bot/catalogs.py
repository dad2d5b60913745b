"""Checks of the gettext catalogs in ``locales/``: complete, compiled, placeholders intact.

Used by the action server at start-up (a missing ``.mo`` would silently show German) and by
the tests. The catalogs themselves are made by ``make catalogs`` (extract, update, compile).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po, write_po

from bot.i18n import DOMAIN, LANGUAGES, LOCALES_DIR, SOURCE_LANGUAGE, babel_locale

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class CatalogProblem:
    """One thing wrong with one catalog."""

    language: str
    problem: str

    def __str__(self) -> str:
        return f"{self.language}: {self.problem}"


def catalog_languages(locales_dir: Path = LOCALES_DIR) -> list[str]:
    """The language folders present in ``locales/``."""
    return sorted(p.name for p in locales_dir.iterdir() if (p / "LC_MESSAGES").is_dir())


def placeholders(text: str) -> set[str]:
    """The ``{names}`` in a text."""
    return set(_PLACEHOLDER.findall(text))


def _read_po(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def _texts(message: Message) -> list[str]:
    value = message.string
    if isinstance(value, (tuple, list)):
        return [str(v) for v in value]
    return [str(value or "")]


def _key(value: object) -> object:
    """A hashable form of an id or translation (plural ones are lists in compiled catalogs)."""
    return tuple(value) if isinstance(value, (list, tuple)) else value


def _ids(message: Message) -> list[str]:
    if isinstance(message.id, (tuple, list)):
        return [str(v) for v in message.id]
    return [str(message.id)]


def check_catalogs(locales_dir: Path = LOCALES_DIR) -> list[CatalogProblem]:
    """Every problem of every catalog against the template ``messages.pot``."""
    problems: list[CatalogProblem] = []
    template = _read_po(locales_dir / f"{DOMAIN}.pot")
    wanted = {m.id for m in template if m.id}
    for language in catalog_languages(locales_dir):
        if language not in LANGUAGES:
            problems.append(CatalogProblem(language, "not a language of the contract"))
            continue
        folder = locales_dir / language / "LC_MESSAGES"
        po_path, mo_path = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
        if not po_path.is_file():
            problems.append(CatalogProblem(language, "messages.po is missing"))
            continue
        catalog = _read_po(po_path)
        present = {m.id for m in catalog if m.id}
        for missing in sorted(map(str, wanted - present)):
            problems.append(CatalogProblem(language, f"missing entry {missing[:60]!r}"))
        for message in catalog:
            if not message.id or message.id not in wanted:
                continue
            label = str(_ids(message)[0])[:60]
            if message.fuzzy:
                problems.append(CatalogProblem(language, f"fuzzy entry {label!r}"))
            if any(not text.strip() for text in _texts(message)):
                problems.append(CatalogProblem(language, f"empty translation {label!r}"))
            expected = set().union(*(placeholders(i) for i in _ids(message)))
            for text in _texts(message):
                if text.strip() and placeholders(text) != expected:
                    problems.append(CatalogProblem(language, f"placeholders differ in {label!r}"))
        if not mo_path.is_file():
            problems.append(CatalogProblem(language, "not compiled (messages.mo missing)"))
        else:
            with mo_path.open("rb") as handle:
                compiled = read_mo(handle)
            compiled_texts = {_key(m.id): _key(m.string) for m in compiled if m.id}
            source_texts = {_key(m.id): _key(m.string) for m in catalog if m.id and not m.fuzzy}
            if compiled_texts != source_texts:
                problems.append(CatalogProblem(language, "messages.mo is older than messages.po"))
    present = set(catalog_languages(locales_dir))
    for language in LANGUAGES:
        if language not in present:
            problems.append(CatalogProblem(language, "has no catalog (run: make catalogs)"))
    return problems


def require_compiled_catalogs(locales_dir: Path = LOCALES_DIR) -> None:
    """Stop a process at start-up when a catalog is not compiled or out of date."""
    stale = [p for p in check_catalogs(locales_dir) if "compiled" in p.problem or ".mo" in p.problem]
    if stale:
        details = "; ".join(map(str, stale))
        raise SystemExit(f"Translations are not compiled ({details}). Run: make catalogs")


def update_catalogs(locales_dir: Path = LOCALES_DIR) -> dict[str, int]:
    """Bring every contract language's catalog in line with ``messages.pot``.

    Like ``pybabel update``, plus: a missing catalog is created with its language's CLDR plural
    rule (Arabic six forms, Ukrainian three …), and ``de_simple`` works although CLDR has no
    such locale (its catalog is German for Babel). Obsolete entries are dropped. Returns the
    number of untranslated or fuzzy entries per language.
    """
    template = _read_po(locales_dir / f"{DOMAIN}.pot")
    open_entries: dict[str, int] = {}
    for language in LANGUAGES:
        folder = locales_dir / language / "LC_MESSAGES"
        path = folder / f"{DOMAIN}.po"
        if path.is_file():
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=babel_locale(language), domain=DOMAIN)
        else:
            folder.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(
                locale=babel_locale(language), domain=DOMAIN, project="Lotse", copyright_holder="Lotse", fuzzy=False
            )
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, ignore_obsolete=True, omit_header=False)
        open_entries[language] = sum(1 for m in catalog if m.id and (m.fuzzy or any(not t.strip() for t in _texts(m))))
    return open_entries


def fill_source_catalog(locales_dir: Path = LOCALES_DIR) -> int:
    """Make the German catalog the identity (msgstr = msgid): German is the source language.

    Returns the number of entries written.
    """
    path = locales_dir / SOURCE_LANGUAGE / "LC_MESSAGES" / f"{DOMAIN}.po"
    catalog = _read_po(path)
    count = 0
    for message in catalog:
        if not message.id:
            continue
        message.string = message.id
        message.flags.discard("fuzzy")
        count += 1
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False)
    return count
