"""The model understands held-back examples and real phrasing (never trained on) in every language."""

from __future__ import annotations

import subprocess

from bot.evaluation import evaluate, load_examples, load_real_examples, overall, report
from bot.i18n import LANGUAGES
from bot.settings import PROJECT_ROOT
from bot.stack import ENGINE_ENV, RASA
from tests.support.stack import Stack

MIN_ACCURACY = 0.9
# Real phrasing (tests/data/real/): floors at what the model reaches today, so that it only gets
# better. What is scored is the answer the person gets (bot.evaluation.answered). The goal (issue 11)
# is 90 % overall and 80 % in every language — not reached yet.
# Measured 2026-12-06 (README, Understanding): ar 65 %, de 75 %, en 78 %, fa 70 %, pl 72 %, ro 70 %,
# ru 67 %, tr 67 %, uk 64 %, vi 78 %; all 71.2 %, confidently wrong 11.8 %. Floors ~10 points below
# (one question is 2–4 points in the small languages, and a clean clone trains its own model).
REAL_FLOORS = {"ar": 0.55, "de": 0.65, "en": 0.65, "fa": 0.58, "pl": 0.60, "ro": 0.58, "ru": 0.55, "tr": 0.55,
               "uk": 0.52, "vi": 0.65}
REAL_OVERALL_FLOOR = 0.64
REAL_CONFIDENTLY_WRONG_CEILING = 0.17


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


def test_real_phrasing_accuracy_per_language_keeps_its_floor(stack: Stack) -> None:
    real = load_real_examples()
    assert {e.language for e in real} >= set(REAL_FLOORS)
    scores = evaluate(stack.engine_url, stack.token, real)
    print("\n" + report(scores, "real phrasing"))
    weak = {lang: f"{s.accuracy:.0%} < {REAL_FLOORS[lang]:.0%}" for lang, s in scores.items()
            if s.accuracy < REAL_FLOORS.get(lang, 0.0)}
    assert not weak, f"real-phrasing accuracy fell: {weak}\n{report(scores, 'real phrasing')}"
    total = overall(scores)
    assert total.accuracy >= REAL_OVERALL_FLOOR
    assert total.confidently_wrong_share <= REAL_CONFIDENTLY_WRONG_CEILING
