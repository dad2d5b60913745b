"""Which language the conversation is in (``action_validate_slot_mappings``, run after every
message) and switching it (``action_change_language``)."""

from __future__ import annotations

import pytest

from bot.i18n import LANGUAGES
from bot.langid import detect
from tests.unit.actions.conftest import run, tracker

SLOT_MAPPINGS = "action_validate_slot_mappings"
CHANGE = "action_change_language"


def test_the_channels_language_fills_the_slot_on_the_first_message() -> None:
    turn = run(
        SLOT_MAPPINGS, tracker("hallo", "greet", language="ar", slots={"language": None, "channel_language": None})
    )
    assert turn.slots == {"language": "ar", "channel_language": "ar"}
    assert turn.messages == []


def test_nothing_changes_while_the_channel_keeps_its_language() -> None:
    turn = run(SLOT_MAPPINGS, tracker("hallo", "greet", language="de"))
    assert turn.events == [] and turn.messages == []


def test_the_channel_switching_language_switches_the_conversation() -> None:
    turn = run(SLOT_MAPPINGS, tracker("hi", "greet", language="en", slots={"language": "de", "channel_language": "de"}))
    assert turn.slots == {"language": "en", "channel_language": "en"}


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ("sw", "en"),  # a language we do not have: English, not German
        ("pt-BR", "en"),
        ("de-AT", "de"),
        ("<script>alert(1)</script>", "en"),  # HTML is no language
        ("x" * 5000, "en"),  # nor is a huge value
    ],
)
def test_an_unknown_or_hostile_language_falls_back_to_one_we_have(sent: str, expected: str) -> None:
    turn = run(
        SLOT_MAPPINGS, tracker("hallo", "greet", language=sent, slots={"language": None, "channel_language": None})
    )
    assert turn.slots["language"] == expected and turn.slots["language"] in LANGUAGES
    assert turn.slots["channel_language"] == sent[:20], "what the channel sent is kept, capped"


def test_a_message_surely_in_another_language_switches_to_it() -> None:
    text = "Як мені отримати професійну освіту в Німеччині"
    turn = run(
        SLOT_MAPPINGS, tracker(text, "start_check", language="de", metadata={"detected": detect(text).as_metadata()})
    )
    assert turn.slots["language"] == "uk"


def test_a_short_message_never_switches_the_language() -> None:
    turn = run(
        SLOT_MAPPINGS, tracker("ok", "affirm", language="de", metadata={"detected": {"language": "uk", "score": 0.99}})
    )
    assert "language" not in turn.slots


def test_where_the_person_came_from_is_kept_cleaned_and_never_overwritten() -> None:
    first = run(SLOT_MAPPINGS, tracker("hallo", "greet", metadata={"source": "jobcenter_flyer"}))
    assert first.slots == {"lead_source": "jobcenter_flyer"}
    hostile = run(SLOT_MAPPINGS, tracker("hallo", "greet", metadata={"source": "<b>x</b>" + "y" * 200}))
    assert hostile.slots["lead_source"] == "bxb" + "y" * 61  # only word characters, at most 64
    kept = run(SLOT_MAPPINGS, tracker("hallo", "greet", slots={"lead_source": "flyer"}, metadata={"source": "other"}))
    assert "lead_source" not in kept.slots


def test_a_story_in_the_message_fills_the_check_in_the_persons_language() -> None:
    turn = run(SLOT_MAPPINGS, tracker("Ich bin 31 und habe 9 Jahre als Koch gearbeitet", "start_check"))
    assert turn.slots["age"] == 31 and turn.slots["experience_years"] == 9
    assert turn.texts[0].startswith("Ich habe verstanden: 31 Jahre alt")


def test_a_story_with_a_profession_without_training_keeps_its_name_and_no_training_years() -> None:
    """A teacher is no Ausbildungsberuf: the occupation slot keeps "Lehrer/Lehrerin" as text (as the
    form keeps an occupation it does not know), and no training duration is taken from anywhere."""
    turn = run(
        SLOT_MAPPINGS,
        tracker("Ich bin 41 und war 18 Jahre Lehrerin in Charkiw", "inform", slots={"training_years": 3.0}),
    )
    assert turn.slots["occupation"] == "Lehrer/Lehrerin" and turn.slots["training_years"] is None
    assert (turn.slots["age"], turn.slots["experience_years"]) == (41, 18)
    assert "Lehrer/Lehrerin" in turn.texts[0]


def test_a_pressed_language_button_switches_and_tells_the_gateway() -> None:
    turn = run(
        CHANGE,
        tracker(
            '/change_language{"language": "ar"}', "change_language", 1.0, kind="button", entities={"language": "ar"}
        ),
    )
    assert turn.slots == {"language": "ar"}
    assert turn.responses == ["utter_language_changed"]
    assert turn.messages[0]["language"] == "ar", "the NLG renders the confirmation in the new language"
    assert turn.custom == [{"lotse_language": "ar"}]


def test_a_language_named_in_words_switches_too() -> None:
    turn = run(CHANGE, tracker("schreib bitte auf englisch", "change_language", 0.99))
    assert turn.slots == {"language": "en"}


@pytest.mark.parametrize("named", ["klingonisch", "<script>alert(1)</script>", "x" * 5000])
def test_a_language_we_do_not_have_is_refused_with_the_list(named: str) -> None:
    turn = run(CHANGE, tracker(named, "change_language", 1.0, kind="button", entities={"language": named}))
    assert turn.events == [] and turn.custom == []
    assert turn.responses == ["utter_language_unavailable"]


def test_without_a_name_lotse_asks_which_language() -> None:
    turn = run(CHANGE, tracker("/change_language", "change_language", 1.0, kind="button"))
    assert turn.events == [] and turn.responses == ["utter_ask_language"]


def test_an_unsure_wish_to_switch_is_asked_back_in_the_persons_language() -> None:
    turn = run(
        CHANGE,
        tracker(
            "kannst du anders", "change_language", 0.6, language="ar", ranking=[("change_language", 0.6), ("help", 0.3)]
        ),
    )
    assert turn.events == []
    assert turn.payloads[0] == "/change_language" and turn.payloads[-1] == "/request_counsellor"
    assert any("\u0600" <= ch <= "\u06ff" for ch in turn.text), "asked in Arabic"


def test_a_slot_holding_no_language_of_ours_is_repaired() -> None:
    """An API client (or an old conversation) left garbage in the slot; the channel says nothing new."""
    turn = run(SLOT_MAPPINGS, tracker("hallo", "greet", language=None, slots={"language": "<b>xx</b>"}))
    assert turn.slots == {"language": "de"}, "the default language, as the settings say"
