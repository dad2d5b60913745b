"""How well the engine understands held-back examples, per language (``make eval``, tests).

The examples are Rasa NLU files (``tests/data/nlu/<lang>/*.yml``) that are never trained on.
Each example goes through the engine's HTTP API (``POST /model/parse``), so the figures are
those of the model that runs.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

from bot.settings import PROJECT_ROOT

HELD_BACK_DIR = PROJECT_ROOT / "tests" / "data" / "nlu"
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True)
class Example:
    """One held-back message with its expected intent."""

    language: str
    text: str
    intent: str


@dataclass
class LanguageScore:
    """Intent accuracy of one language and its most frequent confusions."""

    language: str
    total: int = 0
    correct: int = 0
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def accuracy(self) -> float:
        """Share of examples whose intent was recognised."""
        return self.correct / self.total if self.total else 0.0


def load_examples(folder: Path = HELD_BACK_DIR) -> list[Example]:
    """Every example of every ``<lang>/*.yml`` in ``folder``, with annotations removed."""
    examples: list[Example] = []
    for path in sorted(folder.glob("*/*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for block in data.get("nlu", []):
            for line in str(block.get("examples", "")).splitlines():
                line = line.strip()
                if line.startswith("- "):
                    text = _ANNOTATION.sub(r"\1", line[2:]).strip()
                    examples.append(Example(path.parent.name, text, block["intent"]))
    return examples


def evaluate(engine_url: str, token: str, examples: list[Example]) -> dict[str, LanguageScore]:
    """Ask the engine for the intent of every example; score per language."""
    scores: dict[str, LanguageScore] = {}
    with httpx.Client(base_url=engine_url, timeout=30) as client:
        for example in examples:
            response = client.post(
                "/model/parse", params={"token": token}, json={"text": example.text}
            )
            response.raise_for_status()
            predicted = response.json()["intent"]["name"]
            score = scores.setdefault(example.language, LanguageScore(example.language))
            score.total += 1
            if predicted == example.intent:
                score.correct += 1
            else:
                score.confusions[(example.intent, predicted)] += 1
    return scores


def report(scores: dict[str, LanguageScore]) -> str:
    """A table of accuracy per language and the worst confusions."""
    lines = ["language  examples  intent accuracy  worst confusions (expected -> predicted)"]
    for language, score in sorted(scores.items()):
        worst = ", ".join(
            f"{expected}->{predicted} ×{count}"
            for (expected, predicted), count in score.confusions.most_common(3)
        )
        lines.append(f"{language:<9} {score.total:>8}  {score.accuracy:>14.1%}  {worst or '-'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``python -m bot.evaluation [--start]`` (``make eval``): accuracy per language.

    Evaluates the engine of a running ``make demo``; with ``--start`` it starts its own engine
    and action server on free ports when none answers, and stops them afterwards.
    """
    import tempfile

    from bot.settings import get_settings
    from bot.stack import engine_token

    argv = sys.argv[1:] if argv is None else argv
    settings = get_settings()
    examples = load_examples()
    try:
        httpx.get(settings.engine_url, timeout=2).raise_for_status()
        running = True
    except httpx.HTTPError:
        running = False
    if running:
        scores = evaluate(settings.engine_url, engine_token(settings), examples)
    elif "--start" in argv:
        from tests.support.stack import start_stack  # the same starter the tests use

        print("starting an engine for the evaluation (about a minute) …", flush=True)
        with tempfile.TemporaryDirectory(prefix="lotse-eval-") as folder:
            stack = start_stack(Path(folder))
            try:
                scores = evaluate(stack.engine_url, stack.token, examples)
            finally:
                stack.stop()
    else:
        print(f"No engine answers at {settings.engine_url}: run `make demo`, or use --start.")
        return 2
    print(report(scores))
    return 0 if all(s.accuracy >= 0.9 for s in scores.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
