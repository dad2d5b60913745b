"""A Babel extractor for the knowledge files: every ``text:`` value becomes a msgid.

Registered as the ``lotse_knowledge`` extraction method (pyproject.toml entry point) and used
by ``babel.cfg`` for ``knowledge/data/*.yml``, so ``make catalogs`` puts facts, document names
and glossary explanations into ``locales/messages.pot``; a changed German fact turns its
translations fuzzy, which ``make test`` reports. The ``name`` of a thing that has a ``summary``
(a route, a way to pay) is extracted too: it is shown on buttons and as a heading.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import yaml

TEXT_KEYS = frozenset({"text"})


NAME_NOTE = (
    "TRANSLATORS: knowledge – {label}: a name on a button and in headings. Write it in your "
    'language, then the German term in brackets, e.g. "Retraining (Umschulung)"; keep it short.'
)
TEXT_NOTE = "TRANSLATORS: knowledge – {label}. Keep German official terms."


def _walk(node: yaml.Node, context: str) -> Iterator[tuple[int, str, str]]:
    """``(line, text, translator note)`` of every text below ``node``."""
    if isinstance(node, yaml.MappingNode):
        label = context
        keys = {k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)}
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value in ("id", "term") and isinstance(value, yaml.ScalarNode):
                label = f"{context}{value.value}: "
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode) or not isinstance(value, yaml.ScalarNode):
                yield from _walk(value, label)
            elif key.value in TEXT_KEYS and value.value.strip():
                yield value.start_mark.line + 1, value.value, TEXT_NOTE.format(label=label.rstrip(": "))
            elif key.value == "name" and "summary" in keys and value.value.strip():
                yield value.start_mark.line + 1, value.value, NAME_NOTE.format(label=label.rstrip(": "))
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
    for line, text, note in _walk(root, ""):
        yield line, "_", text, [note]
