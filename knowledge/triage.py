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

Texts are German msgids with ``{placeholders}``; the caller translates, then fills them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal, TypeVar

from knowledge.schema import Occupation, Rule
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
_FOLD = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا",
                       "\u200c": " ", "\u200d": None, "\u0640": None,
                       "'": None, "’": None, "ʼ": None,  # Ukrainian м'ясник = мʼясник = мясник
                       "\u0307": None,  # Turkish "İ".lower() leaves a combining dot
                       "ş": "ș", "ţ": "ț",  # Romanian typed with cedillas (and Turkish ş alike)
                       "ı": "i",  # Turkish typed in capitals: "I".lower() is "i", not "ı"
                       "ё": "е"})  # Russian mostly typed without the dots


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
        if name in lowered and (best is None or len(name) > best[0]) \
                and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", lowered):
            best = (len(name), value)
    return best[1] if best else None


@lru_cache(maxsize=4)
def _occupation_names(occupations: tuple[Occupation, ...]) -> tuple[tuple[str, Occupation], ...]:
    """Every name of every occupation (id, German name, aliases in all languages), folded once."""
    return tuple(
        (name, occupation)
        for occupation in occupations
        for name in dict.fromkeys(phrase(n) for n in (occupation.id.replace("_", " "), occupation.name,
                                                      *occupation.aliases))
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


def _chamber_office(occupation: Occupation | None) -> str:
    if occupation is not None and occupation.chamber == "HWK":
        return "hwk_schwerin"
    if occupation is not None and occupation.chamber == "other":
        # a competent body no source confirmed: the Agentur für Arbeit knows it
        return occupation.competent_body or "agentur_schwerin"
    return "ihk_schwerin"


def _chamber_name(occupation: Occupation | None) -> str:
    if occupation is not None and occupation.chamber == "HWK":
        return "Handwerkskammer Schwerin"
    if occupation is not None and occupation.chamber == "other" and occupation.authority:
        return occupation.authority
    return "IHK zu Schwerin"


def _recognition_office(occupation: Occupation | None) -> str:
    if occupation is None:
        return "ihk_fosa"
    if occupation.recognition_body:
        return occupation.recognition_body
    return "hwk_schwerin" if occupation.chamber == "HWK" else "ihk_fosa"


def _years_worked(profile: Profile) -> float | None:
    """The years of work the person told (in the occupation and unskilled), or None if none."""
    told = [y for y in (profile.experience_years, profile.unskilled_years) if y is not None]
    return sum(told) if told else None


def recommend_routes(
    profile: Profile, occupations: tuple[Occupation, ...], rules: tuple[Rule, ...]
) -> list[Recommendation]:
    """The routes that fit ``profile``, best first, each with reasons in this person's terms and the
    ids of the rules (``rules.yml``) that led to it."""
    rule = {r.id: r for r in rules}

    def value(rule_id: str) -> float:
        found = rule[rule_id].value
        if found is None:
            raise ValueError(f"rule {rule_id} needs a value")
        return found

    occupation = find_occupation(profile.occupation, occupations)
    training = profile.training_years or (occupation.training_years if occupation else None)
    experience = profile.experience_years
    job = occupation.name if occupation else (profile.occupation or "")
    external_exam = occupation is None or occupation.has_external_exam
    required = round(value("externenpruefung") * training, 2) if training else None
    long_enough = bool(required is not None and experience is not None and experience >= required)
    enough_experience = long_enough and external_exam
    adult = profile.age is not None and profile.age >= value("validierung")
    young = profile.age is not None and profile.age < value("unter_25")
    unqualified = counts_as_unqualified(profile, value("abschluss_nicht_verwertbar"))
    worked = _years_worked(profile)
    few_years = (profile.qualification in ("none", "incomplete") and worked is not None
                 and worked < value("ausbildung_zuerst"))
    part_time = bool(profile.needs_part_time)
    routes: list[Recommendation] = []

    if profile.qualification == "foreign":
        routes.append(Recommendation(
            route="anerkennung",
            reasons=(Text(N_(
                "Du hast einen Berufsabschluss aus dem Ausland. Du hast ein Recht darauf, ihn "
                "prüfen zu lassen: Ist er gleichwertig mit einem deutschen Abschluss? Das gilt "
                "unabhängig von deinem Aufenthaltsstatus.")),),
            next_steps=(
                Text(N_("Lass dich zuerst beraten, welcher deutsche Beruf zu deinem Abschluss passt.")),
                Text(N_("Stelle den Antrag, bevor Kosten entstehen: Dann kann der Anerkennungszuschuss helfen.")),
            ),
            offices=(_recognition_office(occupation), "iq_mv"),
            documents=("auslaendischer_abschluss", "uebersetzungen", "lebenslauf", "ausweis"),
            funding=("anerkennungszuschuss",),
            rules=("anerkennung",),
        ))

    if enough_experience:
        routes.append(_external_exam(occupation, job, experience, required, training))
        if adult:
            routes.append(Recommendation(
                route="validierung",
                reasons=(Text(N_(
                    "Du bist {age} alt und hast genug Berufserfahrung. Die Kammer kann deine "
                    "Fähigkeiten auch ohne Prüfung feststellen und bescheinigen (Validierung)."),
                    {"age": Years(profile.age or 0)}),),
                next_steps=(Text(N_("Frag bei der {chamber} nach dem Feststellungsverfahren und seinen Kosten."),
                                 {"chamber": _chamber_name(occupation)}),),
                offices=(_chamber_office(occupation),),
                documents=("lebenslauf", "arbeitszeugnisse", "taetigkeitsnachweise"),
                funding=(),
                rules=("validierung", "zustaendige_stelle"),
            ))

    first_training = young or few_years
    if first_training:
        routes.append(_apprenticeship(part_time, young=young, few_years=few_years))

    if unqualified and not enough_experience:
        routes += _further_training(profile, occupation, job, required, experience, part_time,
                                    long_enough=long_enough, few_years=few_years)

    if profile.qualification == "german" and not unqualified and not enough_experience:
        routes.append(Recommendation(
            route="umschulung",
            reasons=(Text(N_(
                "Du hast schon einen Berufsabschluss. Ein zweiter wird nur in besonderen Fällen "
                "bezahlt, zum Beispiel nach mehr als 4 Jahren Arbeit ohne Fachausbildung. Das "
                "entscheidet die Agentur für Arbeit.")),),
            next_steps=(Text(N_("Lass dich bei der Agentur für Arbeit beraten, bevor du etwas anfängst.")),),
            offices=("agentur_schwerin",),
            documents=("zeugnisse_ausbildung", "lebenslauf"),
            funding=("bildungsgutschein",),
            rules=("abschluss_nicht_verwertbar",),
        ))

    if not first_training and (profile.age is None or not routes):
        routes.append(_apprenticeship(part_time))
    elif not first_training and adult:
        routes.append(Recommendation(
            route="ausbildung",
            reasons=(Text(N_("Eine Ausbildung im Betrieb ist in jedem Alter möglich – auch in Teilzeit.")),),
            next_steps=(Text(N_("Die Berufsberatung der Agentur für Arbeit hilft dir, einen Ausbildungsplatz zu finden.")),),
            offices=("agentur_schwerin",),
            documents=("lebenslauf", "schulzeugnis"),
            funding=("bab", "asa_flex"),
        ))

    seen: set[str] = set()
    return [r for r in routes if not (r.route in seen or seen.add(r.route))]


def _external_exam(occupation: Occupation | None, job: str, experience: float | None,
                   required: float | None, training: float | None) -> Recommendation:
    chamber = _chamber_name(occupation)
    return Recommendation(
        route="externenpruefung",
        reasons=(Text(
            N_("Du hast {experience} als {occupation} gearbeitet. Nötig sind {required} – "
               "das 1,5-Fache der Ausbildungszeit ({training}). "
               "Damit kannst du die Externenprüfung bei der {chamber} beantragen."),
            {"experience": Years(experience or 0), "occupation": job, "required": Years(required or 0),
             "training": Years(training or 0), "chamber": chamber},
        ),),
        next_steps=(
            Text(N_("Sammle Nachweise über deine Arbeit und stelle den Antrag auf Zulassung bei der {chamber}."),
                 {"chamber": chamber}),
            Text(N_("Ein Vorbereitungskurs hilft beim Bestehen. Frag die Agentur für Arbeit nach einem Bildungsgutschein.")),
        ),
        offices=(_chamber_office(occupation), "agentur_schwerin"),
        documents=("lebenslauf", "arbeitszeugnisse", "taetigkeitsnachweise"),
        funding=("bildungsgutschein", "weiterbildungspraemie"),
        rules=("externenpruefung", "zustaendige_stelle"),
    )


def _apprenticeship(part_time: bool, young: bool = False, few_years: bool = False) -> Recommendation:
    reasons = [Text(N_(
        "Eine Ausbildung im Betrieb ist oft der beste Weg: Du lernst und verdienst Geld. "
        "Es gibt Hilfe beim Lernen (AsA flex) und Geld zum Leben (BAB)."))]
    if few_years and not young:
        reasons.append(Text(N_(
            "Du hast noch keine 3 Jahre gearbeitet. Dann bezahlt die Agentur für Arbeit eine "
            "Weiterbildung nur, wenn eine Ausbildung für dich nicht möglich oder nicht zumutbar ist, "
            "zum Beispiel wegen deiner Familie, oder für einen Beruf, in dem Fachkräfte fehlen. "
            "Sprich das in der Beratung an.")))
    if part_time:
        reasons.append(Text(N_(
            "Eine Ausbildung geht auch in Teilzeit, zum Beispiel wenn du ein Kind betreust. "
            "Sie dauert dann länger. Der Betrieb muss zustimmen.")))
    applied = tuple(r for r, on in (("unter_25", young), ("ausbildung_zuerst", few_years)) if on)
    return Recommendation(
        route="ausbildung",
        reasons=tuple(reasons),
        next_steps=(Text(N_("Die Berufsberatung der Agentur für Arbeit hilft dir, einen Ausbildungsplatz zu finden.")),),
        offices=("agentur_schwerin",),
        documents=("lebenslauf", "schulzeugnis"),
        funding=("bab", "asa_flex", "eq"),
        rules=applied,
    )


def _further_training(profile: Profile, occupation: Occupation | None, job: str, required: float | None,
                      experience: float | None, part_time: bool, long_enough: bool,
                      few_years: bool) -> list[Recommendation]:
    """Teilqualifikation (BBiG/HwO occupations only: it ends with the Externenprüfung) and
    Umschulung for a person without a usable qualification."""
    found: list[Recommendation] = []
    external_exam = occupation is None or occupation.has_external_exam
    basis = ("ohne_abschluss",) if profile.qualification != "german" else ("abschluss_nicht_verwertbar",)
    caveat = ("ausbildung_zuerst",) if few_years else ()
    foreign = profile.qualification == "foreign"
    if external_exam:
        reasons: list[Text] = []
        if foreign:
            reasons.append(Text(N_(
                "Solange dein Abschluss aus dem Ausland nicht anerkannt ist, kann die Agentur für "
                "Arbeit dich wie jemanden ohne Abschluss fördern. Frag dort nach.")))
        if required is not None and experience is not None:
            reasons.append(Text(
                N_("Für die Externenprüfung als {occupation} brauchst du {required} "
                   "Berufserfahrung, du hast {experience}. Mit Teilqualifikationen kommst du Schritt "
                   "für Schritt zum Abschluss."),
                {"occupation": job, "required": Years(required), "experience": Years(experience)},
            ))
        else:
            reasons.append(Text(N_(
                "Mit Teilqualifikationen lernst du einen Beruf in Teilen. Jeder Teil endet mit einem "
                "Zertifikat, am Ende steht die Externenprüfung.")))
        if part_time:
            reasons.append(Text(N_("Teilqualifikationen gibt es auch in Teilzeit.")))
        found.append(Recommendation(
            route="teilqualifikation",
            reasons=tuple(reasons),
            next_steps=(Text(N_("Sprich mit der Agentur für Arbeit über einen Bildungsgutschein für Teilqualifikationen.")),),
            offices=("agentur_schwerin", _chamber_office(occupation)),
            documents=("lebenslauf", "schulzeugnis"),
            funding=("bildungsgutschein",),
            rules=basis + caveat,
        ))
    reasons = []
    applied = basis + caveat
    if not external_exam and occupation is not None:
        reasons.append(Text(
            N_("Für {occupation} gibt es keine Externenprüfung und keine Validierung: Der Beruf ist "
               "nicht nach BBiG oder Handwerksordnung geregelt. Der Weg zum Abschluss ist eine "
               "Ausbildung oder Umschulung mit Prüfung."),
            {"occupation": job}))
        if long_enough:
            reasons.append(Text(N_(
                "Deine Berufserfahrung hilft trotzdem: Frag die Schule oder die {chamber}, ob sie dir "
                "einen Teil der Ausbildung anrechnet."), {"chamber": _chamber_name(occupation)}))
        reasons.append(Text(N_(
            "Kann die Ausbildung nicht verkürzt werden, kann die Agentur für Arbeit seit Juli 2023 "
            "die ganze Dauer bezahlen.")))
        applied = ("nur_bbig_hwo",) + applied + ("umschulung_volle_dauer",)
    else:
        reasons.append(Text(N_(
            "Eine Umschulung führt in etwa zwei Jahren zu einem vollen Berufsabschluss. "
            "Die Agentur für Arbeit kann sie mit einem Bildungsgutschein bezahlen.")))
    found.append(Recommendation(
        route="umschulung",
        reasons=tuple(reasons),
        next_steps=(Text(N_("Lass dich vor dem Start bei der Agentur für Arbeit beraten – sonst wird nichts bezahlt.")),),
        offices=("agentur_schwerin",) + ((_chamber_office(occupation),) if not external_exam else ()),
        documents=("lebenslauf", "schulzeugnis"),
        funding=("bildungsgutschein", "weiterbildungsgeld", "weiterbildungspraemie"),
        rules=applied,
    ))
    return found


def notes(profile: Profile) -> list[Text]:
    """What applies next to any route: German courses, money for employees, the right Jobcenter."""
    found: list[Text] = []
    if profile.german_level in ("none", "a1", "a2"):
        found.append(Text(N_(
            "Für Kurse und Prüfungen brauchst du Deutsch. Ein Integrationskurs ist der erste "
            "Schritt; ab B1 gibt es Berufssprachkurse.")))
    elif profile.german_level == "b1":
        found.append(Text(N_("Mit B1 kannst du einen Berufssprachkurs bis B2 machen – auch neben einem Kurs.")))
    if profile.status in ("employed", "temp_agency"):
        found.append(Text(N_(
            "Du arbeitest: Auch Beschäftigte ohne Berufsabschluss können gefördert werden. "
            "Frag deinen Arbeitgeber und die Agentur für Arbeit.")))
    if profile.status == "unemployed":
        found.append(Text(N_(
            "Wenn du arbeitslos bist und eine geförderte Weiterbildung zu einem Berufsabschluss "
            "machst, bekommst du zusätzlich 150 Euro Weiterbildungsgeld im Monat.")))
    return found


def jobcenter_for(residence: str | None) -> str | None:
    """The Jobcenter office id for a place of residence in Westmecklenburg."""
    return JOBCENTER_BY_RESIDENCE.get(residence or "")
