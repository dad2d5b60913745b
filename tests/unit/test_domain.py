"""The Rasa domain and our Python code agree on every name."""

from __future__ import annotations

import yaml

from actions.responses import RESPONSES
from bot.stack import DOMAIN_FILE

DOMAIN = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))


def test_every_domain_response_is_rendered_by_the_nlg_endpoint() -> None:
    assert set(DOMAIN["responses"]) == set(RESPONSES)
    for variations in DOMAIN["responses"].values():
        assert variations == [{"text": ""}], "words belong in the catalogs, not in the domain"


def test_intents_keep_the_contract_names() -> None:
    contract = {
        "greet",
        "goodbye",
        "thank",
        "affirm",
        "deny",
        "help",
        "bot_challenge",
        "out_of_scope",
        "change_language",
        "start_check",
        "ask_externenpruefung",
        "ask_teilqualifikation",
        "ask_umschulung",
        "ask_validierung",
        "ask_anerkennung",
        "ask_ausbildung",
        "ask_funding",
        "ask_costs",
        "ask_duration",
        "ask_language",
        "ask_work_while_learning",
        "ask_residence",
        "inform",
        "request_counsellor",
        "delete_my_data",
    }
    # show_my_data is "what do you know about me?" (Art. 15); start_over is "neu anfangen" typed,
    # kept apart from Rasa's own restart intent (the /restart button), which Rasa always obeys
    assert contract <= set(DOMAIN["intents"]) <= contract | {"start_over", "show_my_data"}


def test_triage_slots_keep_the_contract() -> None:
    slots = DOMAIN["slots"]
    for name in (
        "age",
        "qualification",
        "unskilled_years",
        "occupation",
        "training_years",
        "experience_years",
        "status",
        "german_level",
        "residence",
        "needs_part_time",
        "recommended_routes",
    ):
        assert name in slots, name
    assert slots["qualification"]["values"] == ["none", "german", "foreign", "incomplete"]
    assert slots["status"]["values"] == ["unemployed", "employed", "temp_agency", "self_employed", "in_school", "other"]
    assert slots["german_level"]["values"] == ["none", "a1", "a2", "b1", "b2", "c1"]
    assert slots["residence"]["values"] == ["schwerin", "nordwestmecklenburg", "ludwigslust_parchim", "other"]


def test_language_slot_is_filled_by_our_action() -> None:
    mapping = DOMAIN["slots"]["language"]["mappings"]
    assert mapping == [{"type": "custom"}]  # filled by action_validate_slot_mappings (actions/language.py)
    assert "action_validate_slot_mappings" in DOMAIN["actions"]
