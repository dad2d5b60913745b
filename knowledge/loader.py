"""Read ``knowledge/data/*.yml`` into a validated ``Knowledge`` (once, on first use)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from knowledge.schema import Knowledge

DATA_DIR = Path(__file__).resolve().parent / "data"
PARTS = ("sources", "routes", "topics", "funding", "offices", "documents", "glossary", "occupations", "rules")


ALIASES_DIR = "occupation_aliases"
"""``<lang>.yml`` files: occupation names as people type them in that language (id → names)."""


def read_alias_files(folder: Path = DATA_DIR) -> dict[str, dict[str, list[str]]]:
    """``{language: {occupation id: [names]}}`` from ``occupation_aliases/<lang>.yml``."""
    found: dict[str, dict[str, list[str]]] = {}
    for path in sorted((folder / ALIASES_DIR).glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{path.name}: expected occupation id → list of names")
        found[path.stem] = {str(k): [str(n) for n in (v or [])] for k, v in data.items()}
    return found


ANSWER_WORDS_DIR = "answer_words"
"""``<lang>.yml`` files: what people write for the check's choices (slot → value → words)."""


def read_answer_words(folder: Path = DATA_DIR) -> dict[str, dict[str, dict[str, list[str]]]]:
    """``{language: {slot: {value: [words]}}}`` from ``answer_words/<lang>.yml``."""
    found: dict[str, dict[str, dict[str, list[str]]]] = {}
    for path in sorted((folder / ANSWER_WORDS_DIR).glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
            raise ValueError(f"{path.name}: expected slot → value → list of words")
        found[path.stem] = {
            str(slot): {str(value): [str(w) for w in (words or [])] for value, words in values.items()}
            for slot, values in data.items()
        }
    return found


def read_knowledge(folder: Path = DATA_DIR) -> Knowledge:
    """Read and validate every data file of ``folder`` (raises ``ValidationError`` on a bad fact).

    The occupations' aliases are German and English in ``occupations.yml``, and one file per
    further language in ``occupation_aliases/``; an alias file naming an unknown id is an error.
    """
    raw: dict[str, list[Any]] = {}
    for part in PARTS:
        data = yaml.safe_load((folder / f"{part}.yml").read_text(encoding="utf-8")) or {}
        raw[part] = data.get(part, [])
    occupations: dict[str, dict[str, Any]] = {
        o["id"]: o for o in raw["occupations"] if isinstance(o, dict) and "id" in o
    }
    for language, aliases in read_alias_files(folder).items():
        for occupation_id, names in aliases.items():
            if occupation_id not in occupations:
                raise ValueError(f"occupation_aliases/{language}.yml: unknown occupation {occupation_id!r}")
            known = occupations[occupation_id].setdefault("aliases", [])
            known.extend(n.strip().lower() for n in names if n.strip() and n.strip().lower() not in known)
    return Knowledge.model_validate(raw)


@lru_cache(maxsize=1)
def load_knowledge() -> Knowledge:
    """The knowledge of the shipped data files (read once per process)."""
    return read_knowledge()
