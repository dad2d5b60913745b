"""Every language in locales/ has a complete, compiled catalog; the template is current."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.catalogs import catalog_languages, check_catalogs
from bot.i18n import LANGUAGES, LOCALES_DIR
from bot.settings import PROJECT_ROOT


def test_every_catalog_is_complete_and_compiled() -> None:
    assert check_catalogs() == []
    assert {"de", "en"} <= set(catalog_languages())


def test_template_matches_the_source(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run(
        [
            str(pybabel),
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "-k",
            "_",
            "-k",
            "ngettext:1,2",
            "-k",
            "translate_plural:2,3",
            "--add-comments=TRANSLATORS:",
            "--no-location",
            "-o",
            str(pot),
            ".",
        ],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
    )
    fresh = {m.id for m in read_po(pot.open("rb")) if m.id}
    committed = {m.id for m in read_po((LOCALES_DIR / "messages.pot").open("rb")) if m.id}
    assert fresh == committed, "texts changed: run `make catalogs` and translate"


def _copy_locales(tmp_path: Path) -> Path:
    target = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, target)
    return target


def test_check_finds_an_empty_translation(tmp_path: Path) -> None:
    locales = _copy_locales(tmp_path)
    po = locales / "en" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8").replace('msgstr "Send"', 'msgstr ""')
    po.write_text(text, encoding="utf-8")
    problems = [str(p) for p in check_catalogs(locales)]
    assert "en: empty translation 'Senden'" in problems
    assert "en: messages.mo is older than messages.po" in problems


def test_check_finds_a_broken_placeholder(tmp_path: Path) -> None:
    locales = _copy_locales(tmp_path)
    po = locales / "en" / "LC_MESSAGES" / "messages.po"
    po.write_text(po.read_text(encoding="utf-8").replace("{limit} characters", "{limt} characters"), encoding="utf-8")
    assert any("placeholders differ" in str(p) for p in check_catalogs(locales))


def test_check_finds_a_missing_compiled_catalog(tmp_path: Path) -> None:
    locales = _copy_locales(tmp_path)
    (locales / "en" / "LC_MESSAGES" / "messages.mo").unlink()
    assert "en: not compiled (messages.mo missing)" in [str(p) for p in check_catalogs(locales)]


# Translation errors found in review (issue 12) — each changed the meaning for the reader.
KNOWN_MISTRANSLATIONS = {
    "uk": ("Будь-яка робота не підходить",),  # "no job counts" for "not just any job counts"
    "ru": ("Любая работа не подойдёт",),
    "ar": ("بإحصاءات مجهولة\u0000",),  # "unknown statistics": the consent button must say anonymous
    "tr": ("tanıtabilirsiniz",),  # "you can introduce it" for having a diploma recognised
    "ro": ("expulz",),  # expulsion (Ausweisung) for Abschiebung (deportare)
    "pl": ("z testu",),  # the check is a questionnaire, not a test
    "vi": ("phần Check",),  # left untranslated
    "fa": ("با حقوق", "برای حقوق"),  # حقوق is "rights" elsewhere in the same catalog: pay is دستمزد
}


def test_known_mistranslations_stay_fixed() -> None:
    found = {}
    for language, wrong in KNOWN_MISTRANSLATIONS.items():
        catalog = read_po((LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb"))
        texts = [m.string if isinstance(m.string, str) else " ".join(m.string) for m in catalog if m.id]
        # a text ends with NUL here so that "… مجهولة" at its very end is caught, "مجهولة الهوية" not
        found[language] = [w for w in wrong for t in texts if w in t + "\u0000"]
    assert not any(found.values()), found


ROUTE_TERMS = ("Externenprüfung", "Teilqualifikation", "Umschulung", "Validierung", "Anerkennung")


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_language_has_a_style_note_for_later_texts(language: str) -> None:
    """Address form and each German term's fixed rendering, written down next to the catalog."""
    note = (LOCALES_DIR / language / "STYLE.md").read_text(encoding="utf-8")
    assert note.startswith("# Style note")
    assert "Address" in note or language == "de"
    for term in ROUTE_TERMS:
        assert term in note, (language, term)
