"""The model understands held-back examples (never trained on) in every language."""

from __future__ import annotations

import subprocess

from bot.evaluation import evaluate, load_examples, report
from bot.i18n import LANGUAGES
from bot.settings import PROJECT_ROOT
from bot.stack import ENGINE_ENV, RASA
from tests.support.stack import Stack

MIN_ACCURACY = 0.9


def test_held_back_intent_accuracy_per_language(stack: Stack) -> None:
    examples = load_examples()
    assert {e.language for e in examples} == set(LANGUAGES), "a held-back set for every language"
    scores = evaluate(stack.engine_url, stack.token, examples)
    print("\n" + report(scores))
    weak = {lang: f"{s.accuracy:.0%}" for lang, s in scores.items() if s.accuracy < MIN_ACCURACY}
    assert not weak, f"intent accuracy below {MIN_ACCURACY:.0%}: {weak}\n{report(scores)}"


def test_rasa_data_validate() -> None:
    data = sorted({str(p.parent) for p in (PROJECT_ROOT / "nlu").glob("*/*.yml")})
    result = subprocess.run(
        [str(RASA), "data", "validate", "--domain", "nlu/domain.yml", "--data", *data,
         "--config", "config.yml", "--fail-on-warnings"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, env={**ENGINE_ENV, "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
