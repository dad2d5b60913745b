"""Read a person's story: age, occupation and years of work from one message, in any language.

"Guten Abend, ich bin 31, war in Kabul 9 Jahre Elektriker, habe aber kein Papier darüber."
"мені 34, працювала перукаркою 7 років" · "عمري ٢٩ سنة واشتغلت طباخ ٦ سنوات" · "۳۱ سالمه، ۹ سال
برقکار بودم" · "Mam 40 lat, od 2015 pracuję jako kierowca" · "Tôi 27 tuổi, làm đầu bếp 5 năm".

Numbers in any script (Arabic-Indic and Persian digits too) and number words in every language
("дев'ять років", "năm năm", "نه سال", "سنتين", "twenty seven", "ستة وعشرين", "ba mươi") are read;
the words around them (``data/story_words.yml``) say whether a number is an age ("ich bin 31",
"31 tuổi", "۳۱ سالمه", "born in 1984") or a duration ("9 Jahre", "7-8 years", "4 سنين ونص",
"seit 2017", "from 2008 to 2015", "18 Monate"); a duration followed by "in Deutschland" is not
work. Where no word marks the age, of two durations the larger is the age when it leaves at least
14 years before the work ("45 lat, doświadczenie 20 lat"). The occupation is found by its names in
every language, the first one named; a profession Lotse carries no training for (teacher, doctor,
engineer: ``professions`` in the word data) is kept by its German name, as the check keeps any
occupation it does not know. Pure functions: the caller passes the data and today's date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml

from knowledge.numbers import NUMBER_WORDS, years_since
from knowledge.schema import Occupation
from knowledge.triage import _occupation_names, fold, phrase

STORY_WORDS_FILE = "story_words.yml"
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_END = "."
"""The token a sentence end becomes: what is around a number never reaches over it."""
_TOKEN = re.compile(r"\d+(?:[.,]\d+)?|[^\W\d_]+(?:[/.][^\W\d_]+)*|[.!?؟\n]", re.UNICODE)
_LEVEL = re.compile(r"(?<![\w])([abc][12])(?![\w])")
_YEAR = re.compile(r"(?:19|20)\d{2}")
_GERMAN_COMPOUND = re.compile(r"(ein|zwei|drei|vier|fünf|fuenf|sechs|sieben|acht|neun)und(\w+ig)")
_GERMAN_HALF = re.compile(r"(\w+?)einhalb")
_NOT_NUMBERS = {"a", "an", "ein", "eine", "einen", "einem", "kein", "keine", "none"}
AGE_BEFORE_WORK = 14
"""Where no word marks the age, a duration is the age only if it leaves this many years before the work."""


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
    born: frozenset[str] = frozenset()
    """Words that make a year next to them a birth year: "geboren", "متولد", "рождения"."""
    since: frozenset[str] = frozenset()
    """Words before a year that make it the start of the work: "seit", "since", "з", "od", "từ"."""
    since_after: frozenset[str] = frozenset()
    """Words after a year that make it the start ("2015'ten beri")."""
    half_before: tuple[tuple[str, ...], ...] = ()
    """Between a number and its year word: "and a half" (3 and a half years)."""
    half_after: tuple[tuple[str, ...], ...] = ()
    """After a year word: "ونص", "و نیم", "buçuk", "jumate", "с половиной", "rưỡi"."""
    and_words: frozenset[str] = frozenset()
    """The "and" inside a number word: "treizeci și cinci", "سی و یک"."""
    tens_after: frozenset[str] = frozenset()
    """A word that makes the number before it tens (Vietnamese "ba mươi" = 30)."""
    endings: tuple[str, ...] = ()
    """Endings that make an occupation a sentence ("aşçıyım", "bahçıvanım"): tried off when
    no name stands as it is, longest first."""
    professions: tuple[tuple[str, str], ...] = ()
    """(name folded, German name) of professions Lotse carries no training for."""


def _tokens(text: str) -> list[str]:
    return [_END if t in ".!?؟\n" else t for t in _TOKEN.findall(fold(text.translate(_DIGITS)))]


def read_story_words(folder: Path) -> StoryWords:
    """The story words of ``<folder>/story_words.yml``."""
    data = yaml.safe_load((folder / STORY_WORDS_FILE).read_text(encoding="utf-8"))

    def phrases(key: str) -> tuple[tuple[str, ...], ...]:
        # whitespace-separated words, folded; a trailing "*" stays (any ending)
        found = {tuple(fold(w) for w in str(p).split()) for p in data.get(key) or () if str(p).split()}
        return tuple(sorted(found, key=len, reverse=True))

    def words(key: str) -> tuple[str, ...]:
        return tuple(fold(str(w)).strip() for w in data.get(key) or () if str(w).strip())

    return StoryWords(
        age_before=frozenset(words("age_before")),
        age_before_year=frozenset(words("age_before_year")),
        age_after=phrases("age_after"),
        year_words=words("year_words"),
        month_words=words("month_words"),
        fillers=frozenset(words("fillers")),
        not_work_after=phrases("not_work_after"),
        correction=frozenset(words("correction")),
        numbers={
            fold(str(k)).strip(): float(v)
            for key in ("number_words", "tens_number_words")
            for k, v in (data.get(key) or {}).items()
        },
        two_years=frozenset(words("two_years")),
        born=frozenset(words("born")),
        since=frozenset(words("since")),
        since_after=frozenset(words("since_after")),
        half_before=phrases("half_before"),
        half_after=phrases("half_after"),
        and_words=frozenset(words("and_words")),
        tens_after=frozenset(words("tens_after")),
        endings=tuple(sorted(set(words("endings")), key=len, reverse=True)),
        professions=tuple(
            (phrase(str(name)), str(german))
            for german, names in (data.get("professions") or {}).items()
            for name in dict.fromkeys([german, *str(german).split("/"), *names])
            if phrase(str(name))
        ),
    )


def _is(word: str, entries: tuple[str, ...] | frozenset[str]) -> bool:
    return any(word == e or (e.endswith("*") and word.startswith(e[:-1])) for e in entries)


def _starts(tokens: list[str], at: int, phrases: tuple[tuple[str, ...], ...]) -> int:
    """The length of the first of ``phrases`` that stands at ``tokens[at]`` (0: none)."""
    for phrase_ in phrases:
        window = tokens[at : at + len(phrase_)]
        if len(window) == len(phrase_) and all(
            w == p or (p.endswith("*") and w.startswith(p[:-1])) for w, p in zip(window, phrase_, strict=True)
        ):
            return len(phrase_)
    return 0


def _word_value(token: str, words: StoryWords) -> float | None:
    if token in words.numbers:
        return words.numbers[token]
    if token in NUMBER_WORDS and token not in _NOT_NUMBERS:
        return float(NUMBER_WORDS[token])
    compound = _GERMAN_COMPOUND.fullmatch(token)  # "siebenundzwanzig"
    if compound:
        tens = _word_value(compound.group(2), words)
        return None if tens is None else NUMBER_WORDS[compound.group(1)] + tens
    half = _GERMAN_HALF.fullmatch(token)  # "dreieinhalb"
    if half and half.group(1) in NUMBER_WORDS:
        return NUMBER_WORDS[half.group(1)] + 0.5
    return None


def _is_tens(value: float | None) -> bool:
    return value is not None and 10 <= value <= 90 and value % 10 == 0


def _is_unit(value: float | None) -> bool:
    return value is not None and 1 <= value <= 9 and value == int(value)


def _number(tokens: list[str], index: int, words: StoryWords) -> tuple[float, int] | None:
    """The number that starts at ``tokens[index]`` and the index of its last token: "31",
    "twenty seven", "тридцать один", "سی و یک", "ستة وعشرين", "ba mươi lăm"."""
    token = tokens[index]
    if token[0].isdigit():
        return float(token.replace(",", ".")), index
    value = _word_value(token, words)
    if value is None:
        return None
    following = tokens[index + 1 : index + 4]
    if _is_unit(value) and following and following[0] in words.tens_after:  # vi "ba mươi (lăm)"
        ones = _word_value(following[1], words) if len(following) > 1 else None
        return (value * 10 + ones, index + 2) if ones is not None and _is_unit(ones) else (value * 10, index + 1)
    if _is_unit(value) and following and following[0].startswith("و"):  # ar "ستة وعشرين": six and-twenty
        tens = _word_value(following[0][1:], words)
        if tens is not None and _is_tens(tens):
            return value + tens, index + 1
    if _is_tens(value) and following:  # "twenty seven", "treizeci și cinci", "سی و یک"
        step = 1 if following[0] in words.and_words and len(following) > 1 else 0
        unit = _word_value(following[step], words)
        if _is_unit(unit) and unit is not None:
            return value + unit, index + 1 + step
    return value, index


@dataclass(frozen=True)
class Story:
    """What one message says about the person (``None``: not said)."""

    age: int | None = None
    occupation: Occupation | None = None
    experience_years: float | None = None
    german_level: str | None = None
    facts: tuple[str, ...] = field(default=())
    """Which of the above were found, in the order age, occupation, experience_years, german_level."""
    profession: str | None = None
    """The German name of a profession Lotse carries no training for ("Lehrer/Lehrerin"), when the
    message names one and no occupation."""

    @property
    def occupation_name(self) -> str | None:
        """What the ``occupation`` slot keeps: the occupation's German name, or the profession's."""
        return self.occupation.name if self.occupation is not None else self.profession

    @property
    def is_story(self) -> bool:
        """At least two facts about the person: enough to be a story, not a passing mention."""
        return len([f for f in self.facts if f != "german_level"]) >= 2


def _told_before(tokens: list[str], index: int, places: tuple[tuple[str, ...], ...]) -> bool:
    """Whether the four words before ``tokens[index]`` say the time is time in Germany ("أعيش في
    المانيا منذ عامين", "lebe in Deutschland seit 3 Jahren"), not work. ``places``: the phrases of
    ``not_work_after`` with two words or more — "hier 5 Jahre als Koch gearbeitet" is work."""
    head = tokens[max(0, index - 4) : index]
    if _END in head:
        head = head[len(head) - head[::-1].index(_END) :]
    return any(_starts(head, i, places) for i in range(len(head)))


@dataclass(frozen=True)
class _Duration:
    at: int
    years: float
    counted: bool
    """Told as a number of years ("45 lat"), not as a start year: it may be an unmarked age."""


def _birth_years(tokens: list[str], words: StoryWords) -> set[int]:
    """Indexes of years told as birth years: "1987 geboren", "born in 1984", "متولد ۱۹۹۰",
    "1979 года рождения", "Urodziłem się w 1980 roku" — the year nearest to a born word, at most
    three words away ("1981 doğumluyum, 2001den beri": 1981)."""
    found = set()
    for at, word in enumerate(tokens):
        if word not in words.born:
            continue
        near = [
            (abs(index - at), index)
            for index in range(max(0, at - 3), min(len(tokens), at + 4))
            if _YEAR.fullmatch(tokens[index]) and _END not in tokens[min(index, at) : max(index, at)]
        ]
        if near:
            found.add(min(near)[1])
    return found


def _start_years(
    tokens: list[str], words: StoryWords, skip: set[int], today: date, places: tuple[tuple[str, ...], ...]
) -> list[_Duration]:
    """Work told by its years: "from 2008 to 2015", "از ۲۰۱۴ تا ۲۰۲۲" (the two years apart), "seit
    2017", "з 2008 року", "2015'ten beri" (since then, counted from the middle of that year)."""
    found: list[_Duration] = []
    used: set[int] = set()
    for index, token in enumerate(tokens):
        if index in skip or index in used or not _YEAR.fullmatch(token):
            continue
        start = int(token)
        end_at = next(
            (j for j in range(index + 1, min(index + 4, len(tokens))) if j not in skip and _YEAR.fullmatch(tokens[j])),
            None,
        )
        if end_at is not None and _END not in tokens[index:end_at] and int(tokens[end_at]) > start:
            if start < int(tokens[end_at]) <= today.year:
                found.append(_Duration(index, float(int(tokens[end_at]) - start), counted=False))
                used.add(end_at)
            continue
        before = tokens[max(0, index - 2) : index]
        since = (before and before[-1] in words.since) or (
            len(before) == 2 and before[0] in words.since and _is(before[1], words.year_words)
        )
        since = since or any(word in words.since_after for word in tokens[index + 1 : index + 3])
        if not since or _starts(tokens, index + 1, words.not_work_after) or _told_before(tokens, index, places):
            continue
        elapsed = years_since(start, today)
        if elapsed is not None:
            found.append(_Duration(index, elapsed, counted=False))
    return found


Named = Occupation | str
"""An occupation of ``occupations.yml``, or the German name of a profession without training."""


@lru_cache(maxsize=4)
def _names_by_first_word(
    occupations: tuple[Occupation, ...], professions: tuple[tuple[str, str], ...]
) -> dict[str, tuple[tuple[tuple[str, ...], Named], ...]]:
    """Every name of every occupation and profession as its words, by its first word."""
    by_first: dict[str, list[tuple[tuple[str, ...], Named]]] = {}
    named: tuple[tuple[str, Named], ...] = (*_occupation_names(occupations), *professions)
    for name, value in named:
        words = tuple(_words(name))
        if words:
            by_first.setdefault(words[0], []).append((words, value))
    return {first: tuple(names) for first, names in by_first.items()}


def _words(text: str) -> list[str]:
    """Folded words; a hyphen or a slash parts words too ("KFZ-Mechaniker" = "KFZ Mechaniker")."""
    return re.sub(r"[^\w\s/-]", " ", fold(text)).replace("/", " ").replace("-", " ").split()


def _find_occupation(
    text: str, words: StoryWords, occupations: tuple[Occupation, ...]
) -> tuple[Occupation | None, str | None]:
    """The occupation or the profession the text names first ("20 Jahre LKW-Fahrer, jetzt im
    Lager": the driver), a name inside a longer one not counted ("elektrik mühendisi" is an
    engineer, not an electrician). A word counts as it stands and with one of the ``endings``
    off ("kaynakçıyım" → "kaynakçı", "mühendisiyim" → "mühendisi")."""
    by_first = _names_by_first_word(occupations, words.professions)
    typed = _words(text)
    forms = [{word, _without_ending(word, words.endings)} for word in typed]
    spans: list[tuple[int, int, Named]] = []
    for start, alternatives in enumerate(forms):
        for first in alternatives:
            for name, value in by_first.get(first, ()):
                end = start + len(name)
                if end <= len(forms) and all(w in forms[start + k] for k, w in enumerate(name)):
                    spans.append((start, end, value))
    whole = [
        (start, end, value)
        for start, end, value in spans
        if not any(s <= start and end <= e and e - s > end - start for s, e, _ in spans)
    ]
    if not whole:
        return None, None
    found = min(whole, key=lambda span: (span[0], -(span[1] - span[0]), isinstance(span[2], str)))[2]
    return (found, None) if isinstance(found, Occupation) else (None, found)


def _without_ending(word: str, endings: tuple[str, ...]) -> str:
    for ending in endings:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def read_story(text: str, words: StoryWords, occupations: tuple[Occupation, ...], today: date | None = None) -> Story:
    """Age, occupation, years of work and German level that ``text`` tells."""
    today = today or date.today()
    tokens = _tokens(text)
    places = tuple(p for p in words.not_work_after if len(p) > 1)
    born = _birth_years(tokens, words)
    age: int | None = None
    durations: list[_Duration] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token in words.two_years:
            if not _starts(tokens, index + 1, words.not_work_after) and not _told_before(tokens, index, places):
                durations.append(_Duration(index, 2.0, counted=True))
            index += 1
            continue
        number = None if index in born else _number(tokens, index, words)
        if number is None:
            index += 1
            continue
        value, last = number
        before = tokens[index - 1] if index else ""
        after = last + 1
        while after < len(tokens) and tokens[after] in words.fillers:
            after += 1
        at_age = before in words.age_before_year and after < len(tokens) and _is(tokens[after], words.year_words)
        if (
            age is None
            and value == int(value)
            and 14 <= value <= 99
            and (
                _starts(tokens, last + 1, words.age_after)
                or _starts(tokens, after, words.age_after)
                or before in words.age_before
                or at_age
            )
        ):
            age = int(value)
            index = last + 1
            continue
        if after < len(tokens) and tokens[after][0].isdigit():  # "7-8 years": the middle of both
            upper = float(tokens[after].replace(",", "."))
            if value < upper <= value + 5:
                value, after = (value + upper) / 2, after + 1
        half = _starts(tokens, after, words.half_before)  # "3 and a half years"
        if half:
            value, after = value + 0.5, after + half
        if _starts(tokens, after, words.age_after):  # "Kinder, 5 und 8 Jahre alt": an age, not work
            index = after + 1
            continue
        if after < len(tokens) and (_is(tokens[after], words.year_words) or _is(tokens[after], words.month_words)):
            unit = tokens[after]
            if _starts(tokens, after + 1, words.half_after):  # "4 سنين ونص", "2 ani jumate"
                value += 0.5
            if not (_starts(tokens, after + 1, words.not_work_after) or _told_before(tokens, index, places)):
                duration = value / 12 if _is(unit, words.month_words) else value
                if 0 < duration <= 60:
                    durations.append(_Duration(index, round(duration, 2), counted=True))
            index = after + 1
            continue
        index = last + 1
    durations += _start_years(tokens, words, born, today, places)
    durations.sort(key=lambda d: d.at)
    if age is None and born:
        told = today.year - int(tokens[min(born)])
        age = told if 14 <= told <= 99 else None
    if age is None and len(durations) >= 2:  # "45 lat, doświadczenie 20 lat": the larger is the age
        oldest = max(
            (d for d in durations if d.counted and d.years == int(d.years)), key=lambda d: d.years, default=None
        )
        if (
            oldest is not None
            and 16 <= oldest.years <= 99
            and all(oldest.years - d.years >= AGE_BEFORE_WORK for d in durations if d is not oldest)
        ):
            age = int(oldest.years)
            durations.remove(oldest)
    years = durations[0].years if durations else None
    occupation, profession = _find_occupation(text, words, occupations)
    level = _LEVEL.search(fold(text))
    german_level = None if level is None else ("c1" if level.group(1) == "c2" else level.group(1))
    found = {
        "age": age,
        "occupation": occupation or profession,
        "experience_years": years,
        "german_level": german_level,
    }
    return Story(age, occupation, years, german_level, tuple(k for k, v in found.items() if v is not None), profession)


def is_correction(text: str, words: StoryWords) -> bool:
    """Whether ``text`` starts by saying something was wrong ("nein, 8 Jahre", "no, I'm 32")."""
    return any(token in words.correction for token in _tokens(text)[:3])
