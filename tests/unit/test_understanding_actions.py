"""The actions that decide what to do with an unsure understanding, a story, a term or a two-part
question — run directly with rasa-sdk's ``CollectingDispatcher`` and a tracker, no engine."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import ActionAnswer
from actions.handoff.consent import ActionOfferCounsellor
from actions.handoff.rights import ActionDeleteMyData
from actions.language import ActionChangeLanguage, ValidateSlotMappings
from actions.understanding import ASK_BACK, ASK_BACK_UNSURE, ActionAskBack, ActionRestartWhenSure
from bot.i18n import translate


def tracker(
    text: str,
    intent: str,
    confidence: float,
    ranking: list[tuple[str, float]] | None = None,
    kind: str = "text",
    language: str = "de",
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    active_loop: str | None = None,
) -> Tracker:
    ranking = ranking or [(intent, confidence)]
    return Tracker.from_dict(
        {
            "sender_id": "web:unit",
            "paused": False,
            "followup_action": None,
            "events": [],
            "latest_action_name": "action_listen",
            "active_loop": {"name": active_loop} if active_loop else {},
            "slots": {"language": language, "channel_language": language, **(slots or {})},
            "latest_message": {
                "text": text,
                "intent": {"name": intent, "confidence": confidence},
                "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
                "entities": entities or [],
                "metadata": {"language": language, "channel": "web", "input": kind},
            },
        }
    )


def run(action: Any, current: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, current, {}))
    return dispatcher.messages, events


def payloads(messages: list[dict[str, Any]]) -> list[str]:
    return [b["payload"] for m in messages for b in m.get("buttons") or []]


def test_ask_back_offers_the_best_guesses_and_a_person() -> None:
    unsure = tracker(
        "ich hab ne frage wegen dem geld für den kurs",
        "nlu_fallback",
        0.4,
        [("nlu_fallback", 0.4), ("ask_funding", 0.38), ("ask_costs", 0.33), ("ask_umschulung", 0.2), ("greet", 0.01)],
    )
    messages, events = run(ActionAskBack(), unsure)
    assert messages[0]["text"] == translate("de", ASK_BACK) and events == []
    assert payloads(messages) == ["/ask_funding", "/ask_costs", "/ask_umschulung", "/request_counsellor"]
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert titles == ["Wer bezahlt?", "Kosten", "Umschulung", "Mit einem Menschen sprechen"]


def test_ask_back_speaks_the_persons_language() -> None:
    unsure = tracker(
        "питання про гроші", "nlu_fallback", 0.3, [("nlu_fallback", 0.3), ("ask_funding", 0.3)], language="uk"
    )
    messages, _ = run(ActionAskBack(), unsure)
    assert any("\u0400" <= ch <= "\u04ff" for ch in messages[0]["text"])
    assert messages[0]["buttons"][-1]["title"] == "Поговорити з людиною"


def test_a_term_is_explained_even_when_the_model_is_unsure() -> None:
    messages, _ = run(
        ActionAskBack(),
        tracker(
            "що таке Bildungsgutschein?",
            "nlu_fallback",
            0.3,
            [("nlu_fallback", 0.3), ("ask_funding", 0.3)],
            language="uk",
        ),
    )
    assert messages[0]["text"].startswith("Bildungsgutschein:")
    assert "/ask_umschulung" in payloads(messages)


def test_an_unsure_question_whose_words_name_one_route_is_answered_not_asked_back() -> None:
    """The model wavers between unrelated intents, but "recunoasterea" names the Anerkennung."""
    unsure = tracker(
        "ce acte imi trebuie pentru recunoasterea diplomei mele",
        "nlu_fallback",
        0.4,
        [("nlu_fallback", 0.4), ("delete_my_data", 0.39), ("ask_umschulung", 0.3)],
        language="ro",
    )
    messages, events = run(ActionAskBack(), unsure)
    assert events == [{"event": "slot", "timestamp": None, "name": "current_route", "value": "anerkennung"}]
    assert messages[0]["text"] != translate("ro", ASK_BACK)
    assert "/delete_my_data" not in payloads(messages)
    documents = run(
        ActionAnswer(),
        tracker("ce acte imi trebuie pentru recunoasterea diplomei mele", "ask_anerkennung", 0.95, language="ro"),
    )[0]
    assert messages[0]["text"] == documents[0]["text"], "the same answer as a sure ask_anerkennung"


def test_an_unsure_question_naming_two_routes_is_still_asked_back() -> None:
    unsure = tracker(
        "umschulung oder externenprüfung, was ist besser",
        "nlu_fallback",
        0.4,
        [("nlu_fallback", 0.4), ("ask_umschulung", 0.39), ("ask_externenpruefung", 0.38)],
    )
    messages, events = run(ActionAskBack(), unsure)
    assert messages[0]["text"] == translate("de", ASK_BACK) and events == []


@pytest.mark.parametrize(
    ("action", "intent", "first"),
    [
        (ActionRestartWhenSure(), "start_over", "/restart"),
        (ActionDeleteMyData(), "delete_my_data", "/delete_my_data"),
        (ActionChangeLanguage(), "change_language", "/change_language"),
    ],
)
def test_nothing_changes_or_is_deleted_on_an_unsure_typed_message(action: Any, intent: str, first: str) -> None:
    """The psychology test that landed on delete_my_data: below the bar, Lotse asks first."""
    unsure = tracker(
        "kann man den psycho test löschen oder neu machen", intent, 0.62, [(intent, 0.62), ("out_of_scope", 0.3)]
    )
    messages, events = run(action, unsure)
    assert messages[0]["text"] == translate("de", ASK_BACK_UNSURE) and events == []
    assert payloads(messages)[0] == first and payloads(messages)[-1] == "/request_counsellor"


def test_close_runner_up_is_unsure_too() -> None:
    close = tracker("alles auf anfang", "start_over", 0.91, [("start_over", 0.91), ("start_check", 0.7)])
    messages, events = run(ActionRestartWhenSure(), close)
    assert events == [] and payloads(messages)[0] == "/restart"


@pytest.mark.parametrize(("kind", "confidence"), [("button", 0.2), ("command", 0.2), ("text", 0.98)])
def test_a_button_a_command_or_a_sure_message_does_it(kind: str, confidence: float) -> None:
    sure = tracker("neu starten", "start_over", confidence, kind=kind)
    messages, events = run(ActionRestartWhenSure(), sure)
    assert [e["event"] for e in events] == ["restart"]
    assert messages[0]["response"] == "utter_restart"
    delete = tracker("lösch meine daten", "delete_my_data", confidence, kind=kind)
    messages, events = run(ActionDeleteMyData(), delete)
    assert '/delete_my_data{"confirmed": true}' in payloads(messages), "still asks once before erasing"


def test_an_unsure_request_for_a_counsellor_asks_before_the_consent_notice() -> None:
    unsure = tracker(
        "kann mir jemand das erklären", "request_counsellor", 0.5, [("request_counsellor", 0.5), ("help", 0.45)]
    )
    messages, events = run(ActionOfferCounsellor(), unsure)
    assert messages[0]["text"] == translate("de", ASK_BACK_UNSURE) and events == []
    assert payloads(messages) == ["/request_counsellor", "/help"], "the one meant first, and only once"


@pytest.mark.parametrize(
    ("text", "intent", "heading"),
    [
        ("Was kostet die Anerkennung?", "ask_anerkennung", "Kosten: Anerkennung"),
        ("Was kostet die Anerkennung?", "ask_costs", "Kosten: Anerkennung"),
        ("Wie lange dauert eine Umschulung zum Koch?", "ask_duration", "Dauer: Umschulung"),
        ("Wie lange dauert eine Umschulung zum Koch?", "ask_umschulung", "Dauer: Umschulung"),
        (
            "Welche Unterlagen brauche ich für die Externenprüfung?",
            "ask_externenpruefung",
            "Diese Unterlagen brauchst du (Externenprüfung)",
        ),
    ],
)
def test_a_two_part_question_gets_that_aspect_of_that_route(text: str, intent: str, heading: str) -> None:
    messages, _ = run(ActionAnswer(), tracker(text, intent, 0.9))
    assert messages[0]["text"].startswith(heading)


def test_a_story_fills_the_check_and_says_what_was_understood() -> None:
    story = tracker(
        "Guten Abend, ich bin 31, war in Kabul 9 Jahre Elektriker. Was kann ich hier machen?", "start_check", 0.9
    )
    messages, events = run(ValidateSlotMappings(), story)
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["age"] == 31 and slots["experience_years"] == 9 and slots["training_years"] == 3.5
    assert slots["occupation"].startswith("Elektroniker")
    assert messages[0]["text"].startswith(
        "Ich habe verstanden: 31 Jahre alt, Elektroniker/Elektronikerin, 9 Jahre Berufserfahrung."
    )


def test_a_correction_in_words_changes_the_story_and_is_no_answer_to_the_current_question() -> None:
    correction = tracker(
        "nein, 8 Jahre",
        "deny",
        0.9,
        slots={"story_read": ["age", "experience_years"], "experience_years": 9.0, "requested_slot": "qualification"},
        active_loop="triage_form",
    )
    messages, events = run(ValidateSlotMappings(), correction)
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["experience_years"] == 8 and slots["story_corrected"] == ["experience_years"]
    assert messages[0]["text"] == "Danke, ich habe es geändert: 8 Jahre Berufserfahrung."


def test_the_check_does_not_take_a_correction_as_the_answer_to_its_question() -> None:
    from actions.triage import ValidateTriageForm

    form = ValidateTriageForm()
    corrected = tracker(
        "nein, 8 Jahre",
        "deny",
        0.9,
        slots={"story_corrected": ["experience_years"], "requested_slot": "qualification"},
        active_loop="triage_form",
    )
    dispatcher = CollectingDispatcher()
    answer = asyncio.run(form.validate_qualification("nein, 8 Jahre", dispatcher, corrected, {}))
    assert answer == {"qualification": None} and dispatcher.messages == [], "asked again, no complaint"
    kept = asyncio.run(form.validate_experience_years(8.0, dispatcher, corrected, {}))
    assert kept["experience_years"] == 8.0
    plain = tracker("nein", "deny", 0.9, slots={"requested_slot": "qualification"}, active_loop="triage_form")
    assert asyncio.run(form.validate_qualification("nein", dispatcher, plain, {}))["qualification"] == "none"


def test_long_answers_are_split_for_a_phone_screen() -> None:
    from actions.answers import ASPECTS, aspect_text
    from actions.formatting import PHONE_LIMIT, fact_text, phone_messages
    from bot.bidi import strip_marks
    from bot.i18n import LANGUAGES
    from knowledge.loader import load_knowledge

    knowledge = load_knowledge()
    for language in LANGUAGES:
        for route in knowledge.routes:
            summary = f"{route.name}: {fact_text(route.summary, language, knowledge)}"
            assert len(strip_marks(summary)) <= PHONE_LIMIT, (language, route.id)
            for aspect in ASPECTS:
                text = aspect_text(route, aspect, language, knowledge)
                parts = phone_messages(text)
                first = strip_marks(parts[0])
                # within the limit — or a heading with one whole fact, which is never cut
                assert len(first) <= PHONE_LIMIT or first.count("•") == 1, (language, route.id, aspect)
                assert (not first.endswith(":") and "•" in first) or "\n" not in text, (language, route.id, aspect)
                assert len(parts) <= 4, (language, route.id, aspect)  # three facts told, the rest named
                assert strip_marks("\n\n".join(parts)).replace("\n\n", "\n") == strip_marks(text).replace(
                    "\n\n", "\n"
                )  # nothing lost, nothing reordered


def test_phone_messages_keeps_paragraphs_whole() -> None:
    from actions.formatting import phone_messages

    text = "A" * 200 + "\n\n" + "B" * 200 + "\n\n" + "C" * 100
    assert phone_messages(text) == ["A" * 200, "B" * 200 + "\n\n" + "C" * 100]
    long_list = "Heading:\n" + "\n".join(f"• {'x' * 150}" for _ in range(4))
    parts = phone_messages(long_list)
    assert len(parts) == 2 and parts[0].startswith("Heading:\n• ") and all(len(p) <= 350 for p in parts)
    assert phone_messages("short") == ["short"]
    # a heading never stands alone, even before a long fact
    parts = phone_messages("Kosten (Umschulung):\n• " + "y" * 340 + "\n• " + "z" * 100)
    assert parts[0].startswith("Kosten (Umschulung):\n• y") and parts[1] == "• " + "z" * 100


def test_a_person_as_the_best_guess_is_the_first_button_and_only_once() -> None:
    """ "Meinst du …?" leads with what Lotse thinks most likely — here: a person."""
    unsure = tracker(
        "ich brauche jemand der mir das alles mal erklärt",
        "nlu_fallback",
        0.4,
        [("nlu_fallback", 0.4), ("request_counsellor", 0.38), ("ask_funding", 0.3), ("greet", 0.2), ("help", 0.1)],
    )
    messages, _ = run(ActionAskBack(), unsure)
    assert payloads(messages) == ["/request_counsellor", "/ask_funding", "/help"]


@pytest.mark.parametrize(
    ("text", "language", "best", "response"),
    [
        ("بخاطركم", "ar", "goodbye", "utter_goodbye"),
        ("мушу бігти", "uk", "goodbye", "utter_goodbye"),
        ("مسا النور", "ar", "greet", "utter_greet"),
        ("dyakuyu duzhe", "uk", "thank", "utter_thank"),
        ("ok", "de", "affirm", "utter_what_next"),
        ("la2", "ar", "deny", "utter_what_next"),
    ],
)
def test_short_unsure_small_talk_gets_its_answer_not_buttons(
    text: str, language: str, best: str, response: str
) -> None:
    unsure = tracker(text, "nlu_fallback", 0.4, [("nlu_fallback", 0.4), (best, 0.35), ("help", 0.3)], language=language)
    messages, events = run(ActionAskBack(), unsure)
    assert [m.get("response") for m in messages] == [response] and events == []


def test_a_long_message_whose_best_guess_is_small_talk_is_still_asked_back() -> None:
    text = "hallo ich weiß gar nicht so genau was ich hier eigentlich fragen soll"
    unsure = tracker(text, "nlu_fallback", 0.4, [("nlu_fallback", 0.4), ("greet", 0.35), ("help", 0.3)])
    messages, _ = run(ActionAskBack(), unsure)
    assert messages[0]["text"] == translate("de", ASK_BACK) and payloads(messages)[0] == "/help"


def test_unsure_and_only_the_everyday_word_ausbildung_names_a_route_asks_back_with_the_models_route() -> None:
    """ "Seine Ausbildung wurde nicht anerkannt" names no training to start: the model's route
    (Anerkennung) is the first button, not an answer about the Ausbildung."""
    text = "Er kommt aus Russland und hat dort studiert. Seine Ausbildung wurde nicht anerkannt. Was kann er tun?"
    unsure = tracker(
        text, "nlu_fallback", 0.4, [("ask_anerkennung", 0.24), ("start_check", 0.18), ("ask_ausbildung", 0.14)]
    )
    messages, events = run(ActionAskBack(), unsure)
    assert messages[0]["text"] == translate("de", ASK_BACK) and events == []
    assert payloads(messages)[0] == "/ask_anerkennung"
    # the same words with no other route in the model's mind: the Ausbildung is answered
    plain = tracker(
        "Was muss ich für eine Ausbildung mitbringen?", "nlu_fallback", 0.4, [("start_check", 0.3), ("help", 0.2)]
    )
    _, events = run(ActionAskBack(), plain)
    assert events == [{"event": "slot", "timestamp": None, "name": "current_route", "value": "ausbildung"}]


def test_a_route_the_model_read_in_typed_words_does_not_overrule_its_intent_but_a_buttons_route_does() -> None:
    text = "Woher erfahre ich, ob meine Ausbildung staatlich anerkannt ist?"
    read = [{"entity": "route", "value": "ausbildung", "extractor": "DIETClassifier", "start": 24, "end": 34}]
    _, events = run(ActionAnswer(), tracker(text, "ask_anerkennung", 0.65, entities=read))
    assert events[0]["value"] == "anerkennung"
    pressed = [{"entity": "route", "value": "umschulung"}, {"entity": "aspect", "value": "costs"}]
    _, events = run(ActionAnswer(), tracker("/ask_costs", "ask_costs", 1.0, kind="button", entities=pressed))
    assert events[0]["value"] == "umschulung"
