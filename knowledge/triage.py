"""Which route fits this person: a pure function from a profile to ordered recommendations.

Each rule is data in ``knowledge/data/rules.yml`` (its law, threshold, sources and check date); a
recommendation names the rules that led to it. In short: a foreign qualification → Anerkennung
(§ 4 BQFG); ≥ 1.5 × the training duration in a BBiG/HwO occupation → Externenprüfung (§ 45 Abs. 2
BBiG, § 37 Abs. 2 HwO), from 25 also Validierung (§ 50b BBiG); no usable qualification (none, not
finished, foreign and not recognised, or German after > 4 years of unskilled work, § 81 Abs. 2
SGB III) → Teilqualifikation and Umschulung at any age; under 25, or under 3 years of work
(§ 81 Abs. 2 Satz 2 SGB III), the Ausbildung comes first. Pflege and Land occupations have no
Externenprüfung or Validierung: their route is an Umschulung (fundable for its whole length,
§ 180 Abs. 4 SGB III) or an Ausbildung, and what the occupation's ``note`` says.

Each rule is one function below (``_anerkennung`` … ``_ausbildung_sonst``, in the order of the
recommendations), its law in its docstring. The offices, papers and funding a recommendation names
are the route's ``triage`` picks in ``routes.yml``; only the competent and recognising body of the
person's occupation is added here.

Texts are German msgids with ``{placeholders}``; the caller translates, then fills them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal, TypeVar

from knowledge.loader import load_knowledge
from knowledge.schema import Occupation, Office, Route, Rule
from knowledge.text import N_, Years

T = TypeVar("T")

Qualification = Literal["none", "german", "foreign", "incomplete"]
Status = Literal["unemployed", "employed", "temp_agency", "self_employed", "in_school", "other"]
GermanLevel = Literal["none", "a1", "a2", "b1", "b2", "c1"]
Residence = Literal["schwerin", "nordwestmecklenburg", "ludwigslust_parchim", "other"]


JOBCENTER_BY_RESIDENCE = {
    "schwerin": "jobcenter_schwerin",
    "nordwestmecklenburg": "jobcenter_nwm",
    "ludwigslust_parchim": "jobcenter_lup",
}


@dataclass(frozen=True)
class Profile:
    """The triage answers (DESIGN.md's slot contract); ``None`` where not known."""

    age: int | None = None
    qualification: Qualification | None = None
    unskilled_years: float | None = None
    occupation: str | None = None
    training_years: float | None = None
    experience_years: float | None = None
    status: Status | None = None
    german_level: GermanLevel | None = None
    residence: Residence | None = None
    needs_part_time: bool | None = None


@dataclass(frozen=True)
class Text:
    """A German msgid and the values for its placeholders."""

    msgid: str
    values: dict[str, str | float | int | Years] = field(default_factory=dict)


@dataclass(frozen=True)
class Recommendation:
    """One route for this person: why, what next, who helps, what to bring, what pays."""

    route: str
    reasons: tuple[Text, ...]
    next_steps: tuple[Text, ...]
    offices: tuple[str, ...]
    documents: tuple[str, ...]
    funding: tuple[str, ...]
    rules: tuple[str, ...] = ()
    """The ids of the rules (``rules.yml``) that led to this route; the reasons cite their law."""


# Arabic-script spellings people mix: Arabic and Persian yeh/kaf, alef with or without hamza
_FOLD = str.maketrans(
    {
        "ي": "ی",
        "ى": "ی",
        "ك": "ک",
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "\u200c": " ",
        "\u200d": None,
        "\u0640": None,
        "'": None,
        "’": None,
        "ʼ": None,  # Ukrainian м'ясник = мʼясник = мясник
        "\u0307": None,  # Turkish "İ".lower() leaves a combining dot
        "ş": "ș",
        "ţ": "ț",  # Romanian typed with cedillas (and Turkish ş alike)
        "ı": "i",  # Turkish typed in capitals: "I".lower() is "i", not "ı"
        "ё": "е",  # Russian mostly typed without the dots
    }
)


def fold(text: str) -> str:
    """Text as names and keywords are compared: lower case, NFC, without Arabic vowel marks
    (tashkil) and tatweel, Persian and Arabic letter forms alike, ZWNJ as a space, no apostrophes,
    Turkish dotless ı as i, Russian ё as е."""
    text = unicodedata.normalize("NFC", text.lower())
    text = "".join(ch for ch in text if not ("\u064b" <= ch <= "\u065f" or ch == "\u0670"))
    return text.translate(_FOLD)


def phrase(text: str) -> str:
    """``text`` folded, with single spaces: how names and keywords are kept for matching."""
    return " ".join(fold(text).split())


def longest_match(text: str, names: Iterable[tuple[str, T]]) -> T | None:
    """The value of the longest name (a ``phrase``) that stands in ``text`` as whole words."""
    lowered = " " + re.sub(r"[^\w\s/-]", " ", fold(text)) + " "
    best: tuple[int, T] | None = None
    for name, value in names:
        # the substring test first: a regex per name for thousands of names is slow
        if (
            name in lowered
            and (best is None or len(name) > best[0])
            and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", lowered)
        ):
            best = (len(name), value)
    return best[1] if best else None


@lru_cache(maxsize=4)
def _occupation_names(occupations: tuple[Occupation, ...]) -> tuple[tuple[str, Occupation], ...]:
    """Every name of every occupation (id, German name, aliases in all languages), folded once."""
    return tuple(
        (name, occupation)
        for occupation in occupations
        for name in dict.fromkeys(
            phrase(n) for n in (occupation.id.replace("_", " "), occupation.name, *occupation.aliases)
        )
        if name
    )


def find_occupation(text: str | None, occupations: tuple[Occupation, ...]) -> Occupation | None:
    """The occupation a user means ("Koch in einem Restaurant" → Koch/Köchin, "كنت طبّاخ" →
    Koch/Köchin), longest name first."""
    if not text:
        return None
    return longest_match(text, _occupation_names(occupations))


def counts_as_unqualified(profile: Profile, unskilled_limit: float = 4) -> bool:
    """No usable qualification in the sense of § 81 Abs. 2 SGB III: none, not finished, a foreign one
    that is not (yet) recognised, or a German one after more than ``unskilled_limit`` years of
    unskilled work."""
    if profile.qualification in ("none", "incomplete", "foreign"):
        return True
    if profile.qualification == "german":
        return (profile.unskilled_years or 0) > unskilled_limit
    return False


CHAMBER_OFFICE = {"IHK": "ihk_schwerin", "HWK": "hwk_schwerin"}
"""The competent body of IHK and HWK occupations (§ 71 BBiG); another body is in the occupation's data."""
RECOGNITION_OFFICE = {"IHK": "ihk_fosa", "HWK": "hwk_schwerin"}
"""Who recognises a foreign qualification in IHK and HWK occupations, unless the occupation names one."""
UNCONFIRMED_BODY = "agentur_schwerin"
"""Asked when no source confirmed the competent body of a ``chamber: other`` occupation."""


@dataclass(frozen=True)
class _Case:
    """One person's profile with what the rules read from it, worked out once."""

    profile: Profile
    occupation: Occupation | None
    job: str
    training: float | None
    required: float | None
    """The years of experience the Externenprüfung needs (rule ``externenpruefung``), if known."""
    long_enough: bool
    external_exam: bool
    """Externenprüfung and Validierung exist for the occupation (rule ``nur_bbig_hwo``)."""
    adult: bool
    young: bool
    unqualified: bool
    few_years: bool
    routes: dict[str, Route]
    offices: dict[str, Office]

    @property
    def enough_experience(self) -> bool:
        return self.long_enough and self.external_exam

    @property
    def first_training(self) -> bool:
        return self.young or self.few_years

    @property
    def part_time(self) -> bool:
        return bool(self.profile.needs_part_time)

    @property
    def chamber_office(self) -> str:
        """The competent body's office id (rule ``zustaendige_stelle``)."""
        occupation = self.occupation
        if occupation is not None and occupation.chamber == "other":
            return occupation.competent_body or UNCONFIRMED_BODY
        return CHAMBER_OFFICE["HWK" if occupation is not None and occupation.chamber == "HWK" else "IHK"]

    @property
    def chamber_name(self) -> str:
        """The competent body's name as the reasons say it."""
        occupation = self.occupation
        if occupation is not None and occupation.chamber == "other" and occupation.authority:
            return occupation.authority
        chamber = "HWK" if occupation is not None and occupation.chamber == "HWK" else "IHK"
        return self.offices[CHAMBER_OFFICE[chamber]].name

    @property
    def recognition_office(self) -> str:
        occupation = self.occupation
        if occupation is not None and occupation.recognition_body:
            return occupation.recognition_body
        return RECOGNITION_OFFICE["HWK" if occupation is not None and occupation.chamber == "HWK" else "IHK"]

    def recommend(
        self,
        route: str,
        reasons: Iterable[Text],
        next_steps: Iterable[Text],
        rules: Iterable[str],
        *,
        case: str = "default",
        first: tuple[str, ...] = (),
        last: tuple[str, ...] = (),
    ) -> Recommendation:
        """``route`` with the offices, papers and funding its data names for ``case`` (``first`` and
        ``last``: offices of this person's occupation before and after them)."""
        picks = self.routes[route].picks(case)
        return Recommendation(
            route=route,
            reasons=tuple(reasons),
            next_steps=tuple(next_steps),
            offices=first + picks.offices + last,
            documents=picks.documents,
            funding=picks.funding,
            rules=tuple(rules),
        )


def _years_worked(profile: Profile) -> float | None:
    """The years of work the person told (in the occupation and unskilled), or None if none."""
    told = [y for y in (profile.experience_years, profile.unskilled_years) if y is not None]
    return sum(told) if told else None


def _case(
    profile: Profile,
    occupations: tuple[Occupation, ...],
    rules: tuple[Rule, ...],
    routes: tuple[Route, ...],
    offices: tuple[Office, ...],
) -> _Case:
    """What the rules read from ``profile``, with the thresholds of ``rules``."""
    by_id = {r.id: r for r in rules}

    def value(rule_id: str) -> float:
        found = by_id[rule_id].value
        if found is None:
            raise ValueError(f"rule {rule_id} needs a value")
        return found

    occupation = find_occupation(profile.occupation, occupations)
    training = profile.training_years or (occupation.training_years if occupation else None)
    required = round(value("externenpruefung") * training, 2) if training else None
    experience = profile.experience_years
    worked = _years_worked(profile)
    return _Case(
        profile=profile,
        occupation=occupation,
        job=occupation.name if occupation else (profile.occupation or ""),
        training=training,
        required=required,
        long_enough=bool(required is not None and experience is not None and experience >= required),
        external_exam=occupation is None or occupation.has_external_exam,
        adult=profile.age is not None and profile.age >= value("validierung"),
        young=profile.age is not None and profile.age < value("unter_25"),
        unqualified=counts_as_unqualified(profile, value("abschluss_nicht_verwertbar")),
        few_years=(
            profile.qualification in ("none", "incomplete")
            and worked is not None
            and worked < value("ausbildung_zuerst")
        ),
        routes={r.id: r for r in routes},
        offices={o.id: o for o in offices},
    )


def recommend_routes(
    profile: Profile,
    occupations: tuple[Occupation, ...],
    rules: tuple[Rule, ...],
    routes: tuple[Route, ...] | None = None,
    offices: tuple[Office, ...] | None = None,
) -> list[Recommendation]:
    """The routes that fit ``profile``, best first, each with reasons in this person's terms and the
    ids of the rules (``rules.yml``) that led to it.

    ``routes`` (what a recommendation of each names) and ``offices`` (the chambers' names) are the
    shipped data unless given.
    """
    if routes is None or offices is None:
        shipped = load_knowledge()
        routes, offices = routes or shipped.routes, offices or shipped.offices
    case = _case(profile, occupations, rules, routes, offices)
    found = [
        r
        for r in (
            _anerkennung(case),
            _externenpruefung(case),
            _validierung(case),
            _ausbildung_zuerst(case),
            _teilqualifikation(case),
            _umschulung(case),
            _zweiter_abschluss(case),
        )
        if r is not None
    ]
    last = _ausbildung_sonst(case, nothing_else=not found)
    if last is not None:
        found.append(last)
    first: dict[str, Recommendation] = {}
    for recommendation in found:
        first.setdefault(recommendation.route, recommendation)
    return list(first.values())


def _anerkennung(case: _Case) -> Recommendation | None:
    """§ 4 BQFG: a foreign qualification may be checked for equivalence, whatever the residence status."""
    if case.profile.qualification != "foreign":
        return None
    return case.recommend(
        "anerkennung",
        reasons=[
            Text(
                N_(
                    "Du hast einen Berufsabschluss aus dem Ausland. Du hast ein Recht darauf, ihn "
                    "prüfen zu lassen: Ist er gleichwertig mit einem deutschen Abschluss? Das gilt "
                    "unabhängig von deinem Aufenthaltsstatus."
                )
            )
        ],
        next_steps=[
            Text(N_("Lass dich zuerst beraten, welcher deutsche Beruf zu deinem Abschluss passt.")),
            Text(N_("Stelle den Antrag, bevor Kosten entstehen: Dann kann der Anerkennungszuschuss helfen.")),
        ],
        rules=["anerkennung"],
        first=(case.recognition_office,),
    )


def _externenpruefung(case: _Case) -> Recommendation | None:
    """§ 45 Abs. 2 BBiG, § 37 Abs. 2 HwO: admission to the exam after 1.5 × the training duration in the
    occupation (work abroad counts), only in BBiG/HwO occupations; requested at the competent body
    (§ 71 BBiG)."""
    if not case.enough_experience:
        return None
    chamber = case.chamber_name
    return case.recommend(
        "externenpruefung",
        reasons=[
            Text(
                N_(
                    "Du hast {experience} als {occupation} gearbeitet. Nötig sind {required} – "
                    "das 1,5-Fache der Ausbildungszeit ({training}). "
                    "Damit kannst du die Externenprüfung bei der {chamber} beantragen."
                ),
                {
                    "experience": Years(case.profile.experience_years or 0),
                    "occupation": case.job,
                    "required": Years(case.required or 0),
                    "training": Years(case.training or 0),
                    "chamber": chamber,
                },
            )
        ],
        next_steps=[
            Text(
                N_("Sammle Nachweise über deine Arbeit und stelle den Antrag auf Zulassung bei der {chamber}."),
                {"chamber": chamber},
            ),
            Text(
                N_(
                    "Ein Vorbereitungskurs hilft beim Bestehen. "
                    "Frag die Agentur für Arbeit nach einem Bildungsgutschein."
                )
            ),
        ],
        rules=["externenpruefung", "zustaendige_stelle"],
        first=(case.chamber_office,),
    )


def _validierung(case: _Case) -> Recommendation | None:
    """§ 50b BBiG, § 41b HwO: from 25, with the experience the Externenprüfung needs, the competent body
    (§ 71 BBiG) can establish the person's skills without an exam."""
    if not (case.enough_experience and case.adult):
        return None
    return case.recommend(
        "validierung",
        reasons=[
            Text(
                N_(
                    "Du bist {age} alt und hast genug Berufserfahrung. Die Kammer kann deine "
                    "Fähigkeiten auch ohne Prüfung feststellen und bescheinigen (Validierung)."
                ),
                {"age": Years(case.profile.age or 0)},
            )
        ],
        next_steps=[
            Text(
                N_("Frag bei der {chamber} nach dem Feststellungsverfahren und seinen Kosten."),
                {"chamber": case.chamber_name},
            )
        ],
        rules=["validierung", "zustaendige_stelle"],
        first=(case.chamber_office,),
    )


_AUSBILDUNG = Text(
    N_(
        "Eine Ausbildung im Betrieb ist oft der beste Weg: Du lernst und verdienst Geld. "
        "Es gibt Hilfe beim Lernen (AsA flex) und Geld zum Leben (BAB)."
    )
)
_AUSBILDUNGSPLATZ = Text(N_("Die Berufsberatung der Agentur für Arbeit hilft dir, einen Ausbildungsplatz zu finden."))


def _ausbildung_zuerst(case: _Case) -> Recommendation | None:
    """§ 81 SGB III (under 25) and § 81 Abs. 2 Satz 2 SGB III (under 3 years of work without a
    qualification): the Ausbildung comes first."""
    if not case.first_training:
        return None
    reasons = [_AUSBILDUNG]
    if case.few_years and not case.young:
        reasons.append(
            Text(
                N_(
                    "Du hast noch keine 3 Jahre gearbeitet. Dann bezahlt die Agentur für Arbeit eine "
                    "Weiterbildung nur, wenn eine Ausbildung für dich nicht möglich oder nicht zumutbar ist, "
                    "zum Beispiel wegen deiner Familie, oder für einen Beruf, in dem Fachkräfte fehlen. "
                    "Sprich das in der Beratung an."
                )
            )
        )
    applied = [r for r, on in (("unter_25", case.young), ("ausbildung_zuerst", case.few_years)) if on]
    return _ausbildung(case, reasons, applied)


def _ausbildung_sonst(case: _Case, nothing_else: bool) -> Recommendation | None:
    """No rule of ``rules.yml``: an Ausbildung is open at any age — the one route when nothing else fits
    or the age is not known, and next to the others from the age the ``validierung`` rule names."""
    if case.first_training:
        return None
    if case.profile.age is None or nothing_else:
        return _ausbildung(case, [_AUSBILDUNG], [])
    if not case.adult:
        return None
    return case.recommend(
        "ausbildung",
        reasons=[Text(N_("Eine Ausbildung im Betrieb ist in jedem Alter möglich – auch in Teilzeit."))],
        next_steps=[_AUSBILDUNGSPLATZ],
        rules=[],
        case="any_age",
    )


def _ausbildung(case: _Case, reasons: list[Text], rules: list[str]) -> Recommendation:
    """The Ausbildung with ``reasons``, and the part-time one where the person needs it."""
    if case.part_time:
        reasons = [
            *reasons,
            Text(
                N_(
                    "Eine Ausbildung geht auch in Teilzeit, zum Beispiel wenn du ein Kind betreust. "
                    "Sie dauert dann länger. Der Betrieb muss zustimmen."
                )
            ),
        ]
    return case.recommend("ausbildung", reasons=reasons, next_steps=[_AUSBILDUNGSPLATZ], rules=rules)


def _funding_basis(case: _Case) -> list[str]:
    """Why the Agentur für Arbeit may pay (§ 81 Abs. 2 SGB III: no qualification, or one that no longer
    counts) and, with under 3 years of work, its caveat (Satz 2)."""
    basis = "ohne_abschluss" if case.profile.qualification != "german" else "abschluss_nicht_verwertbar"
    return [basis] + (["ausbildung_zuerst"] if case.few_years else [])


def _teilqualifikation(case: _Case) -> Recommendation | None:
    """§ 81 Abs. 2 SGB III: without a usable qualification, Teilqualifikationen step by step to the
    Externenprüfung — so only in BBiG/HwO occupations (§ 45 Abs. 2 BBiG)."""
    if not (case.unqualified and not case.enough_experience and case.external_exam):
        return None
    reasons: list[Text] = []
    if case.profile.qualification == "foreign":
        reasons.append(
            Text(
                N_(
                    "Solange dein Abschluss aus dem Ausland nicht anerkannt ist, kann die Agentur für "
                    "Arbeit dich wie jemanden ohne Abschluss fördern. Frag dort nach."
                )
            )
        )
    experience = case.profile.experience_years
    if case.required is not None and experience is not None:
        reasons.append(
            Text(
                N_(
                    "Für die Externenprüfung als {occupation} brauchst du {required} "
                    "Berufserfahrung, du hast {experience}. Mit Teilqualifikationen kommst du Schritt "
                    "für Schritt zum Abschluss."
                ),
                {"occupation": case.job, "required": Years(case.required), "experience": Years(experience)},
            )
        )
    else:
        reasons.append(
            Text(
                N_(
                    "Mit Teilqualifikationen lernst du einen Beruf in Teilen. Jeder Teil endet mit einem "
                    "Zertifikat, am Ende steht die Externenprüfung."
                )
            )
        )
    if case.part_time:
        reasons.append(Text(N_("Teilqualifikationen gibt es auch in Teilzeit.")))
    return case.recommend(
        "teilqualifikation",
        reasons=reasons,
        next_steps=[
            Text(N_("Sprich mit der Agentur für Arbeit über einen Bildungsgutschein für Teilqualifikationen.")),
        ],
        rules=_funding_basis(case),
        last=(case.chamber_office,),
    )


def _umschulung(case: _Case) -> Recommendation | None:
    """§ 81 Abs. 2 SGB III: without a usable qualification, an Umschulung; in Pflege and Land
    occupations, which have no Externenprüfung or Validierung (§ 45 Abs. 2, § 50b BBiG), fundable for
    its whole length (§ 180 Abs. 4 SGB III)."""
    if not (case.unqualified and not case.enough_experience):
        return None
    if case.external_exam:
        reasons = [
            Text(
                N_(
                    "Eine Umschulung führt in etwa zwei Jahren zu einem vollen Berufsabschluss. "
                    "Die Agentur für Arbeit kann sie mit einem Bildungsgutschein bezahlen."
                )
            )
        ]
        applied = _funding_basis(case)
    else:
        reasons = [
            Text(
                N_(
                    "Für {occupation} gibt es keine Externenprüfung und keine Validierung: Der Beruf ist "
                    "nicht nach BBiG oder Handwerksordnung geregelt. Der Weg zum Abschluss ist eine "
                    "Ausbildung oder Umschulung mit Prüfung."
                ),
                {"occupation": case.job},
            )
        ]
        if case.long_enough:
            reasons.append(
                Text(
                    N_(
                        "Deine Berufserfahrung hilft trotzdem: Frag die Schule oder die {chamber}, ob sie dir "
                        "einen Teil der Ausbildung anrechnet."
                    ),
                    {"chamber": case.chamber_name},
                )
            )
        reasons.append(
            Text(
                N_(
                    "Kann die Ausbildung nicht verkürzt werden, kann die Agentur für Arbeit seit Juli 2023 "
                    "die ganze Dauer bezahlen."
                )
            )
        )
        applied = ["nur_bbig_hwo", *_funding_basis(case), "umschulung_volle_dauer"]
    return case.recommend(
        "umschulung",
        reasons=reasons,
        next_steps=[
            Text(N_("Lass dich vor dem Start bei der Agentur für Arbeit beraten – sonst wird nichts bezahlt.")),
        ],
        rules=applied,
        last=() if case.external_exam else (case.chamber_office,),
    )


def _zweiter_abschluss(case: _Case) -> Recommendation | None:
    """§ 81 Abs. 2 Satz 1 Nr. 1 SGB III: a German qualification that still counts — a second one is
    paid only in special cases, which the Agentur für Arbeit decides."""
    if not (case.profile.qualification == "german" and not case.unqualified and not case.enough_experience):
        return None
    return case.recommend(
        "umschulung",
        reasons=[
            Text(
                N_(
                    "Du hast schon einen Berufsabschluss. Ein zweiter wird nur in besonderen Fällen "
                    "bezahlt, zum Beispiel nach mehr als 4 Jahren Arbeit ohne Fachausbildung. Das "
                    "entscheidet die Agentur für Arbeit."
                )
            )
        ],
        next_steps=[Text(N_("Lass dich bei der Agentur für Arbeit beraten, bevor du etwas anfängst."))],
        rules=["abschluss_nicht_verwertbar"],
        case="second_qualification",
    )


def notes(profile: Profile) -> list[Text]:
    """What applies next to any route: German courses, money for employees, the right Jobcenter."""
    found: list[Text] = []
    if profile.german_level in ("none", "a1", "a2"):
        found.append(
            Text(
                N_(
                    "Für Kurse und Prüfungen brauchst du Deutsch. Ein Integrationskurs ist der erste "
                    "Schritt; ab B1 gibt es Berufssprachkurse."
                )
            )
        )
    elif profile.german_level == "b1":
        found.append(Text(N_("Mit B1 kannst du einen Berufssprachkurs bis B2 machen – auch neben einem Kurs.")))
    if profile.status in ("employed", "temp_agency"):
        found.append(
            Text(
                N_(
                    "Du arbeitest: Auch Beschäftigte ohne Berufsabschluss können gefördert werden. "
                    "Frag deinen Arbeitgeber und die Agentur für Arbeit."
                )
            )
        )
    if profile.status == "unemployed":
        found.append(
            Text(
                N_(
                    "Wenn du arbeitslos bist und eine geförderte Weiterbildung zu einem Berufsabschluss "
                    "machst, bekommst du zusätzlich 150 Euro Weiterbildungsgeld im Monat."
                )
            )
        )
    return found


def jobcenter_for(residence: str | None) -> str | None:
    """The Jobcenter office id for a place of residence in Westmecklenburg."""
    return JOBCENTER_BY_RESIDENCE.get(residence or "")
