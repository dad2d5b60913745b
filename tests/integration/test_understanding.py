"""Understanding people as they write (issue 11), through the gateway and the real engine:
a story per language, a correction, two-part questions, terms, out of scope, asking back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from actions.nlg import render
from actions.understanding import ASK_BACK
from bot.bidi import strip_marks
from bot.i18n import gettext_for, translate
from bot.settings import Settings
from bot.starter import Stack
from bot.web.app import create_app
from knowledge.loader import load_knowledge
from tests.support.chat import Chat
from tests.unit.test_story import STORIES


@pytest.fixture
def client(stack: Stack, tmp_path) -> Iterator[TestClient]:
    settings = Settings(
        var_dir=tmp_path,
        engine_url=stack.engine_url,
        engine_token=stack.token,
        database_url=stack.settings.effective_database_url,
        rate_limit_burst=1000,
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.mark.parametrize("language", list(STORIES))
async def test_one_message_with_a_story_fills_age_occupation_and_years(
    client: TestClient, stack: Stack, language: str
) -> None:
    text, age, occupation, years = STORIES[language]
    chat = Chat(client, language)
    answer = chat.say(text)
    assert answer["status"] == 200 and answer["language"] == language
    slots = await stack.slots(chat.sender)
    assert slots["age"] == age
    assert str(slots["occupation"]).startswith(occupation)
    assert slots["experience_years"] == pytest.approx(years, abs=0.1)
    said = Chat.texts(answer)
    assert str(age) in said and occupation in said, "Lotse says in one line what it understood"
    assert not any("weiterschreiben" in m["text"] for m in answer["messages"])


async def test_the_check_asks_only_what_is_missing_and_takes_a_correction_in_words(
    client: TestClient, stack: Stack
) -> None:
    chat = Chat(client)
    story = chat.say(
        "Guten Abend, ich bin 31, war in Kabul 9 Jahre Elektriker, habe aber kein Papier "
        "darüber. Was kann ich hier machen?"
    )
    assert "Ich habe verstanden: 31 Jahre alt" in Chat.texts(story)
    if "/start_check" in Chat.payloads(story):  # the story came without "which way fits me?"
        story = chat.press("/start_check", "Welcher Weg passt zu mir?")
    assert "Wie alt bist du?" not in Chat.texts(story), "the age was told already"
    assert "Hast du schon einen Berufsabschluss?" in Chat.texts(story)
    corrected = chat.say("nein, 8 Jahre")
    assert "Danke, ich habe es geändert: 8 Jahre Berufserfahrung." in Chat.texts(corrected)
    assert "Hast du schon einen Berufsabschluss?" in Chat.texts(corrected), "the question comes again"
    slots = await stack.slots(chat.sender)
    assert slots["experience_years"] == 8 and slots["qualification"] is None and slots["age"] == 31
    chat.press('/inform{"qualification": "none"}', "Nein, keinen")
    slots = await stack.slots(chat.sender)
    assert slots["qualification"] == "none" and slots["requested_slot"] == "status", (
        "occupation and years are not asked again"
    )


@pytest.mark.parametrize(
    ("language", "text", "heading"),
    [
        ("de", "Was kostet die Anerkennung?", "Kosten: Anerkennung"),
        ("de", "Wie lange dauert eine Umschulung zum Koch?", "Dauer: Umschulung"),
        ("en", "How long does an Umschulung take?", "Duration: {Umschulung}"),
    ],
)
def test_a_two_part_question_gets_that_aspect_of_that_route(
    client: TestClient, language: str, text: str, heading: str
) -> None:
    """The heading names the route in the person's language, the German term kept beside it."""
    heading = heading.replace("{Umschulung}", gettext_for(language, "Umschulung"))
    answer = Chat(client, language).say(text)
    assert Chat.texts(answer).startswith(heading), Chat.texts(answer)[:120]
    assert "Umschulung" in heading or "Anerkennung" in heading


def test_what_is_a_term_in_ukrainian_is_answered_from_the_glossary_in_ukrainian(client: TestClient) -> None:
    chat = Chat(client, "uk")
    chat.say("/start")
    answer = chat.say("що таке Bildungsgutschein?")
    text = Chat.texts(answer)
    assert text.startswith("Bildungsgutschein:") and any("\u0400" <= ch <= "\u04ff" for ch in text)
    assert "/ask_umschulung" in Chat.payloads(answer)
    assert answer["language"] == "uk" and "weiterschreiben" not in text and "Deutsch" not in text


def test_out_of_scope_is_answered_honestly_with_a_way_to_a_person(stack: Stack) -> None:
    [answer] = stack.say("web:oos-unit", "/out_of_scope", "de")
    assert answer["text"] == render("utter_out_of_scope", "de")["text"]
    assert "Studium, Visum, Rente" in answer["text"]
    assert {"title": "Mit einem Menschen sprechen", "payload": "/request_counsellor"} in answer["buttons"]


@pytest.mark.parametrize(
    ("text", "language", "office"),
    [
        ("einbürgerung nach wie vielen jahren möglich", "de", "einbuergerung_schwerin"),
        ("як отримати німецьке громадянство через 5 років", "uk", "einbuergerung_schwerin"),
        ("الجنسية الالمانية بعد كم سنة", "ar", "einbuergerung_schwerin"),
        ("wohngeld antrag wo stellen", "de", "wohngeld_schwerin"),
    ],
)
def test_out_of_scope_names_who_can_answer_in_the_persons_language(
    stack: Stack, text: str, language: str, office: str
) -> None:
    answers = stack.say(f"web:referral-{language}-{office}", text, language)
    said = strip_marks("\n".join(a.get("text") or "" for a in answers))
    known = next(o for o in load_knowledge().offices if o.id == office)
    assert strip_marks(translate(language, known.responsible_for.text)) in said
    assert str(known.website) in said
    assert answers[-1]["buttons"][0]["payload"] == "/request_counsellor"


def test_not_understood_asks_back_with_a_person_to_talk_to(stack: Stack) -> None:
    [answer] = stack.say("web:unsure-unit", "/nlu_fallback", "de")
    assert answer["text"] == translate("de", ASK_BACK)
    assert answer["buttons"][-1] == {"title": "Mit einem Menschen sprechen", "payload": "/request_counsellor"}
