"""Understand numbers as people type them: "4,5", "vier Jahre", "seit 2019", "18 Monate", "31".

Pure functions; today's date is a parameter so that tests are stable.
"""

from __future__ import annotations

import re
from datetime import date

NUMBER_WORDS: dict[str, float] = {
    # German
    "null": 0,
    "kein": 0,
    "keine": 0,
    "ein": 1,
    "eins": 1,
    "einem": 1,
    "einen": 1,
    "eine": 1,
    "zwei": 2,
    "drei": 3,
    "vier": 4,
    "fünf": 5,
    "fuenf": 5,
    "sechs": 6,
    "sieben": 7,
    "acht": 8,
    "neun": 9,
    "zehn": 10,
    "elf": 11,
    "zwölf": 12,
    "zwoelf": 12,
    "fünfzehn": 15,
    "zwanzig": 20,
    "halb": 0.5,
    "halbes": 0.5,
    "anderthalb": 1.5,
    "eineinhalb": 1.5,
    # English
    "zero": 0,
    "none": 0,
    "one": 1,
    "a": 1,
    "an": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "half": 0.5,
}
_NUMBER = re.compile(r"(?<![\d.,])(\d{1,4})(?:[.,](\d{1,2}))?(?![\d])")
SINCE = re.compile(
    r"\b(?:seit|since|ab|from|з|із|від|с|со|od|din|de la|từ|kể từ|منذ|از)\s+(?:\w+\s+)?((?:19|20)\d{2})\b"
)
_BORN = re.compile(r"\b(?:geboren|jahrgang|born|geb\.?)\s*(?:\w+\s+)?((?:19|20)\d{2})\b")
# "18 Monate", and the month words of Lotse's other languages (uk, ru, ar, fa, pl, ro, tr, vi)
_MONTHS = re.compile(
    r"\b(monat|monate|monaten|month|months|місяць|місяці|місяців|месяц|месяца|месяцев|شهر|"
    r"شهور|أشهر|اشهر|ماه|miesiąc|miesiące|miesięcy|miesiac|miesiace|miesiecy|lună|luna|luni|"
    r"ay|tháng|thang)\b"
)
_UNKNOWN = re.compile(
    r"\b(weiß nicht|weiss nicht|keine ahnung|k\.?a\.?|unbekannt|don'?t know|dont know|no idea|"
    r"not sure|nicht sicher|überspringen|skip|не знаю|незнаю|لا أعرف|لا اعرف|ما بعرف|نمی دانم|نمیدانم|"
    r"نمی‌دانم|nie wiem|nu știu|nu stiu|bilmiyorum|không biết|khong biet)\b"
)


def years_since(year: int, today: date) -> float | None:
    """Years of work "seit 2017" means: from the middle of that year (the month is not told, so
    neither January nor December) to the middle of this month; ``None`` if not 0–60 years."""
    this_year = (today.month - 0.5) / 12
    elapsed = this_year / 2 if year == today.year else today.year - year - 0.5 + this_year
    return round(elapsed, 1) if 0 <= elapsed <= 60 and year <= today.year else None


def is_unknown(text: str) -> bool:
    """Whether the user says they don't know or want to skip."""
    return bool(_UNKNOWN.search(text.lower()))


def _first_number(text: str) -> float | None:
    lowered = text.lower()
    match = _NUMBER.search(lowered)
    if match:
        whole, fraction = match.groups()
        value = float(whole)
        if fraction:
            value += float(f"0.{fraction}")
        if re.search(r"\b(einhalb|und ein halb|and a half|½)\b", lowered[match.end() : match.end() + 16]):
            value += 0.5
        return value
    total: float | None = None
    tokens = re.findall(r"[a-zäöüß]+", lowered)
    for index, token in enumerate(tokens):
        compound = re.fullmatch(r"(ein|zwei|drei|vier|fünf|fuenf|sechs|sieben|acht|neun|zehn)einhalb", token)
        if compound:
            return NUMBER_WORDS[compound.group(1)] + 0.5
        if token in NUMBER_WORDS and token not in {"a", "an", "ein", "eine", "einen", "einem"}:
            total = NUMBER_WORDS[token]
            following = tokens[index + 1 : index + 3]
            if "halb" in following or "half" in following or "einhalb" in following:
                total += 0.5
            return total
        if token in {"ein", "eine", "einen", "einem", "a", "an"}:
            following = tokens[index + 1 : index + 2]
            if following and following[0] in {"jahr", "year", "monat", "month"}:
                return 1.0
            if following and following[0] in {"halbes", "half"}:
                return 0.5
    return total


def parse_years(text: str, today: date | None = None) -> float | None:
    """Years as a float: "4,5" → 4.5, "vier Jahre" → 4, "18 Monate" → 1.5, "seit 2019" → years since.

    Returns ``None`` when no duration can be read, and never a negative value or more than 60.
    """
    today = today or date.today()
    lowered = text.lower().strip()
    if is_unknown(lowered):
        return None
    since = SINCE.search(lowered)
    if since:
        return years_since(int(since.group(1)), today)
    value = _first_number(lowered)
    if value is None:
        return None
    if _MONTHS.search(lowered):
        value = value / 12
    if value >= 1900:  # a year on its own: "2019"
        return years_since(int(value), today) if value == int(value) else None
    return round(value, 2) if 0 <= value <= 60 else None


def parse_age(text: str, today: date | None = None) -> int | None:
    """An age in years (14–99) from "31", "ich bin 31 Jahre alt", "zwanzig" or "geboren 1995"."""
    today = today or date.today()
    lowered = text.lower()
    if is_unknown(lowered):
        return None
    born = _BORN.search(lowered) or re.fullmatch(r"\s*((?:19|20)\d{2})\s*", lowered)
    if born:
        age = today.year - int(born.group(1))
        return age if 14 <= age <= 99 else None
    value = _first_number(lowered)
    if value is None or value != int(value):
        return None
    return int(value) if 14 <= value <= 99 else None
