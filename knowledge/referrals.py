"""Who can answer what Lotse cannot: the topic of an out-of-scope question, read from its words.

Lotse knows the routes to a vocational qualification in Westmecklenburg. A question about a visa,
studying at a university, a pension, citizenship, housing benefit or another city is someone
else's field; rather than "I cannot answer that", Lotse names who can (``data/referrals.yml``:
topic → offices of ``offices.yml``). The words people write for each topic, in every language and
script, are data (``data/referral_words/<lang>.yml``), compared like the question words
(``knowledge.questions``): folded, whole words, ``*`` = any ending. People mix languages, so every
language's words are looked for in every message.

Residence, studies and pensions tied to one of Lotse's routes are Lotse's own field ("Brauche ich
ein Visum für die Ausbildung?" is ``ask_residence``; "Studium oder Ausbildung?" compares routes; the
Rentenversicherung may pay an Umschulung): a message that names a route is not referred for them.
The other topics stay someone else's field whatever route is named ("Wohngeld als Azubi?" → the
Wohngeldstelle; "Umschulung in Berlin?" → the offices where the person lives).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from knowledge.questions import QuestionIndex, word_pattern
from knowledge.triage import fold

REFERRAL_WORDS_DIR = "referral_words"
REFERRALS_FILE = "referrals.yml"
TOPIC_IDS = ("residence", "studies", "pension", "citizenship", "housing", "other_city")
LOTSE_WITH_A_ROUTE = ("residence", "studies", "pension")
"""Topics that are Lotse's own field when the message names a route: residence for a training,
a university next to a training, the Rentenversicherung paying an Umschulung."""
OUTRANKS = {"citizenship": "residence"}
"""A topic that wins over another wherever it stands: asking about Einbürgerung, people tell the
residence permit they hold ("Ich habe eine Aufenthaltserlaubnis nach § 25b … Einbürgerung?")."""


@dataclass(frozen=True)
class Referral:
    """An out-of-scope topic and the offices (ids of ``offices.yml``) that answer it, best first."""

    topic: str
    offices: tuple[str, ...]


def read_referrals(folder: Path) -> dict[str, Referral]:
    """``{topic: Referral}`` from ``<folder>/referrals.yml`` (every topic, each with an office)."""
    data = yaml.safe_load((folder / REFERRALS_FILE).read_text(encoding="utf-8")) or {}
    found: dict[str, Referral] = {}
    for entry in data.get("referrals") or ():
        topic, offices = str(entry["topic"]), tuple(str(o) for o in entry.get("offices") or ())
        if topic not in TOPIC_IDS or not offices:
            raise ValueError(f"{REFERRALS_FILE}: unknown topic or no office: {topic!r}")
        found[topic] = Referral(topic, offices)
    if set(found) != set(TOPIC_IDS):
        raise ValueError(f"{REFERRALS_FILE}: topics missing: {set(TOPIC_IDS) - set(found)}")
    return found


def read_referral_words(folder: Path) -> dict[str, dict[str, tuple[str, ...]]]:
    """``{language: {topic: words}}`` from ``<folder>/referral_words/<lang>.yml`` (validated)."""
    found: dict[str, dict[str, tuple[str, ...]]] = {}
    for path in sorted((folder / REFERRAL_WORDS_DIR).glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        topics = data.get("topics") or {}
        if not isinstance(topics, dict) or set(topics) - set(TOPIC_IDS):
            raise ValueError(f"{path.name}: expected topics of {TOPIC_IDS}, found {set(topics)}")
        found[path.stem] = {str(k): tuple(str(w) for w in v or ()) for k, v in topics.items()}
    return found


class ReferralIndex:
    """Every language's words for the out-of-scope topics, compiled once."""

    def __init__(self, words: dict[str, dict[str, tuple[str, ...]]], questions: QuestionIndex) -> None:
        self._questions = questions
        self._topics: dict[str, re.Pattern[str]] = {}
        for topic in TOPIC_IDS:
            pattern = word_pattern([w for language in words.values() for w in language.get(topic, ())])
            if pattern is not None:
                self._topics[topic] = pattern

    def mentions(self, text: str) -> list[str]:
        """Every out-of-scope topic ``text`` has words for, whether or not it also names a route
        ("ein Visum für die Ausbildung in Frankreich" mentions residence)."""
        folded = fold(text)
        return [topic for topic, pattern in self._topics.items() if pattern.search(folded) is not None]

    def topic(self, text: str) -> str | None:
        """The out-of-scope topic ``text`` asks about (the one named first), or ``None`` when it
        names none. Residence, studies and pension do not count when the text names a route;
        citizenship outranks residence."""
        folded = fold(text)
        found = sorted(
            (match.start(), topic)
            for topic, pattern in self._topics.items()
            if (match := pattern.search(folded)) is not None
        )
        if found and self._questions.routes(text):
            found = [(start, topic) for start, topic in found if topic not in LOTSE_WITH_A_ROUTE]
        named = [topic for _start, topic in found]
        named = [topic for topic in named if not any(OUTRANKS.get(other) == topic for other in named)]
        return named[0] if named else None
