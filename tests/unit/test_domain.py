"""The Rasa domain and our Python code agree on every name."""

from __future__ import annotations

import yaml

from actions.responses import RESPONSES
from bot.i18n import LANGUAGES
from bot.stack import DOMAIN_FILE

DOMAIN = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))


def test_every_domain_response_is_rendered_by_the_nlg_endpoint() -> None:
    assert set(DOMAIN["responses"]) == set(RESPONSES)
    for variations in DOMAIN["responses"].values():
        assert variations == [{"text": ""}], "words belong in the catalogs, not in the domain"


def test_intents_keep_the_contract_names() -> None:
    assert set(DOMAIN["intents"]) == {
        "greet", "goodbye", "thank", "help", "bot_challenge", "out_of_scope", "change_language",
    }


def test_language_slot_is_filled_by_our_action() -> None:
    mapping = DOMAIN["slots"]["language"]["mappings"]
    assert mapping == [{"type": "custom", "action": "action_extract_language"}]
    assert "action_extract_language" in DOMAIN["actions"]
    assert set(LANGUAGES)  # the slot holds one of these codes (see actions.language)
