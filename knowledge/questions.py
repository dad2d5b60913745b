"""What a question is about, read from the words people type: the route, the aspect, "what is …?".

The NLU model picks an intent; a real question often says more than one intent can hold
("Was kostet die Anerkennung?", "що таке Bildungsgutschein?", "Wie lange dauert eine Umschulung
zum Koch?"). The words people use for each route and aspect, in every language and script, are
data (``data/question_words/<lang>.yml``); the glossary's German terms are found the same way.
People mix languages, so every language's words are looked for in every message.

Entries are compared folded (``knowledge.triage.fold``) on whole words; an entry ending in ``*``
matches any word that starts so ("переквалифікаці*").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from knowledge.schema import ROUTE_IDS, GlossaryTerm
from knowledge.triage import fold

QUESTION_WORDS_DIR = "question_words"
ASPECT_IDS = ("requirements", "costs", "duration", "documents", "funding", "offices")
GENERIC_ROUTES = ("ausbildung",)
"""Routes whose names are also the everyday word for any training a person has had ("meine
Ausbildung wurde nicht anerkannt", "meslek eğitimi diplomam"): naming one of them alone does not
outweigh the other route the model understood."""


@dataclass(frozen=True)
class QuestionWords:
    """One language's words for the routes and aspects, and for asking "what is …?"."""

    routes: dict[str, tuple[str, ...]]
    aspects: dict[str, tuple[str, ...]]
    what_is: tuple[str, ...]


def read_question_words(folder: Path) -> dict[str, QuestionWords]:
    """``{language: QuestionWords}`` from ``<folder>/question_words/<lang>.yml`` (validated)."""
    found: dict[str, QuestionWords] = {}
    for path in sorted((folder / QUESTION_WORDS_DIR).glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        routes, aspects = data.get("routes") or {}, data.get("aspects") or {}
        if set(routes) - set(ROUTE_IDS) or set(aspects) - set(ASPECT_IDS):
            raise ValueError(f"{path.name}: unknown route or aspect {set(routes) | set(aspects)}")
        found[path.stem] = QuestionWords(
            routes={str(k): tuple(str(w) for w in v or ()) for k, v in routes.items()},
            aspects={str(k): tuple(str(w) for w in v or ()) for k, v in aspects.items()},
            what_is=tuple(str(w) for w in data.get("what_is") or ()),
        )
    return found


def word_pattern(entries: list[str]) -> re.Pattern[str] | None:
    """One regex for entries (folded): whole words, ``*`` = any ending."""
    parts: list[str] = []
    for entry in sorted({fold(e).strip() for e in entries if e.strip()}, key=len, reverse=True):
        stem = entry.endswith("*")
        words = " ".join(entry.rstrip("*").split())
        if not words:
            continue
        parts.append(re.escape(words).replace(r"\ ", r"\s+") + (r"\w*" if stem else ""))
    if not parts:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)")


@dataclass(frozen=True)
class Subject:
    """What an answer is about: a route (and maybe one of its aspects), or else a cross-route topic."""

    route: str | None
    aspect: str | None


@dataclass(frozen=True)
class Found:
    """A value found in a text, with where it stands."""

    value: str
    start: int


class QuestionIndex:
    """Every language's question words, compiled once."""

    def __init__(self, words: dict[str, QuestionWords], glossary: tuple[GlossaryTerm, ...] = ()) -> None:
        def merged(kind: str, ids: tuple[str, ...]) -> dict[str, re.Pattern[str]]:
            compiled = {}
            for value in ids:
                entries = [w for lang in words.values() for w in getattr(lang, kind).get(value, ())]
                pattern = word_pattern(entries)
                if pattern is not None:
                    compiled[value] = pattern
            return compiled

        self._routes = merged("routes", ROUTE_IDS)
        self._aspects = merged("aspects", ASPECT_IDS)
        self._what_is = word_pattern([w for lang in words.values() for w in lang.what_is])
        self._terms: list[tuple[re.Pattern[str], GlossaryTerm]] = []
        for term in glossary:
            names = [n.strip() for n in term.term.split("/") if n.strip()]
            # the German term, inflected or glued ("Bildungsgutscheins", "Jobcenter'а")
            entries = [n + ("*" if len(n) >= 6 else "") for n in names]
            if term.route is not None:
                entries += [w for lang in words.values() for w in lang.routes.get(term.route, ())]
            pattern = word_pattern(entries)
            if pattern is not None:
                self._terms.append((pattern, term))

    @staticmethod
    def _first(text: str, patterns: dict[str, re.Pattern[str]]) -> list[Found]:
        """Each value found, by its first place; a match that overlaps a longer match of another
        value does not count ("Prüfung ohne Ausbildung" names the Externenprüfung, not the
        Ausbildung)."""
        folded = fold(text)
        spans = [(m.start(), m.end(), value) for value, pattern in patterns.items() for m in pattern.finditer(folded)]
        kept = [
            (start, end, value)
            for start, end, value in spans
            if not any(s < end and start < e and (e - s) > (end - start) and v != value for s, e, v in spans)
        ]
        first: dict[str, int] = {}
        for start, _end, value in sorted(kept):
            first.setdefault(value, start)
        return [Found(value, start) for value, start in sorted(first.items(), key=lambda item: item[1])]

    def routes(self, text: str) -> list[str]:
        """The routes ``text`` names, in the order it names them."""
        return [f.value for f in self._first(text, self._routes)]

    def aspects(self, text: str) -> list[str]:
        """The aspects ``text`` asks about, in the order it asks."""
        return [f.value for f in self._first(text, self._aspects)]

    def asks_what_is(self, text: str) -> bool:
        """Whether ``text`` asks what something is or means."""
        return self._what_is is not None and self._what_is.search(fold(text)) is not None

    def _term_match(self, text: str) -> tuple[GlossaryTerm, int, int] | None:
        """The glossary term ``text`` names (the German term, or the words for its route) and
        where; the German term itself wins over route words, the earliest over later ones."""
        folded = fold(text)
        best: tuple[int, int, int, GlossaryTerm] | None = None
        for pattern, term in self._terms:
            match = pattern.search(folded)
            if match is None:
                continue
            own = 0 if fold(term.term.split("/")[0].strip()) in match.group(0) else 1
            if best is None or (own, match.start()) < best[:2]:
                best = (own, match.start(), match.end(), term)
        return (best[3], best[1], best[2]) if best else None

    def asks_about_term(self, text: str) -> GlossaryTerm | None:
        """The term ``text`` asks the meaning of: "was ist ein Bildungsgutschein?", "що таке
        Bildungsgutschein?", or the term alone — not "Umschulung: süresi nedir?" (an aspect)."""
        found = self._term_match(text)
        if found is None:
            return None
        term, start, end = found
        folded = fold(text)
        rest = folded[:start] + " " + folded[end:]
        if self.aspects(rest):
            return None  # "what is the duration of …": an aspect of the route, not the term
        if self.routes(rest):
            return None  # "Umschulung oder Externenprüfung, was ist besser?": a comparison
        words = [w for w in re.split(r"[\s?!.,:;]+", rest) if w]
        if self.asks_what_is(rest) or len(words) <= 1:
            return term
        return None

    def subject(
        self,
        text: str,
        *,
        intent_route: str | None = None,
        topic: str | None = None,
        named_route: str | None = None,
        read_route: str | None = None,
        pressed_aspect: str | None = None,
        current_route: str | None = None,
        sure: bool = False,
    ) -> Subject:
        """What the answer to ``text`` is about, from what the model picked (``intent_route`` for
        ``ask_<route>``, or ``topic`` for a cross-route topic such as ``costs`` or ``language``),
        a pressed button's route or aspect, and the words of the question itself.

        - The route: a button's route; else the model's route when it is ``sure`` of it, or the
          words agree or name no single other route ("Woher erfahre ich, ob meine Ausbildung
          anerkannt ist?" stays Anerkennung when the model is sure); else the one route the words
          name ("Ce este recunoașterea?" is about Anerkennung, whatever route the model picked);
          else the route talked about last, for a short follow-up with an aspect ("und was
          kostet das?").
        - The aspect: a button's aspect; else the model's topic when it is an aspect the words do
          not contradict; else the first aspect the words ask about.
        - Route is ``None`` when the answer is the topic's: a topic of its own ("Deutsch lernen",
          "Nebenjob während der Ausbildung", residence), or a route named with no aspect of it asked.
        """
        if topic is not None and topic not in ASPECT_IDS and pressed_aspect is None:
            # a topic of its own (learning German, working while learning, residence) is answered
            # as that topic, whatever route it names: "Nebenjob während der Ausbildung?"
            return Subject(None, None)
        route: str | None
        if named_route in ROUTE_IDS:
            route = named_route
        else:
            written = self.routes(text)
            if read_route in ROUTE_IDS and read_route not in written:
                written.append(read_route)
            if intent_route is not None and (
                sure or intent_route in written or len(written) != 1 or written[0] in GENERIC_ROUTES
            ):
                route = intent_route
            else:
                route = written[0] if written else intent_route
        if pressed_aspect in ASPECT_IDS:
            aspect: str | None = pressed_aspect
        else:
            asked = self.aspects(text)
            if topic in ASPECT_IDS:
                aspect = topic if not asked or topic in asked else asked[0]
            else:
                aspect = asked[0] if asked else None
        if (
            aspect is not None
            and route is None
            and topic in ("costs", "duration", "funding", None)
            and current_route in ROUTE_IDS
            and text.count(" ") < 6
        ):
            route = current_route
        if route is not None and (aspect is not None or topic is None):
            return Subject(route, aspect)
        return Subject(None, aspect)
