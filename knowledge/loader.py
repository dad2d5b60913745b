"""Read ``knowledge/data/*.yml`` into a validated ``Knowledge`` (once, on first use)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from knowledge.schema import Knowledge

DATA_DIR = Path(__file__).resolve().parent / "data"
PARTS = ("sources", "routes", "topics", "funding", "offices", "documents", "glossary", "occupations")


def read_knowledge(folder: Path = DATA_DIR) -> Knowledge:
    """Read and validate every data file of ``folder`` (raises ``ValidationError`` on a bad fact)."""
    raw: dict[str, object] = {}
    for part in PARTS:
        data = yaml.safe_load((folder / f"{part}.yml").read_text(encoding="utf-8")) or {}
        raw[part] = data.get(part, [])
    return Knowledge.model_validate(raw)


@lru_cache(maxsize=1)
def load_knowledge() -> Knowledge:
    """The knowledge of the shipped data files (read once per process)."""
    return read_knowledge()
