"""Read a person's story: age, occupation and years of work from one message, in any language.

"Guten Abend, ich bin 31, war in Kabul 9 Jahre Elektriker, habe aber kein Papier darüber."
"мені 34, працювала перукаркою 7 років" · "عمري ٢٩ سنة واشتغلت طباخ ٦ سنوات" · "۳۱ سالمه، ۹ سال
برقکار بودم" · "Mam 40 lat, od 2015 pracuję jako kierowca" · "Tôi 27 tuổi, làm đầu bếp 5 năm".

Numbers in any script (Arabic-Indic and Persian digits too) and number words in every language
("дев'ять років", "năm năm", "نه سال", "سنتين") are read; the words around them
(``data/story_words.yml``) say whether a number is an age ("ich bin 31", "31 tuổi", "۳۱ سالمه") or a
duration ("9 Jahre", "seit 2017", "18 Monate"); a duration
followed by "in Deutschland" is not work. The occupation is found by its names in every language
(``find_occupation``). Pure functions: the caller passes the data and today's date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from knowledge.numbers import NUMBER_WORDS, SINCE
from knowledge.schema import Occupation
from knowledge.triage import find_occupation, fold

STORY_WORDS_FILE = "story_words.yml"
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_TOKEN = re.compile(r"\d+(?:[.,]\d+)?|[^\W\d_]+(?:[/.][^\W\d_]+)*", re.UNICODE)
_LEVEL = re.compile(r"(?<![\w])([abc][12])(?![\w])")


@dataclass(frozen=True)
class StoryWords:
    """The words around numbers, folded (see ``data/story_words.yml``)."""

    age_before: frozenset[str]
    age_before_year: frozenset[str]
    age_after: tuple[tuple[str, ...], ...]
    year_words: tuple[str, ...]
    month_words: tuple[str, ...]
    fillers: frozenset[str]
    not_work_after: tuple[tuple[str, ...], ...]
    correction: frozenset[str]
    numbers: dict[str, float] = field(default_factory=dict)
    """Number words of the other languages, folded: "девять" → 9, "năm" → 5."""
    two_years: frozenset[str] = frozenset()
    """One word for "two years" (Arabic dual: "سنتين")."""


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(fold(text.translate(_DIGITS)))


def read_story_words(folder: Path) -> StoryWords:
    """The story words of ``<folder>/story_words.yml``."""
    data = yaml.safe_load((folder / STORY_WORDS_FILE).read_text(encoding="utf-8"))

    def phrases(key: str) -> tuple[tuple[str, ...], ...]:
        # whitespace-separated words, folded; a trailing "*" stays (any ending)
        found = {tuple(fold(w) for w in str(p).split()) for p in data[key] if str(p).split()}
        return tuple(sorted(found, key=len, reverse=True))

    def words(key: str) -> tuple[str, ...]:
        return tuple(fold(str(w)).strip() for w in data[key] if str(w).strip())

    return StoryWords(
        age_before=frozenset(words("age_before")),
        age_before_year=frozenset(words("age_before_year")),
        age_after=phrases("age_after"),
        year_words=words("year_words"),
        month_words=words("month_words"),
        fillers=frozenset(words("fillers")),
        not_work_after=phrases("not_work_after"),
        correction=frozenset(words("correction")),
        numbers={fold(str(k)).strip(): float(v) for k, v in (data.get("number_words") or {}).items()},
        two_years=frozenset(words("two_years")),
    )


def _is(word: str, entries: tuple[str, ...] | frozenset[str]) -> bool:
    return any(word == e or (e.endswith("*") and word.startswith(e[:-1])) for e in entries)


def _starts(tokens: list[str], at: int, phrases: tuple[tuple[str, ...], ...]) -> bool:
    for phrase in phrases:
        window = tokens[at : at + len(phrase)]
        if len(window) == len(phrase) and all(
            w == p or (p.endswith("*") and w.startswith(p[:-1])) for w, p in zip(window, phrase, strict=True)
        ):
            return True
    return False


def _number(token: str, words: StoryWords) -> float | None:
    if token[0].isdigit():
        return float(token.replace(",", "."))
    if token in words.numbers:
        return words.numbers[token]
    return (
        float(NUMBER_WORDS[token])
        if token in NUMBER_WORDS and token not in {"a", "an", "ein", "eine", "einen", "einem", "kein", "keine", "none"}
        else None
    )


@dataclass(frozen=True)
class Story:
    """What one message says about the person (``None``: not said)."""

    age: int | None = None
    occupation: Occupation | None = None
    experience_years: float | None = None
    german_level: str | None = None
    facts: tuple[str, ...] = field(default=())
    """Which of the above were found, in the order age, occupation, experience_years, german_level."""

    @property
    def occupation_name(self) -> str | None:
        """What the ``occupation`` slot keeps: the occupation's German name."""
        return None if self.occupation is None else self.occupation.name

    @property
    def is_story(self) -> bool:
        """At least two facts about the person: enough to be a story, not a passing mention."""
        return len([f for f in self.facts if f != "german_level"]) >= 2


def _told_before(tokens: list[str], index: int, places: tuple[tuple[str, ...], ...]) -> bool:
    """Whether the four words before ``tokens[index]`` say the time is time in Germany ("أعيش في
    المانيا منذ عامين", "lebe in Deutschland seit 3 Jahren"), not work. ``places``: the phrases of
    ``not_work_after`` with two words or more — "hier 5 Jahre als Koch gearbeitet" is work."""
    head = tokens[max(0, index - 4) : index]
    return any(_starts(head, i, places) for i in range(len(head)))


def read_story(text: str, words: StoryWords, occupations: tuple[Occupation, ...], today: date | None = None) -> Story:
    """Age, occupation, years of work and German level that ``text`` tells."""
    today = today or date.today()
    tokens = _tokens(text)
    age: int | None = None
    years: float | None = None
    places = tuple(p for p in words.not_work_after if len(p) > 1)
    for index, token in enumerate(tokens):
        if (
            years is None
            and token in words.two_years
            and not _starts(tokens, index + 1, words.not_work_after)
            and not _told_before(tokens, index, places)
        ):
            years = 2.0
            continue
        value = _number(token, words)
        if value is None:
            continue
        before = tokens[index - 1] if index else ""
        after = index + 1
        while after < len(tokens) and tokens[after] in words.fillers:
            after += 1
        at_age = before in words.age_before_year and after < len(tokens) and _is(tokens[after], words.year_words)
        if (
            age is None
            and value == int(value)
            and 14 <= value <= 99
            and (
                _starts(tokens, index + 1, words.age_after)
                or _starts(tokens, after, words.age_after)
                or before in words.age_before
                or at_age
            )
        ):
            age = int(value)
            continue
        if years is None and after < len(tokens):
            unit = tokens[after]
            if _is(unit, words.year_words) or _is(unit, words.month_words):
                if _starts(tokens, after + 1, words.not_work_after) or _told_before(tokens, index, places):
                    continue
                duration = value / 12 if _is(unit, words.month_words) else value
                if 0 < duration <= 60:
                    years = round(duration, 2)
    if years is None:  # "2015'ten beri" (tr): the year, then "beri"
        for index, token in enumerate(tokens):
            if re.fullmatch(r"(?:19|20)\d{2}", token) and "beri" in tokens[index + 1 : index + 3]:
                elapsed = today.year - int(token) + (today.month - 1) / 12
                years = round(elapsed, 1) if 0 < elapsed <= 60 else None
                break
    if years is None:
        joined = " ".join(tokens)
        since = SINCE.search(joined)
        if since is not None:
            head, tail = joined[: since.start()].split()[-4:], joined[since.end() :].split()
            around = any(_starts(head, i, words.not_work_after) for i in range(len(head)))
            if not around and not _starts(tail, 0, words.not_work_after):
                elapsed = today.year - int(since.group(1)) + (today.month - 1) / 12
                years = round(elapsed, 1) if 0 < elapsed <= 60 else None
    occupation = find_occupation(text, occupations)
    level = _LEVEL.search(fold(text))
    german_level = None if level is None else ("c1" if level.group(1) == "c2" else level.group(1))
    found = {"age": age, "occupation": occupation, "experience_years": years, "german_level": german_level}
    return Story(age, occupation, years, german_level, tuple(k for k, v in found.items() if v is not None))


def is_correction(text: str, words: StoryWords) -> bool:
    """Whether ``text`` starts by saying something was wrong ("nein, 8 Jahre", "no, I'm 32")."""
    return any(token in words.correction for token in _tokens(text)[:3])
