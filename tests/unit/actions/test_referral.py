"""Out of Lotse's field: ``action_refer_elsewhere`` names who can answer it, in the person's language."""

from __future__ import annotations

import pytest

from actions.nlg import render
from actions.referral import ALSO_A_PERSON
from actions.understanding import ASK_BACK, NOT_MINE_UNSURE
from bot.bidi import strip_marks
from bot.i18n import translate
from knowledge.loader import load_knowledge
from tests.unit.actions.conftest import run, tracker

REFER = "action_refer_elsewhere"
NOT_MINE = "Das kann ich dir leider nicht beantworten. Dafür ist eine andere Stelle zuständig:"


def _what_it_does(office_id: str, language: str) -> str:
    office = next(o for o in load_knowledge().offices if o.id == office_id)
    return strip_marks(translate(language, office.responsible_for.text))


@pytest.mark.parametrize(
    ("text", "language", "office", "script"),
    [
        ("كيف أحصل على الجنسية الألمانية؟", "ar", "einbuergerung_schwerin", ("\u0600", "\u06ff")),
        ("هل أحتاج تأشيرة لزيارة أختي في فرنسا؟", "ar", "auslaenderbehoerde_schwerin", ("\u0600", "\u06ff")),
        ("Як отримати візу для мами?", "uk", "auslaenderbehoerde_schwerin", ("\u0400", "\u04ff")),
        ("Українці в Німеччині: чи можна отримати громадянство?", "uk", "einbuergerung_schwerin", ("\u0400", "\u04ff")),
        ("Коли я можу піти на пенсію?", "uk", "rentenversicherung", ("\u0400", "\u04ff")),
    ],
)
def test_the_office_line_comes_in_the_persons_language(
    text: str, language: str, office: str, script: tuple[str, str]
) -> None:
    turn = run(REFER, tracker(text, "out_of_scope", 0.95, language=language))
    assert turn.responses == [] and turn.events == []
    said = strip_marks(turn.text)
    assert strip_marks(translate(language, NOT_MINE)) in said and NOT_MINE not in said
    assert _what_it_does(office, language) in said and _what_it_does(office, "de") not in said
    name = next(o.name for o in load_knowledge().offices if o.id == office)
    assert name in said, "the office's own (German) name, to find it"
    assert sum(script[0] <= ch <= script[1] for ch in said) > 50
    assert turn.payloads == ["/request_counsellor", "/help"]
    assert all(any(script[0] <= ch <= script[1] for ch in title) for title in turn.titles)


@pytest.mark.parametrize(
    ("text", "offices"),
    [
        ("Habe ich Anspruch auf Wohngeld als Azubi?", ["wohngeld_schwerin"]),
        ("Kann ich in Deutschland studieren, mein Abitur ist aus Syrien?", ["studienberatung"]),
        ("Ich wohne in Leipzig, wer hilft mir?", ["agentur_wohnort", "anerkennung_in_deutschland"]),
        ("Wo beantrage ich meine Aufenthaltserlaubnis?", ["auslaenderbehoerde_schwerin", "auslaenderbehoerde_nwm"]),
    ],
)
def test_each_topic_names_its_offices_with_their_page(text: str, offices: list[str]) -> None:
    turn = run(REFER, tracker(text, "out_of_scope", 0.9))
    known = {o.id: o for o in load_knowledge().offices}
    for office in offices:
        assert _what_it_does(office, "de") in turn.text
        assert str(known[office].website) in turn.text
    assert "Mit einem Menschen sprechen" in turn.titles


@pytest.mark.parametrize(
    "text", ["erzähl mir einen Witz", "Wie wird das Wetter morgen?", "", "<script>alert(1)</script>"]
)
def test_an_unknown_topic_keeps_the_general_honest_text(text: str) -> None:
    turn = run(REFER, tracker(text, "out_of_scope", 0.9))
    assert turn.responses == ["utter_out_of_scope"] and turn.texts == []
    assert "Beraterin" in render("utter_out_of_scope", "de")["text"]


def test_unsure_but_most_likely_out_of_scope_with_a_topic_is_referred_not_asked_back() -> None:
    turn = run(
        "action_ask_back",
        tracker(
            "Vizemi nasıl alabilirim?",
            "nlu_fallback",
            0.5,
            language="tr",
            ranking=[("nlu_fallback", 0.5), ("out_of_scope", 0.45), ("ask_residence", 0.4)],
        ),
    )
    assert _what_it_does("auslaenderbehoerde_schwerin", "tr") in turn.text
    assert turn.payloads == ["/request_counsellor", "/help"]


def test_unsure_with_residence_first_names_the_office_and_still_offers_residence_first() -> None:
    """Extending a visa is the Ausländerbehörde's — but residence for a training is Lotse's, and the
    model thought that more likely: the office first, then the guesses, residence the first button."""
    turn = run(
        "action_ask_back",
        tracker(
            "Visum verlängern?",
            "nlu_fallback",
            0.5,
            ranking=[("nlu_fallback", 0.5), ("ask_residence", 0.45), ("out_of_scope", 0.4)],
        ),
    )
    assert turn.text.startswith(NOT_MINE) and _what_it_does("auslaenderbehoerde_schwerin", "de") in turn.text
    assert turn.text.endswith(translate("de", ASK_BACK))
    assert turn.payloads == ["/ask_residence", "/request_counsellor"]


@pytest.mark.parametrize(
    ("text", "language", "ranking", "office"),
    [
        (
            "Hallo, ich habe Aufenthaltserlaubnis nach paragraf 25b AufenthG und möchte wissen, ob ich "
            "einen Antrag auf Einbürgerung stellen kann. Ich mache gerade einen Deutschkurs.",
            "de",
            [("ask_language", 0.34), ("ask_anerkennung", 0.33), ("out_of_scope", 0.12)],
            "einbuergerung_schwerin",
        ),
        (
            "Як я можу продовжити вищу освіту в університеті?",
            "uk",
            [("help", 0.27), ("ask_residence", 0.21), ("out_of_scope", 0.2)],
            "studienberatung",
        ),
    ],
)
def test_unsure_whose_words_name_another_office_names_it_before_the_guesses(
    text: str, language: str, ranking: list[tuple[str, float]], office: str
) -> None:
    """The model's best guess is one of Lotse's topics, but "not my field" is among its guesses and
    the words name whose question it is (citizenship, a university): that office first."""
    turn = run("action_ask_back", tracker(text, "nlu_fallback", 0.4, language=language, ranking=ranking))
    said = strip_marks(turn.text)
    assert said.startswith(strip_marks(translate(language, NOT_MINE)))
    assert _what_it_does(office, language) in said
    assert said.endswith(strip_marks(translate(language, ASK_BACK)))
    # the person is a button of the ask-back: not said twice
    assert strip_marks(translate(language, ALSO_A_PERSON)) not in said
    first = ranking[0][0]
    assert turn.payloads[0] == f"/{first}" and turn.payloads[-1] == "/request_counsellor"


def test_unsure_with_no_out_of_scope_guess_is_asked_back_without_an_office() -> None:
    """The words name a university, but "not my field" is not among the model's guesses (a training
    instead of studies is Lotse's): no office, only the guesses."""
    turn = run(
        "action_ask_back",
        tracker(
            "Universität abgebrochen, was jetzt?",
            "nlu_fallback",
            0.4,
            ranking=[("start_check", 0.35), ("ask_ausbildung", 0.3), ("out_of_scope", 0.01)],
        ),
    )
    assert NOT_MINE not in turn.text and turn.text == translate("de", ASK_BACK)
    assert turn.payloads[0] == "/start_check"


def test_unsure_out_of_scope_without_a_topic_says_so_before_it_offers_its_guesses() -> None:
    """Most likely not Lotse's field, no office named: it does not pretend the bread price was
    one of its own questions — it says so honestly, then offers its other guesses and a person."""
    turn = run(
        "action_ask_back",
        tracker("was kostet brot", "nlu_fallback", 0.5, ranking=[("out_of_scope", 0.45), ("ask_costs", 0.4)]),
    )
    assert NOT_MINE not in turn.text and turn.text == translate("de", NOT_MINE_UNSURE)
    assert turn.payloads == ["/ask_costs", "/request_counsellor"]
    ukrainian = run(
        "action_ask_back",
        tracker("скільки коштує хліб", "nlu_fallback", 0.5, language="uk", ranking=[("out_of_scope", 0.45)]),
    )
    assert strip_marks(ukrainian.text) == strip_marks(translate("uk", NOT_MINE_UNSURE)) != NOT_MINE_UNSURE
    assert ukrainian.payloads == ["/request_counsellor"]


@pytest.mark.parametrize(
    ("text", "language", "route"),
    [
        ("Cum vă puteți echivala studiile?", "ro", "anerkennung"),
        ("Was bringt mir eine Teilqualifikation eigentlich?", "de", "teilqualifikation"),
        ("What does recognition of professional experience mean?", "en", "validierung"),
    ],
)
def test_out_of_scope_not_surely_but_naming_one_route_answers_that_route(text: str, language: str, route: str) -> None:
    """The words name one of Lotse's routes: the question is about Lotse's field unless the model
    is sure it is not — the route's answer, not "that I cannot answer"."""
    turn = run(REFER, tracker(text, "out_of_scope", 0.6, language=language))
    assert (
        turn.responses == []
        and {"event": "slot", "timestamp": None, "name": "current_route", "value": route} in turn.events
    )
    sure = run("action_answer", tracker(text, f"ask_{route}", 0.95, language=language))
    assert turn.text == sure.text, "the same answer as a sure question about the route"


def test_surely_out_of_scope_or_naming_two_routes_stays_out_of_scope() -> None:
    sure = run(REFER, tracker("Cum vă puteți echivala studiile?", "out_of_scope", 0.85, language="ro"))
    two = run(REFER, tracker("umschulung oder studium oder externenprüfung", "out_of_scope", 0.5))
    assert sure.responses == two.responses == ["utter_out_of_scope"] and sure.events == two.events == []
