"""How well the engine understands people, per language (``make eval``, tests).

Two sets, neither ever trained on (``tests/unit/test_nlu_data.py`` checks):

- **held back** (``tests/data/nlu/<lang>/*.yml``): Rasa NLU files written like the training data
  — short, one thing per message. They measure the data more than the people.
- **real phrasing** (``tests/data/real/<lang>.yml``): questions as people posted them in public
  forums, Q&A sites and FAQ pages, in their own language and spelling — long ones, stories,
  two questions in one, German words inside other languages — each with its source. A two-part
  question names the intents that lead to the right answer (``intent`` and ``accept``). It comes in
  two halves by page (``real_half``): rules and thresholds may be chosen on the **dev** half, the
  **test** half is the figure (and ``--misses`` lists only the dev half's mistakes).

Each example goes through the engine's HTTP API (``POST /model/parse``), so the figures are those
of the model that runs. What is scored is **the answer the person gets**, not the bare intent: a
question is answered for the route its words name and the aspect it asks about, and "what is X?"
from the glossary (``knowledge.questions``, the same reading ``action_answer`` does) — so "Ce este
recunoașterea profesională?" is answered about Anerkennung even when the model picked another
route. The report shows the bare intent accuracy next to it. When Lotse asks back, its first
guess (the first button) is scored. Besides accuracy, the report shows the share of **confidently
wrong** answers (wrong with confidence ≥ 0.8, not asked back): those are the ones where Lotse acts
on a misunderstanding instead of asking back.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx
import yaml

from bot.settings import PROJECT_ROOT
from bot.understanding import (
    SURE_OF_ROUTE,
    answers_named_route,
    is_short_small_talk,
    offered,
    refer_before_guessing,
    route_instead_of_out_of_scope,
)
from knowledge.loader import DATA_DIR, load_knowledge
from knowledge.questions import QuestionIndex, read_question_words
from knowledge.referrals import ReferralIndex, read_referral_words
from knowledge.schema import ROUTE_IDS
from knowledge.story import StoryWords, read_story, read_story_words
from knowledge.triage import find_occupation, phrase

HELD_BACK_DIR = PROJECT_ROOT / "tests" / "data" / "nlu"
REAL_DIR = PROJECT_ROOT / "tests" / "data" / "real"
PEOPLE_STORIES_DEV = PROJECT_ROOT / "tests" / "data" / "stories" / "people_dev"
PEOPLE_STORIES_TEST = PROJECT_ROOT / "tests" / "data" / "stories" / "people_test"
"""First messages that tell a whole story, written blind (see their header): the dev half may tune
``knowledge.story``, the test half never does."""
PEOPLE_STORIES_WRITTEN = date(2026, 12, 7)
"""The day the stories were written: "seit 2017" and "born 1990" count to it, whenever they are read."""
REAL_HALVES = ("dev", "test")
"""The real-phrasing set in two halves, by page (``real_half``): a rule or threshold may be chosen
on ``dev``; the figure of issue 11 is ``test``'s. Both are never trained on."""
CONFIDENT = 0.8
"""A wrong prediction at or above this confidence is "confidently wrong"."""
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True)
class Example:
    """One held-back message with its expected intent."""

    language: str
    text: str
    intent: str
    accept: tuple[str, ...] = ()
    """Other intents that lead to the right answer too (a two-part question: route and aspect)."""
    source: str = ""
    story: dict[str, Any] = field(default_factory=dict, compare=False)
    """What the message tells about the person (age, occupation, experience_years …), if anything."""

    def is_right(self, predicted: str) -> bool:
        """Whether ``predicted`` leads to the right answer."""
        return predicted == self.intent or predicted in self.accept

    @property
    def half(self) -> str:
        """``dev`` or ``test``: the half of the real-phrasing set this example is in (``real_half``)."""
        return real_half(self.source)


def real_half(source: str) -> str:
    """The half of the real-phrasing set a question of the page ``source`` is in: by the first byte
    of the SHA-256 of the page's address — fixed before anyone looked at which question lands where,
    and the questions of one page (often alike) always in the same half."""
    return REAL_HALVES[hashlib.sha256(source.encode("utf-8")).digest()[0] % 2]


@dataclass
class LanguageScore:
    """Intent accuracy of one language, its confidently wrong answers and worst confusions."""

    language: str
    total: int = 0
    correct: int = 0
    """The answer the person gets is right."""
    intent_correct: int = 0
    """The bare intent is right."""
    confidently_wrong: int = 0
    asked_back: int = 0
    """Lotse was not sure and asked back (nlu_fallback) with its best guesses as buttons."""
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def accuracy(self) -> float:
        """Share of examples whose intent was recognised."""
        return self.correct / self.total if self.total else 0.0

    @property
    def intent_accuracy(self) -> float:
        """Share of examples whose bare intent was recognised (before the words pick the route)."""
        return self.intent_correct / self.total if self.total else 0.0

    @property
    def confidently_wrong_share(self) -> float:
        """Share of examples answered wrongly with confidence ≥ ``CONFIDENT``."""
        return self.confidently_wrong / self.total if self.total else 0.0

    @property
    def asked_back_share(self) -> float:
        """Share of examples where Lotse asked back instead of answering."""
        return self.asked_back / self.total if self.total else 0.0

    def add(self, other: LanguageScore) -> None:
        """Count ``other``'s examples in this score too."""
        self.total += other.total
        self.correct += other.correct
        self.intent_correct += other.intent_correct
        self.confidently_wrong += other.confidently_wrong
        self.asked_back += other.asked_back
        self.confusions.update(other.confusions)


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


def load_real_examples(folder: Path = REAL_DIR) -> list[Example]:
    """The real-phrasing set: every ``<lang>.yml`` in ``folder``."""
    examples: list[Example] = []
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        language = str(data.get("language") or path.stem)
        for item in data.get("examples") or []:
            examples.append(
                Example(
                    language,
                    str(item["text"]).strip(),
                    str(item["intent"]),
                    tuple(item.get("accept") or ()),
                    str(item.get("source") or ""),
                    dict(item.get("story") or {}),
                )
            )
    return examples


Ranking = list[tuple[str, float]]


@dataclass(frozen=True)
class Parsed:
    """What the engine understood of one example."""

    example: Example
    ranking: Ranking
    """Intents, best first (without ``nlu_fallback``)."""
    asked_back: bool
    """The FallbackClassifier said ``nlu_fallback``: Lotse asks back."""
    route: str | None = None
    """The route entity the engine extracted, if any."""


@lru_cache(maxsize=1)
def _question_index() -> QuestionIndex:
    return QuestionIndex(read_question_words(DATA_DIR), load_knowledge().glossary)


@lru_cache(maxsize=1)
def _topics() -> dict[str, str]:
    """``{intent: topic}`` for the cross-route topics (``ask_costs`` → ``costs`` …)."""
    return {f"ask_{topic.id}": topic.id for topic in load_knowledge().topics}


@lru_cache(maxsize=1)
def _referral_index() -> ReferralIndex:
    return ReferralIndex(read_referral_words(DATA_DIR), _question_index())


def first_offered(ranking: Ranking) -> str:
    """The first button of the ask-back (``bot.understanding.offered``)."""
    return offered(ranking)[0]


def answered(parsed: Parsed) -> tuple[str, ...]:
    """What the person's answer is about, as the intents that lead there: ``ask_<route>`` (and
    ``ask_costs`` etc. for a route's costs, duration or funding) when the answer is about a route —
    the words may name it, whichever route or topic the model picked, and they answer even when
    the model is unsure (``action_ask_back``) or not sure it is out of scope
    (``action_refer_elsewhere``) —, else the model's best intent. When Lotse asks back: its first
    button; or ``out_of_scope`` when that is its best guess (it says so before the buttons) or
    when it names another office before its guesses (``refer_before_guessing``), or the small talk
    a short message most likely is."""
    intent, text, index = parsed.ranking[0][0], parsed.example.text, _question_index()
    if parsed.asked_back and intent != "out_of_scope" and not is_short_small_talk(intent, text):
        if not _answers_anyway(parsed) and refer_before_guessing(parsed.ranking, text, _referral_index()):
            return ("out_of_scope",)  # the office whose topic the words name comes first
        intent = first_offered(parsed.ranking)
    if (
        intent == "out_of_scope"
        and not parsed.asked_back
        and route_instead_of_out_of_scope(parsed.ranking[0][1], text, index, _referral_index())
    ):
        intent = ""  # the words name one of our routes: answered about it, not "not my field"
    asks = intent == "" or (
        intent.startswith("ask_") and (intent in _topics() or intent.removeprefix("ask_") in ROUTE_IDS)
    )
    if parsed.asked_back or asks:
        term = index.asks_about_term(text)
        if term is not None and term.route is not None:
            # the term's explanation, with a button to its route: right for a question about
            # that route, and for the topic the model understood ("Was ist ein Bildungsgutschein?")
            return (f"ask_{term.route}",) + ((intent,) if intent in _topics() else ())
    if parsed.asked_back and answers_named_route(parsed.ranking, text, index):
        intent, asks = "", True  # the words name one route: Lotse answers it instead of asking back
    if not asks:
        return (intent,)
    route = intent.removeprefix("ask_")
    subject = index.subject(
        text,
        intent_route=route if route in ROUTE_IDS else None,
        topic=_topics().get(intent),
        read_route=parsed.route,
        sure=parsed.ranking[0][1] >= SURE_OF_ROUTE,
    )
    if subject.route is None:
        return (intent,)
    topic = f"ask_{subject.aspect}"
    return (f"ask_{subject.route}",) + ((topic,) if topic in _topics() else ())


def _answers_anyway(parsed: Parsed) -> bool:
    """Whether an unsure message is answered all the same: a glossary term of one route, or the one
    route its words name (``answers_named_route``) — ``action_ask_back``'s first two checks."""
    index, text = _question_index(), parsed.example.text
    term = index.asks_about_term(text)
    return (term is not None and term.route is not None) or answers_named_route(parsed.ranking, text, index)


def asks_back(parsed: Parsed) -> bool:
    """Whether Lotse asks back: the model is unsure and no glossary term or single route in the
    words lets it answer anyway, nor small talk in a short message, nor an office's topic when
    its best guess is out of scope (``action_ask_back``)."""
    if not parsed.asked_back or _answers_anyway(parsed):
        return False
    text, best = parsed.example.text, parsed.ranking[0][0]
    if is_short_small_talk(best, text):
        return False
    return not (best == "out_of_scope" and _referral_index().topic(text) is not None)


def parse_all(engine_url: str, token: str, examples: list[Example]) -> list[Parsed]:
    """Each example with the engine's intent ranking, route entity, and whether it asks back."""
    parsed: list[Parsed] = []
    with httpx.Client(base_url=engine_url, timeout=30) as client:
        for example in examples:
            response = client.post("/model/parse", params={"token": token}, json={"text": example.text})
            response.raise_for_status()
            body = response.json()
            ranking = [
                (str(i["name"]), float(i.get("confidence") or 0.0))
                for i in body.get("intent_ranking") or [body["intent"]]
                if i.get("name") != "nlu_fallback"
            ]
            route = next(
                (
                    str(e["value"])
                    for e in body.get("entities") or []
                    if e.get("entity") == "route" and e.get("value") in ROUTE_IDS
                ),
                None,
            )
            parsed.append(
                Parsed(
                    example,
                    ranking or [(str(body["intent"]["name"]), 0.0)],
                    body["intent"].get("name") == "nlu_fallback",
                    route,
                )
            )
    return parsed


def score(parsed: list[Parsed]) -> dict[str, LanguageScore]:
    """Accuracy of the answer (and of the bare intent), confidently wrong and asked-back shares,
    per language."""
    scores: dict[str, LanguageScore] = {}
    for each in parsed:
        example, (predicted, confidence) = each.example, each.ranking[0]
        result = scores.setdefault(example.language, LanguageScore(example.language))
        result.total += 1
        asked_back = asks_back(each)
        result.asked_back += asked_back
        result.intent_correct += example.is_right(predicted)
        answer = answered(each)
        if any(example.is_right(a) for a in answer):
            result.correct += 1
        else:
            result.confusions[(example.intent, "+".join(answer))] += 1
            result.confidently_wrong += confidence >= CONFIDENT and not asked_back
    return scores


def evaluate(engine_url: str, token: str, examples: list[Example]) -> dict[str, LanguageScore]:
    """Ask the engine for the intent of every example; score per language."""
    return score(parse_all(engine_url, token, examples))


def sweep(parsed: list[Parsed]) -> str:
    """What FallbackClassifier thresholds would do: answered right, asked back, acted wrongly."""
    lines = ["threshold  ambiguity  answered right  asked back  answered wrong  confidently wrong"]
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        for ambiguity in (0.02, 0.1, 0.2, 0.3):
            right = back = wrong = confident = 0
            for each in parsed:
                ranking = each.ranking
                top, second = ranking[0][1], (ranking[1][1] if len(ranking) > 1 else 0.0)
                if top < threshold or top - second < ambiguity:
                    back += 1
                elif any(each.example.is_right(a) for a in answered(each)):
                    right += 1
                else:
                    wrong += 1
                    confident += top >= CONFIDENT
            n = len(parsed) or 1
            lines.append(
                f"{threshold:>9.2f}  {ambiguity:>9.2f}  {right / n:>14.1%}  {back / n:>10.1%}  "
                f"{wrong / n:>14.1%}  {confident / n:>17.1%}"
            )
    return "\n".join(lines)


def overall(scores: dict[str, LanguageScore]) -> LanguageScore:
    """All languages together."""
    total = LanguageScore("all")
    for each in scores.values():
        total.add(each)
    return total


def report(scores: dict[str, LanguageScore], title: str = "held back") -> str:
    """A table of accuracy per language, confidently wrong answers and the worst confusions."""
    lines = [
        f"{title}:",
        "language  examples  accuracy  intent only  confidently wrong  asked back  "
        "worst confusions (expected -> predicted)",
    ]
    rows = sorted(scores.items())
    if len(rows) > 1:
        rows.append(("all", overall(scores)))
    for language, each in rows:
        worst = ", ".join(
            f"{expected}->{predicted} ×{count}" for (expected, predicted), count in each.confusions.most_common(3)
        )
        lines.append(
            f"{language:<9} {each.total:>8}  {each.accuracy:>8.1%}  {each.intent_accuracy:>11.1%}  "
            f"{each.confidently_wrong_share:>17.1%}  {each.asked_back_share:>10.1%}  {worst or '-'}"
        )
    return "\n".join(lines)


STORY_FACTS = ("age", "occupation", "experience_years")


def story_report(examples: list[Example]) -> str:
    """How many of the facts real messages tell (age, occupation, years of work) Lotse reads
    from that one message (``knowledge.story``, the same reading ``action_validate_slot_mappings`` does)."""
    from knowledge.story import read_story, read_story_words
    from knowledge.triage import find_occupation

    words, occupations = read_story_words(DATA_DIR), load_knowledge().occupations
    told = read = 0
    for example in examples:
        facts = {k: v for k, v in example.story.items() if k in STORY_FACTS}
        if not facts:
            continue
        story = read_story(example.text, words, occupations)
        for fact, expected in facts.items():
            told += 1
            if fact == "occupation":
                wanted = find_occupation(str(expected), occupations)
                read += story.occupation_name is not None and (
                    wanted is None or (story.occupation is not None and wanted.id == story.occupation.id)
                )
            elif fact == "age":
                read += story.age == expected
            else:
                read += story.experience_years is not None and abs(story.experience_years - float(expected)) <= 0.5
    share = read / told if told else 0.0
    return f"story facts in real messages (age, occupation, years): {read} of {told} read ({share:.0%})"


@dataclass(frozen=True)
class PeopleStory:
    """One first message that tells age, occupation and years of work, with what a counsellor reads in it."""

    language: str
    text: str
    age: int
    occupation: str
    """The German name a counsellor would write; alternatives split by "/" ("Friseur/Friseurin")."""
    experience_years: float


def load_people_stories(folder: Path) -> list[PeopleStory]:
    """The stories of ``<folder>/<lang>.yml``."""
    stories = []
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for item in data["messages"]:
            expect = item["expect"]
            stories.append(
                PeopleStory(
                    data["language"],
                    str(item["text"]),
                    int(expect["age"]),
                    str(expect["occupation"]),
                    float(expect["experience_years"]),
                )
            )
    return stories


def _names(text: str) -> set[str]:
    return {phrase(name) for name in text.split("/") if name.strip()}


@lru_cache(maxsize=1)
def _story_words() -> StoryWords:
    return read_story_words(DATA_DIR)


def story_matches(story: PeopleStory, today: date) -> dict[str, bool]:
    """Which of the three facts ``knowledge.story.read_story`` reads right from ``story.text``.

    The occupation is compared as the check would keep it: where the expected German name is one of
    Lotse's occupations (``occupations.yml``), the message must resolve to that same occupation;
    where it is not (a teacher, a doctor), the occupation slot must hold that name as text.
    Years of work count within half a year."""
    occupations = load_knowledge().occupations
    read = read_story(story.text, _story_words(), occupations, today)
    wanted = {o.id for name in story.occupation.split("/") if (o := find_occupation(name, occupations))}
    slot = read.occupation_name
    if wanted:
        occupation_right = read.occupation is not None and read.occupation.id in wanted
    else:
        occupation_right = slot is not None and bool(_names(slot) & _names(story.occupation))
    return {
        "age": read.age == story.age,
        "occupation": occupation_right,
        "experience_years": read.experience_years is not None
        and abs(read.experience_years - story.experience_years) <= 0.5,
    }


def people_story_scores(stories: list[PeopleStory], today: date) -> dict[str, tuple[int, int]]:
    """Per language: (messages whose age, occupation and years are all read right, messages)."""
    scores: dict[str, tuple[int, int]] = {}
    for story in stories:
        right, total = scores.get(story.language, (0, 0))
        scores[story.language] = (right + all(story_matches(story, today).values()), total + 1)
    return dict(sorted(scores.items()))


def people_story_report(today: date = PEOPLE_STORIES_WRITTEN, show_misses: bool = False) -> str:
    """``python -m bot.evaluation --stories``: per language, the share of first messages that leave
    age, occupation and years of work all in the slots, for the dev and the test half (``--misses``:
    what the dev half's misses are; the test half's are not shown, so that nobody tunes on them)."""
    halves = {"dev": load_people_stories(PEOPLE_STORIES_DEV), "test": load_people_stories(PEOPLE_STORIES_TEST)}
    scores = {name: people_story_scores(stories, today) for name, stories in halves.items()}
    lines = [
        "Stories: first messages whose age, occupation and years of work all fill the slots",
        "language  dev       test",
    ]
    for language in sorted(set(scores["dev"]) | set(scores["test"])):
        cells = []
        for name in halves:
            right, total = scores[name].get(language, (0, 0))
            cells.append(f"{right:>2}/{total:<2} {right / total if total else 0:>4.0%}")
        lines.append(f"{language:<9} {'  '.join(cells)}")
    if show_misses:
        for story in halves["dev"]:
            wrong = [fact for fact, right in story_matches(story, today).items() if not right]
            if wrong:
                lines.append(f"dev {story.language} {','.join(wrong):<30} {story.text[:150]!r}")
    return "\n".join(lines)


def right(parsed: Parsed) -> bool:
    """Whether the person gets the right answer."""
    return any(parsed.example.is_right(a) for a in answered(parsed))


def summary_line(each: LanguageScore, title: str) -> str:
    """One line: examples, accuracy, confidently wrong, asked back."""
    return (
        f"{title}: {each.total} examples, accuracy {each.accuracy:.1%}, confidently wrong "
        f"{each.confidently_wrong_share:.1%}, asked back {each.asked_back_share:.1%}"
    )


def misses(parsed: list[Parsed]) -> str:
    """Every example whose answer is wrong: language, expected intent, what was answered (with the
    model's confidence, and ``?`` where Lotse asks back), and the text — to read, not to train on."""
    lines = []
    for each in parsed:
        answer = answered(each)
        if not any(each.example.is_right(a) for a in answer):
            mark = "?" if asks_back(each) else " "
            lines.append(
                f"{each.example.language} {each.example.intent:<22} → {'+'.join(answer):<34}"
                f"{each.ranking[0][1]:.2f}{mark} {each.example.text[:140]!r}"
            )
    return "\n".join(sorted(lines))


def main(argv: list[str] | None = None) -> int:
    """``python -m bot.evaluation [--start] [--sweep] [--misses]`` (``make eval``): accuracy per
    language; ``--misses`` lists the real-phrasing questions answered wrongly. ``--stories`` (no
    engine needed): the share of whole-story first messages that fill age, occupation and years.

    Evaluates the engine of a running ``make demo``; with ``--start`` it starts its own engine
    and action server on free ports when none answers, and stops them afterwards.
    """
    import tempfile

    from bot.settings import get_settings
    from bot.stack import engine_token

    argv = sys.argv[1:] if argv is None else argv
    if "--stories" in argv:  # no engine needed: knowledge.story reads the stories
        print(people_story_report(show_misses="--misses" in argv))
        return 0
    settings = get_settings()
    examples, real = load_examples(), load_real_examples()
    try:
        httpx.get(settings.engine_url, timeout=2).raise_for_status()
        running = True
    except httpx.HTTPError:
        running = False
    if running:
        parsed = parse_all(settings.engine_url, engine_token(settings), examples)
        real_parsed = parse_all(settings.engine_url, engine_token(settings), real)
    elif "--start" in argv:
        from bot.starter import start_stack  # the same starter the tests and the benchmark use

        print("starting an engine for the evaluation (10–20 seconds) …", flush=True)
        with tempfile.TemporaryDirectory(prefix="lotse-eval-") as folder:
            stack = start_stack(Path(folder))
            try:
                parsed = parse_all(stack.engine_url, stack.token, examples)
                real_parsed = parse_all(stack.engine_url, stack.token, real)
            finally:
                stack.stop()
    else:
        print(f"No engine answers at {settings.engine_url}: run `make demo`, or use --start.")
        return 2
    scores = score(parsed)
    dev = [each for each in real_parsed if each.example.half == "dev"]
    test = [each for each in real_parsed if each.example.half == "test"]
    print(report(scores, "held back (written like the training data)"))
    print()
    print(report(score(test), "real phrasing, test half (as people wrote it in public; the figure of issue 11)"))
    print()
    print(report(score(dev), "real phrasing, dev half (rules and thresholds may be chosen on it)"))
    print()
    print(summary_line(overall(score(real_parsed)), "real phrasing, both halves"))
    print(story_report(real))
    if "--sweep" in argv:
        print("\nFallbackClassifier thresholds on the real-phrasing dev half:\n" + sweep(dev))
        print("\n… and on the held-back set:\n" + sweep(parsed))
    if "--misses" in argv:
        # only the dev half: reading the test half's mistakes is how a test set becomes a tuning set
        print("\nReal-phrasing questions of the dev half answered wrongly (expected → answered, confidence):")
        print(misses(dev))
        print(f"(test half: {sum(not right(each) for each in test)} answered wrongly, not listed)")
    return 0 if all(s.accuracy >= 0.9 for s in scores.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
