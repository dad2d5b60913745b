"""The NLU data: every intent in every language, enough examples, held-back sets truly held back."""

from __future__ import annotations

import math
import re
from collections import defaultdict

import pytest
import yaml

from bot.i18n import LANGUAGES
from bot.settings import PROJECT_ROOT
from bot.stack import DOMAIN_FILE

NLU, HELD_BACK = PROJECT_ROOT / "nlu", PROJECT_ROOT / "tests" / "data" / "nlu"
INTENTS = set(yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))["intents"])
_ANNOTATION = re.compile(r"\[([^\]]*)\](\{[^}]*\}|\([^)]*\))")


def _examples(folder) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for path in sorted(folder.glob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            if "intent" in block:
                found[block["intent"]] += [
                    _ANNOTATION.sub(r"\1", line.strip()[2:]).strip().lower()
                    for line in block["examples"].splitlines()
                    if line.strip().startswith("- ")
                ]
    return found


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_intent_has_at_least_15_training_examples_in_every_language(language: str) -> None:
    examples = _examples(NLU / language)
    assert set(examples) == INTENTS, set(examples) ^ INTENTS
    thin = {intent: len(texts) for intent, texts in examples.items() if len(texts) < 15}
    assert not thin, thin


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_language_has_a_held_back_set_for_every_intent(language: str) -> None:
    examples = _examples(HELD_BACK / language)
    assert set(examples) == INTENTS
    assert all(len(texts) >= 5 for texts in examples.values())


def test_held_back_examples_are_never_trained_on_in_any_language() -> None:
    trained = {text for language in LANGUAGES for texts in _examples(NLU / language).values() for text in texts}
    leaked = [
        (language, text)
        for language in LANGUAGES
        for texts in _examples(HELD_BACK / language).values()
        for text in texts
        if text in trained
    ]
    assert not leaked, leaked[:20]


def test_no_training_example_belongs_to_two_intents() -> None:
    intents: dict[str, set[str]] = defaultdict(set)
    for language in LANGUAGES:
        for intent, texts in _examples(NLU / language).items():
            for text in texts:
                intents[text].add(intent)
    assert not {text: found for text, found in intents.items() if len(found) > 1}


def test_the_real_phrasing_set_is_never_trained_on_and_names_its_sources() -> None:
    """tests/data/real/: questions as people wrote them in public — only measured, never learned."""
    from bot.evaluation import load_real_examples

    real = load_real_examples()
    assert len(real) >= 100 and len({e.language for e in real}) >= 8
    trained = {
        " ".join(text.split())
        for language in LANGUAGES
        for texts in _examples(NLU / language).values()
        for text in texts
    }
    leaked = [e.text for e in real if " ".join(e.text.lower().split()) in trained]
    assert not leaked, leaked[:10]
    for example in real:
        assert {example.intent, *example.accept} <= INTENTS, example.text
        assert example.source.startswith("http"), example.text


def test_the_real_phrasing_set_splits_by_page_into_a_dev_and_a_test_half_big_enough_in_every_language() -> None:
    """Rules may be tuned on the dev half, the test half is the reported figure: a page's questions
    (often alike) never sit in both, and each language has enough questions in each half to read."""
    from bot.evaluation import REAL_HALVES, load_real_examples, real_half

    real = load_real_examples()
    halves_of_page: dict[str, set[str]] = defaultdict(set)
    per_language: dict[tuple[str, str], int] = defaultdict(int)
    for example in real:
        halves_of_page[example.source].add(example.half)
        per_language[(example.language, example.half)] += 1
    assert all(len(halves) == 1 for halves in halves_of_page.values())
    for language in {example.language for example in real}:
        for half in REAL_HALVES:
            assert per_language[(language, half)] >= 10, (language, half, per_language[(language, half)])
    # fixed by the address alone (SHA-256), so that no one can move a question to the other half
    assert [real_half(f"https://example.org/{n}") for n in range(4)] == ["test", "dev", "dev", "test"]


def _trigrams(text: str) -> set[str]:
    folded = " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())
    return {folded[i : i + 3] for i in range(len(folded) - 2)}


def test_no_training_example_is_a_near_copy_of_a_real_phrasing_question() -> None:
    """Not even lightly edited: a training line sharing ≥ 80 % of its character trigrams with a
    real question (Jaccard) would let the evaluation measure memory, not understanding."""
    from bot.evaluation import load_real_examples

    texts = sorted({text for language in LANGUAGES for found in _examples(NLU / language).values() for text in found})
    grams = [_trigrams(text) for text in texts]
    index: dict[str, list[int]] = defaultdict(list)
    for number, found in enumerate(grams):
        for gram in found:
            index[gram].append(number)
    near: list[tuple[str, str]] = []
    for example in load_real_examples():
        own = _trigrams(example.text)
        if len(own) < 12:  # "Was kostet das?" may well be said twice
            continue
        # A text with Jaccard ≥ 0.8 shares at least one of own's rarest len − ⌈0.8·len⌉ + 1 trigrams.
        rarest = sorted(own, key=lambda gram: len(index.get(gram, ())))
        candidates = {n for gram in rarest[: len(own) - math.ceil(0.8 * len(own)) + 1] for n in index.get(gram, ())}
        near += [(example.text, texts[n]) for n in candidates if len(own & grams[n]) / len(own | grams[n]) >= 0.8]
    assert not near, near[:5]


def test_every_entity_annotation_covers_whole_words() -> None:
    """Rasa silently drops an entity that starts or ends inside a token ("بال[Umschulung]" — the
    Arabic article glued to the German word): it only warns during training, and DIET never learns it."""
    glued = []
    for path in sorted([*NLU.glob("*/*.yml"), *HELD_BACK.glob("*/*.yml")]):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            for line in (block.get("examples") or "").splitlines():
                text = line.strip()[2:]
                for match in _ANNOTATION.finditer(text):
                    before, after = text[: match.start()], text[match.end() :]
                    if re.search(r"\w$", before) or re.match(r"\w", after):
                        glued.append((path.relative_to(PROJECT_ROOT).as_posix(), text))
    assert not glued, glued[:10]
