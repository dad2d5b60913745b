"""A whole story in one message: age, occupation and years of work, in every language and script."""

from __future__ import annotations

from datetime import date

import pytest

from knowledge.loader import DATA_DIR, load_knowledge
from knowledge.story import is_correction, read_story, read_story_words

TODAY = date(2026, 12, 6)
WORDS = read_story_words(DATA_DIR)

# (message, age, occupation name starts with, years of work)
STORIES = {
    "de": (
        "Guten Abend, ich bin 31, war in Kabul 9 Jahre Elektriker, habe aber kein Papier darüber. "
        "Was kann ich hier machen?",
        31,
        "Elektroniker",
        9,
    ),
    "de_simple": ("hallo bin 24 jahre alt hab 3 jahre im lager gearbeitet ohne ausbildung", 24, "Fachlagerist", 3),
    "en": ("Hi, I'm 26 and I've worked as a cook for almost 4 years, but I have no papers", 26, "Koch", 4),
    "uk": ("Доброго дня! Мені 34, працювала перукаркою 7 років в Україні", 34, "Friseur", 7),
    "ru": ("Здравствуйте, мне 29 лет, работал поваром 6 лет в Киеве, диплома нет", 29, "Koch", 6),
    "ar": ("مرحبا، عمري ٢٩ سنة واشتغلت طباخ ٦ سنوات في سوريا", 29, "Koch", 6),
    "fa": ("سلام، ۳۱ سالمه و ۹ سال برقکار بودم در کابل", 31, "Elektroniker", 9),
    "pl": ("Dzień dobry, mam 40 lat, od 2015 pracuję jako kierowca", 40, "Berufskraftfahrer", 11.5),
    "ro": ("Buna ziua, am 35 de ani si lucrez ca bucatar de 8 ani", 35, "Koch", 8),
    "tr": ("Merhaba, 31 yaşındayım, 2015'ten beri aşçı olarak çalışıyorum", 31, "Koch", 11.5),
    "vi": ("Chào bạn, tôi 27 tuổi, làm đầu bếp 5 năm rồi", 27, "Koch", 5),
}


@pytest.mark.parametrize("language", list(STORIES))
def test_a_story_fills_age_occupation_and_years_in_every_language(language: str) -> None:
    text, age, occupation, years = STORIES[language]
    story = read_story(text, WORDS, load_knowledge().occupations, TODAY)
    assert story.is_story
    assert story.age == age
    assert story.occupation is not None and story.occupation.name.startswith(occupation)
    assert story.experience_years == pytest.approx(years, abs=0.1)


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("ich arbeite seit 2017 als Koch und bin 40", 9.5),  # from the middle of 2017 to the middle of December
        ("fast 10 Jahre als Koch, ich bin 33 Jahre alt", 10),
        ("I am 30, cook for 18 months", 1.5),
        ("neun Jahre Koch, ich bin 45", 9),
        ("Мне 38, повар с 2019 года", 7.5),
    ],
)
def test_years_as_people_write_them(text: str, years: float) -> None:
    story = read_story(text, WORDS, load_knowledge().occupations, TODAY)
    assert story.experience_years == pytest.approx(years, abs=0.1)


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("мені 34, працювала перукаркою дев'ять років", 9),  # uk, apostrophe as typed
        ("Мне 40, работал сварщиком пятнадцать лет в Казахстане", 15),  # ru
        ("عمري 29 واشتغلت طباخ سنتين", 2),  # ar: the dual is one word
        ("عمري ٣٠ واشتغلت نجار تسع سنوات", 9),  # ar
        ("۳۱ سالمه، نه سال برقکار بودم", 9),  # fa: "نه" is nine before "سال"
        ("Mam 40 lat, pracowałem jako kierowca dziesięć lat", 10),  # pl
        ("am 35 de ani, am lucrat ca bucatar cinci ani", 5),  # ro
        ("35 yaşındayım, on yıl aşçı olarak çalıştım", 10),  # tr
        ("Tôi 27 tuổi, làm đầu bếp năm năm", 5),  # vi: "năm" is five and year
    ],
)
def test_number_words_in_every_language(text: str, years: float) -> None:
    story = read_story(text, WORDS, load_knowledge().occupations, TODAY)
    assert story.experience_years == pytest.approx(years) and story.age is not None


def test_a_number_word_without_a_year_word_is_no_duration() -> None:
    """ "năm nay" is "this year", "нет" no number: nothing is read as years of work."""
    for text in ("Tôi 27 tuổi, năm nay làm đầu bếp", "работал поваром, но диплома нет, два языка знаю"):
        assert read_story(text, WORDS, load_knowledge().occupations, TODAY).experience_years is None


def test_time_in_germany_is_not_work_and_an_age_is_not_a_duration() -> None:
    story = read_story(
        "Ich bin seit 2 Jahren in Deutschland, war Friseurin, bin 34 Jahre alt",
        WORDS,
        load_knowledge().occupations,
        TODAY,
    )
    assert (story.age, story.experience_years) == (34, None)
    assert story.occupation is not None and story.occupation.name.startswith("Friseur")


@pytest.mark.parametrize(
    "text, years",
    [
        ("أنا أعيش في المانيا منذ عامين، عملت في سوريا مصفف شعر", None),  # Arabic dual, after "in Germany"
        ("I have been living in Germany for 3 years, before that I was a cook", None),
        ("Ich lebe in Deutschland seit 4 Jahren und war Koch", None),
        ("Ich habe hier 5 Jahre als Koch gearbeitet", 5.0),  # "hier" alone before it: still work
    ],
)
def test_time_in_germany_told_before_the_duration_is_not_work_either(text: str, years: float | None) -> None:
    story = read_story(text, WORDS, load_knowledge().occupations, TODAY)
    assert story.experience_years == years
    assert story.occupation is not None


@pytest.mark.parametrize(
    "text, occupation",
    [
        ("How can I transfer my barber’s certificate to work here?", "friseur"),
        ("У меня украинский диплом медицинской сестры 2004 г.", "pflegefachmann"),
        ("Маю диплом медичної сестри з Харкова", "pflegefachmann"),
    ],
)
def test_occupations_in_the_forms_people_write_them(text: str, occupation: str) -> None:
    found = read_story(text, WORDS, load_knowledge().occupations, TODAY).occupation
    assert found is not None and found.id == occupation


@pytest.mark.parametrize(
    "text",
    [
        "Wie lange dauert eine Umschulung zum Koch?",  # names an occupation, tells no story
        "Was kostet die Anerkennung?",
        "Kann ich mit 3 Kindern eine Teilzeitausbildung machen?",
        "31",
    ],
)
def test_a_question_is_not_a_story(text: str) -> None:
    assert not read_story(text, WORDS, load_knowledge().occupations, TODAY).is_story


def test_a_german_level_is_read_too() -> None:
    story = read_story(
        "ich bin 45 und arbeite seit 2010 als Lagerhelfer, Deutsch B1", WORDS, load_knowledge().occupations, TODAY
    )
    assert (story.age, story.german_level) == (45, "b1")


@pytest.mark.parametrize(
    ("text", "correction"),
    [
        ("nein, 8 Jahre", True),
        ("ні, 8 років", True),
        ("نه، ۸ سال", True),
        ("hayır 8 yıl", True),
        ("không, 8 năm", True),
        ("8 Jahre", False),
        ("Koch", False),
    ],
)
def test_a_correction_starts_by_saying_no(text: str, correction: bool) -> None:
    assert is_correction(text, WORDS) is correction


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("Ich bin 1987 geboren und war 14 Jahre Krankenschwester", 39),
        ("I was born in 1984 and drove trucks for 15 years", 42),
        ("متولد ۱۹۹۰ هستم، ۱۰ سال آشپز بودم", 36),  # Persian digits
        ("انا من مواليد 1990 واشتغلت طباخ 6 سنين", 36),
        ("Я 1979 года рождения, повар, 20 лет стажа", 47),
        ("Urodziłem się w 1980 roku, od 25 lat jestem kucharzem", 46),
        ("m-am nascut in 1985, bucatar de 15 ani", 41),
        ("1981 doğumluyum, 2001den beri aşçıyım", 45),  # the born word takes the nearest year
        ("Em sinh năm 1990, làm đầu bếp từ năm 2010", 36),
    ],
)
def test_an_age_told_as_the_year_of_birth(text: str, age: int) -> None:
    story = read_story(text, WORDS, load_knowledge().occupations, TODAY)
    assert story.age == age
    assert story.experience_years is not None and story.experience_years < age - 14, "the birth year is no start"


@pytest.mark.parametrize(
    ("text", "age", "years"),
    [
        ("I'm twenty seven and worked as a cook for five years", 27, 5),
        ("عمري ستة وعشرين سنة، طباخ من خمس سنين", 26, 5),  # six and-twenty
        ("Мне тридцать один год, повар, стаж шесть лет", 31, 6),
        ("سی و یک سالمه، هفت سال آشپز بودم", 31, 7),
        ("am treizeci și cinci de ani, bucătar de opt ani", 35, 8),
        ("otuz iki yaşındayım, on beş yıl aşçılık yaptım", 32, 15),
        ("em ba mươi lăm tuổi, làm đầu bếp bảy năm", 35, 7),  # three-ten-five
        ("ich bin siebenundzwanzig und war dreieinhalb Jahre Koch", 27, 3.5),
    ],
)
def test_number_words_of_two_parts(text: str, age: int, years: float) -> None:
    story = read_story(text, WORDS, load_knowledge().occupations, TODAY)
    assert (story.age, story.experience_years) == (age, years)


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("I'm 30, cook for 7-8 years", 7.5),  # a range: its middle
        ("ich bin 40, von 2014 bis 2022 Koch in Istanbul", 8),  # two years: the time between
        ("عمري 36، اشتغلت طباخ من 2008 لحد 2015", 7),
        ("I'm 24, cook for 3 and a half years", 3.5),
        ("عمري 27، طباخ 4 سنين ونص", 4.5),
        ("۳۰ سالمه، ۴ سال و نیم آشپز بودم", 4.5),
        ("am 21 de ani, bucatar de 2 ani jumate", 2.5),
        ("27 yaşındayım, 3 sene buçuk aşçılık", 3.5),
    ],
)
def test_ranges_and_halves(text: str, years: float) -> None:
    story = read_story(text, WORDS, load_knowledge().occupations, TODAY)
    assert story.experience_years == pytest.approx(years)


@pytest.mark.parametrize(
    ("text", "age", "years"),
    [
        ("Koch, 45 Jahre, 20 Jahre Erfahrung", 45, 20),  # no word marks the age: the larger leaves 14 years
        ("kucharz, 36 lat, około 10 lat doświadczenia", 36, 10),
        ("Повар, 40 лет, опыт 15 лет", 40, 15),
        ("Koch 15 Jahre, davor 5 Jahre Helfer", None, 15),  # 15 leaves only 10: no age
    ],
)
def test_of_two_durations_without_an_age_word_the_larger_can_be_the_age(
    text: str, age: int | None, years: float
) -> None:
    story = read_story(text, WORDS, load_knowledge().occupations, TODAY)
    assert (story.age, story.experience_years) == (age, years)


def test_the_ages_of_children_are_not_work() -> None:
    story = read_story(
        "Ich bin 34, meine Kinder sind 5 und 8 Jahre alt, war 6 Jahre Friseurin",
        WORDS,
        load_knowledge().occupations,
        TODAY,
    )
    assert (story.age, story.experience_years) == (34, 6)


def test_time_in_germany_does_not_reach_over_a_sentence_end() -> None:
    story = read_story(
        "Ich bin 33 und habe 6 Jahre als Maler gearbeitet. Hier mache ich einen Deutschkurs.",
        WORDS,
        load_knowledge().occupations,
        TODAY,
    )
    assert story.experience_years == 6


@pytest.mark.parametrize(
    ("text", "occupation"),
    [
        ("20 Jahre LKW-Fahrer in Polen, jetzt arbeite ich im Lager", "berufskraftfahrer"),  # the first named
        ("mam 19 lat i pracuję jako murarz na budowie", "maurer"),  # not the longer "na budowie" after it
        ("33 yaşındayım, kaynakçıyım, beş yıldır", "konstruktionsmechaniker"),  # "I am a welder"
        ("45 yasindayim bahçıvanım 20 yildir", "gaertner"),
        ("Ich bin Schneiderin, 35, 12 Jahre", "massschneider"),
        ("من خیاط هستم، ۳۵ ساله", "massschneider"),
    ],
)
def test_the_occupation_as_people_name_it_in_a_story(text: str, occupation: str) -> None:
    found = read_story(text, WORDS, load_knowledge().occupations, TODAY).occupation
    assert found is not None and found.id == occupation


@pytest.mark.parametrize(
    ("text", "profession"),
    [
        ("Ich war Lehrerin für Mathematik, 18 Jahre, bin 41", "Lehrer/Lehrerin"),
        ("I am a doctor from Sudan, 13 years practice, I am 39", "Arzt/Ärztin"),
        ("مساء الخير، أنا مهندس كهرباء عمري 41 سنة", "Elektroingenieur/Elektroingenieurin"),
        ("İnşaat mühendisiyim, 42 yaşındayım", "Bauingenieur/Bauingenieurin"),
        ("elektrik mühendisiyim, 35 yaşındayım", "Elektroingenieur/Elektroingenieurin"),  # not the electrician
        ("Добрый день, я стоматолог, 36 лет", "Zahnarzt/Zahnärztin"),
    ],
)
def test_a_profession_without_training_is_kept_by_its_german_name(text: str, profession: str) -> None:
    story = read_story(text, WORDS, load_knowledge().occupations, TODAY)
    assert story.occupation is None, "no Ausbildungsberuf: no training duration to take"
    assert story.profession == profession and story.occupation_name == profession
    assert "occupation" in story.facts
