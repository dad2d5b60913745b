"""A Babel extractor for the knowledge files: every ``text:`` value becomes a msgid.

Registered as the ``lotse_knowledge`` extraction method (pyproject.toml entry point) and used
by ``babel.cfg`` for ``knowledge/data/*.yml``, so ``make catalogs`` puts facts, document names
and glossary explanations into ``locales/messages.pot``; a changed German fact turns its
translations fuzzy, which ``make test`` reports.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import yaml

TEXT_KEYS = frozenset({"text"})


def _walk(node: yaml.Node, context: str) -> Iterator[tuple[int, str, str]]:
    if isinstance(node, yaml.MappingNode):
        label = context
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value in ("id", "term"):
                if isinstance(value, yaml.ScalarNode):
                    label = f"{context}{value.value}: "
        for key, value in node.value:
            if (
                isinstance(key, yaml.ScalarNode)
                and key.value in TEXT_KEYS
                and isinstance(value, yaml.ScalarNode)
                and value.value.strip()
            ):
                yield value.start_mark.line + 1, value.value, label.rstrip(": ")
            else:
                yield from _walk(value, label)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _walk(item, context)


def extract_knowledge(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Yield ``(line, funcname, message, comments)`` for every text of a knowledge file."""
    root = yaml.compose(fileobj.read().decode("utf-8"))
    if root is None:
        return
    for line, text, label in _walk(root, ""):
        comments = [f"TRANSLATORS: knowledge – {label}. Keep German official terms."] if label else []
        yield line, "_", text, comments
