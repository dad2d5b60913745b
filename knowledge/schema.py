"""The shape of Lotse's knowledge: every fact with its sources, checked by pydantic.

The data lives in ``knowledge/data/*.yml``. Texts are German (the source language) and reach
users through gettext; a fact whose source is unverified (``[CHECK]`` in the brief) or that is
marked ``unverified`` is shown with a hedge.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

RouteId = Literal["externenpruefung", "teilqualifikation", "umschulung", "validierung", "anerkennung", "ausbildung"]
ROUTE_IDS: tuple[str, ...] = RouteId.__args__  # type: ignore[attr-defined]
TopicId = Literal["funding", "costs", "duration", "language", "work_while_learning", "residence"]


def months_ago(months: int, today: date | None = None) -> date:
    """The date ``months`` months before ``today`` (the last day of a shorter month if needed)."""
    today = today or date.today()
    month = today.month - 1 - months
    year = today.year + month // 12
    month = month % 12 + 1
    for day in (today.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """A public page a fact was taken from, and when it was read."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    url: HttpUrl
    title: str = Field(min_length=3)
    checked: date
    verified: bool = True


class Fact(_Strict):
    """One statement shown to users: a German text and the sources that back it."""

    text: str = Field(min_length=10, max_length=600)
    sources: tuple[str, ...] = Field(min_length=1)
    unverified: bool = False
    """True where the brief says [CHECK]: shown only with a hedge."""


class Picks(_Strict):
    """What a recommendation of a route names in one case of the triage: ids out of the route's lists."""

    case: str = Field(pattern=r"^[a-z0-9_]+$")
    offices: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()
    funding: tuple[str, ...] = ()


class Route(_Strict):
    """One way to a Berufsabschluss."""

    id: RouteId
    name: str
    summary: Fact
    requirements: tuple[Fact, ...] = Field(min_length=1)
    costs: tuple[Fact, ...] = Field(min_length=1)
    duration: tuple[Fact, ...] = Field(min_length=1)
    who_helps: tuple[str, ...] = Field(min_length=1)
    documents: tuple[str, ...] = Field(min_length=1)
    funding: tuple[str, ...] = ()
    triage: tuple[Picks, ...] = ()
    """What the triage (``knowledge/triage.py``) names with this route, per case: the first few
    offices, papers and funding of the lists above that fit a recommendation."""

    @model_validator(mode="after")
    def _picks_from_own_lists(self) -> Route:
        for picks in self.triage:
            for part, own in (("offices", self.who_helps), ("documents", self.documents), ("funding", self.funding)):
                stray = [i for i in getattr(picks, part) if i not in own]
                if stray:
                    raise ValueError(
                        f"route {self.id}, triage case {picks.case}: {part} {stray} not in the route's own"
                    )
        return self

    def picks(self, case: str = "default") -> Picks:
        """What the triage names with this route in ``case`` (a ``KeyError`` names a case the data lacks)."""
        for picks in self.triage:
            if picks.case == case:
                return picks
        raise KeyError(f"{self.id}: {case}")


class Topic(_Strict):
    """A question across routes (who pays, German, residence …) and its general answer."""

    id: TopicId
    answer: tuple[Fact, ...] = Field(min_length=1)
    who_helps: tuple[str, ...] = ()


class Funding(_Strict):
    """A way to pay for a route or to live during it."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    summary: Fact
    who_helps: tuple[str, ...] = Field(min_length=1)


class Office(_Strict):
    """A regional office and what it is responsible for."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    responsible_for: Fact
    address: str | None = None
    phone: str | None = None
    website: HttpUrl | None = None


class Document(_Strict):
    """A paper to prepare."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    text: str = Field(min_length=3)


class GlossaryTerm(_Strict):
    """A German official term, kept in German, explained in the user's language."""

    term: str
    explanation: Fact
    route: str | None = None
    """The route the term belongs to: "what is X?" offers a button to it."""

    @field_validator("route")
    @classmethod
    def _known_route(cls, value: str | None) -> str | None:
        if value is not None and value not in ROUTE_IDS:
            raise ValueError(f"unknown route {value!r}")
        return value


Regulation = Literal["BBiG", "HwO", "PflBG", "Land"]
"""The law an occupation's training is regulated by. Externenprüfung (§ 45 Abs. 2 BBiG, § 37 Abs. 2
HwO) and Validierung (§ 50b BBiG) exist only for BBiG and HwO occupations."""


class Occupation(_Strict):
    """A training occupation with its regular training duration, its law and its competent body."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    training_years: float = Field(gt=0, le=4)
    chamber: Literal["IHK", "HWK", "other"]
    authority: str | None = None
    """The competent body's name where it is not the IHK or the HWK."""
    regulation: Regulation | None = None
    """Unset: BBiG for IHK occupations, HwO for crafts; required for ``chamber: other``."""
    competent_body: str | None = None
    """The office id of the competent body (``offices.yml``) where it is not the IHK or the HWK."""
    recognition_body: str | None = None
    """The office id that recognises a foreign qualification in this occupation, where it is not
    IHK FOSA (IHK occupations) or the HWK (crafts)."""
    note: Fact | None = None
    """What applies to this occupation beyond the general routes (e.g. the Nichtschülerprüfung)."""
    aliases: tuple[str, ...] = Field(min_length=1)
    source: Source | None = None

    @model_validator(mode="after")
    def _regulation_known(self) -> Occupation:
        if self.chamber == "other" and self.regulation is None:
            raise ValueError(f"occupation {self.id}: chamber other needs a regulation")
        return self

    @property
    def law(self) -> Regulation:
        """The law of this occupation's training."""
        if self.regulation is not None:
            return self.regulation
        return "HwO" if self.chamber == "HWK" else "BBiG"

    @property
    def has_external_exam(self) -> bool:
        """Whether Externenprüfung and Validierung exist for it (BBiG and HwO occupations)."""
        return self.law in ("BBiG", "HwO")

    @model_validator(mode="before")
    @classmethod
    def _inline_source(cls, data: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("source"), dict):
            source = dict(data["source"])
            source.setdefault("id", f"occupation_{data.get('id', 'x')}")
            source.setdefault("title", str(data.get("name", "")) or "occupation")
            data = {**data, "source": source}
        return data


class Rule(_Strict):
    """A triage rule: when it applies, which routes it opens or closes, and the law behind it."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    law: str = Field(min_length=3)
    """The paragraph it applies, as written in German law ("§ 45 Abs. 2 BBiG")."""
    text: str = Field(min_length=10, max_length=200)
    """What it says, short, in German (translated): shown after the law in a recommendation."""
    condition: str = Field(min_length=5)
    """When it applies, for the people who maintain the data (not shown)."""
    opens: tuple[str, ...] = ()
    closes: tuple[str, ...] = ()
    value: float | None = None
    """The threshold the rule uses (years, age, factor), read by the triage."""
    sources: tuple[str, ...] = Field(min_length=1)
    checked: date
    unverified: bool = False

    @field_validator("opens", "closes")
    @classmethod
    def _known_routes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [r for r in value if r not in ROUTE_IDS]
        if unknown:
            raise ValueError(f"unknown routes {unknown}")
        return value


class Knowledge(_Strict):
    """Everything Lotse knows, cross-checked: every id a fact or route names exists."""

    sources: tuple[Source, ...]
    routes: tuple[Route, ...]
    topics: tuple[Topic, ...]
    funding: tuple[Funding, ...]
    offices: tuple[Office, ...]
    documents: tuple[Document, ...]
    glossary: tuple[GlossaryTerm, ...]
    occupations: tuple[Occupation, ...]
    rules: tuple[Rule, ...] = ()

    @model_validator(mode="after")
    def _references_exist(self) -> Knowledge:
        source_ids = {s.id for s in self.sources}
        office_ids = {o.id for o in self.offices}
        document_ids = {d.id for d in self.documents}
        funding_ids = {f.id for f in self.funding}
        problems: list[str] = []
        for fact, where in self.facts():
            missing = set(fact.sources) - source_ids
            if missing:
                problems.append(f"{where}: unknown sources {sorted(missing)}")
        for route in self.routes:
            problems += [f"route {route.id}: unknown office {o}" for o in route.who_helps if o not in office_ids]
            problems += [f"route {route.id}: unknown document {d}" for d in route.documents if d not in document_ids]
            problems += [f"route {route.id}: unknown funding {f}" for f in route.funding if f not in funding_ids]
        helped: tuple[Topic | Funding, ...] = (*self.topics, *self.funding)
        for item in helped:
            problems += [f"{item.id}: unknown office {o}" for o in item.who_helps if o not in office_ids]
        for occupation in self.occupations:
            problems += [
                f"occupation {occupation.id}: unknown office {o}"
                for o in (occupation.competent_body, occupation.recognition_body)
                if o is not None and o not in office_ids
            ]
        for rule in self.rules:
            missing = set(rule.sources) - source_ids
            if missing:
                problems.append(f"rule {rule.id}: unknown sources {sorted(missing)}")
        if {r.id for r in self.routes} != set(ROUTE_IDS):
            problems.append("every route id needs exactly one route")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def facts(self) -> list[tuple[Fact, str]]:
        """Every fact with a label saying where it stands."""
        found: list[tuple[Fact, str]] = []
        for route in self.routes:
            found.append((route.summary, f"route {route.id} summary"))
            for part in ("requirements", "costs", "duration"):
                found += [(f, f"route {route.id} {part}") for f in getattr(route, part)]
        for topic in self.topics:
            found += [(f, f"topic {topic.id}") for f in topic.answer]
        found += [(f.summary, f"funding {f.id}") for f in self.funding]
        found += [(o.responsible_for, f"office {o.id}") for o in self.offices]
        found += [(g.explanation, f"glossary {g.term}") for g in self.glossary]
        found += [(o.note, f"occupation {o.id}") for o in self.occupations if o.note is not None]
        return found

    def due(self, before: date) -> list[tuple[str, date, tuple[str, ...]]]:
        """What was last checked before ``before``: ``(where, oldest check, urls)`` for every fact,
        rule and occupation whose source (or own check date) is older; the oldest first."""
        sources = {s.id: s for s in self.sources}
        found: list[tuple[str, date, tuple[str, ...]]] = []

        def add(where: str, checks: list[tuple[date, str]]) -> None:
            old = [(checked, url) for checked, url in checks if checked < before]
            if old:
                found.append((where, min(c for c, _ in old), tuple(sorted({u for _, u in old}))))

        for fact, where in self.facts():
            add(where, [(sources[s].checked, str(sources[s].url)) for s in fact.sources])
        for rule in self.rules:
            add(
                f"rule {rule.id}",
                [(rule.checked, rule.law)] + [(sources[s].checked, str(sources[s].url)) for s in rule.sources],
            )
        for occupation in self.occupations:
            if occupation.source is not None:
                add(f"occupation {occupation.id}", [(occupation.source.checked, str(occupation.source.url))])
        return sorted(found, key=lambda item: (item[1], item[0]))

    def rule(self, rule_id: str) -> Rule:
        """The rule ``rule_id`` (a ``KeyError`` names a rule the data lacks)."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)
