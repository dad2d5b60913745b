"""Who answers what Lotse cannot: the out-of-scope topic read from the words, in every language and script."""

from __future__ import annotations

import pytest

from bot.i18n import LANGUAGES
from knowledge.loader import DATA_DIR, load_knowledge
from knowledge.questions import QuestionIndex, read_question_words
from knowledge.referrals import TOPIC_IDS, ReferralIndex, read_referral_words, read_referrals
from knowledge.triage import fold

WORDS = read_referral_words(DATA_DIR)
INDEX = ReferralIndex(WORDS, QuestionIndex(read_question_words(DATA_DIR), load_knowledge().glossary))


def test_every_language_has_words_for_every_topic() -> None:
    assert set(WORDS) == set(LANGUAGES)
    for language, topics in WORDS.items():
        assert set(topics) == set(TOPIC_IDS), language
        assert all(topics.values()), language


def test_no_word_means_two_topics() -> None:
    owners: dict[str, set[str]] = {}
    for topics in WORDS.values():
        for topic, entries in topics.items():
            for entry in entries:
                owners.setdefault(fold(entry).strip(), set()).add(topic)
    assert not {entry: topics for entry, topics in owners.items() if len(topics) > 1}


def test_every_topic_names_known_offices_the_first_with_a_page_and_each_with_sources() -> None:
    knowledge = load_knowledge()
    offices = {o.id: o for o in knowledge.offices}
    sources = {s.id: s for s in knowledge.sources}
    referrals = read_referrals(DATA_DIR)
    assert set(referrals) == set(TOPIC_IDS)
    for referral in referrals.values():
        first = offices[referral.offices[0]]
        assert first.website is not None, f"{referral.topic}: the office named first has a page to reach it"
        for office_id in referral.offices:
            office = offices[office_id]
            assert all(source in sources for source in office.responsible_for.sources), office_id


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        # residence: visa, residence permit, Aufenthaltstitel
        ("Wie verlängere ich mein Visum?", "residence"),
        ("Meine Aufenthaltserlaubnis läuft bald ab, was muss ich tun?", "residence"),
        ("How do I get a residence permit?", "residence"),
        ("Vizemi nasıl alabilirim?", "residence"),
        ("як продовжити посвідку на проживання?", "residence"),
        ("Где получить вид на жительство?", "residence"),
        ("كيف أحصل على تأشيرة؟", "residence"),
        ("ویزای کاری چطور بگیرم؟", "residence"),
        ("Jak przedłużyć kartę pobytu?", "residence"),
        # studies
        ("Kann ich in Deutschland studieren?", "studies"),
        ("Can I go to Germany with A1 German and study there?", "studies"),
        ("Як я можу продовжити вищу освіту?", "studies"),
        ("أريد الدراسة في الجامعة", "studies"),
        ("میخوام در دانشگاه درس بخونم", "studies"),
        ("Học phí đại học ở Đức là bao nhiêu?", "studies"),
        ("Üniversiteye nasıl başvururum?", "studies"),
        ("Які вимоги до вступу в німецьких вишах?", "studies"),  # виш, inflected
        ("Сколько стоит учёба в немецких вузах?", "studies"),
        # pension
        ("Wann bekomme ich Rente?", "pension"),
        ("How much pension will I get?", "pension"),
        ("Когда я выйду на пенсию?", "pension"),
        ("متى أحصل على التقاعد؟", "pension"),
        ("Emekli maaşı ne kadar?", "pension"),
        # citizenship
        ("Kann ich die deutsche Staatsangehörigkeit bekommen?", "citizenship"),
        ("Wann darf ich einen Antrag auf Einbürgerung stellen?", "citizenship"),
        ("How long until I can apply for citizenship?", "citizenship"),
        ("Українці в Німеччині: чи можна отримати громадянство?", "citizenship"),
        ("Как получить гражданство Германии?", "citizenship"),
        ("كيف يتم تجنيس الأبناء في ألمانيا", "citizenship"),
        ("شرایط تابعیت آلمان چیست؟", "citizenship"),
        ("Almanya vatandaşlığı nasıl alınır?", "citizenship"),
        ("Làm sao để nhập quốc tịch Đức?", "citizenship"),
        ("Jak uzyskać obywatelstwo niemieckie?", "citizenship"),
        # housing / Wohngeld
        ("Habe ich Anspruch auf Wohngeld als Azubi?", "housing"),
        ("Wer ist berechtigt für einen Wohnberechtigungsschein?", "housing"),
        ("Як знайти квартиру в Німеччині?", "housing"),
        ("Cum se poate obţine o locuinţă?", "housing"),
        ("چطور در شورین آپارتمان پیدا کنم؟", "housing"),
        # another city
        ("Ich wohne in Berlin, wo mache ich eine Umschulung?", "other_city"),
        ("I live in Hamburg, who helps me with recognition?", "other_city"),
        ("Я живу в Мюнхене, куда мне обратиться?", "other_city"),
        ("أسكن في برلين، أين أذهب؟", "other_city"),
    ],
)
def test_the_topic_is_read_from_the_words(text: str, topic: str) -> None:
    assert INDEX.topic(text) == topic


@pytest.mark.parametrize(
    "text",
    [
        # questions about Lotse's own routes, also in words that touch a referral topic
        "Was kostet die Anerkennung?",
        "Wie lange dauert eine Umschulung zum Koch?",
        "Brauche ich ein Visum für die Ausbildung?",
        "Darf ich mit Duldung eine Ausbildung machen?",
        "Can I do an Ausbildung with a residence permit?",
        "Чи можна з посвідкою на проживання робити аусбільдунг?",
        "Studium oder Ausbildung – was passt besser?",
        "Zahlt die Rentenversicherung meine Umschulung?",
        "هل يمكنني عمل Ausbildung مع تأشيرة؟",
        "Externenprüfung: welche Unterlagen brauche ich?",
        "what is a Bildungsgutschein",
        # and what names no referral topic at all
        "erzähl mir einen Witz",
        "",
        "x" * 5000,
    ],
)
def test_in_scope_questions_and_unknown_topics_are_not_referred(text: str) -> None:
    assert INDEX.topic(text) is None


def test_the_topic_named_first_wins_but_citizenship_outranks_residence() -> None:
    assert INDEX.topic("Rente oder erst die Aufenthaltserlaubnis verlängern?") == "pension"
    assert INDEX.topic("Aufenthaltserlaubnis verlängern und dann Rente?") == "residence"
    assert INDEX.topic("Ich habe eine Aufenthaltserlaubnis nach § 25b, darf ich die Einbürgerung beantragen?") == (
        "citizenship"
    )


def test_a_topic_is_mentioned_even_when_a_route_keeps_it_in_lotses_field() -> None:
    """ "Visum für die Ausbildung" is Lotse's (residence for a training), but it still mentions a
    visa: an unsure out-of-scope guess is then not turned into the Ausbildung's answer."""
    text = "Brauche ich ein Visum für die Ausbildung in Frankreich?"
    assert INDEX.topic(text) is None and INDEX.mentions(text) == ["residence"]
    assert INDEX.mentions("Cum vă puteți echivala studiile?") == []
