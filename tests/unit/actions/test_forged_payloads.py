"""Payloads a person forges by hand (issue 16): what reaches the actions is refused or clamped,
with a kind answer, and nothing is recorded that a person did not give.

The gateway turns typed payloads into words before the engine sees them
(``tests/unit/test_forged_payloads.py``); these cases are the second line: what if a forged
entity or slot value reaches an action anyway (a model that extracts it, a channel that forgets).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from bot.leads.models import Consent, Lead
from tests.unit.actions.conftest import run, tracker
from tests.unit.actions.test_handoff import CONSENT_BUTTONS, ask
from tests.unit.actions.test_triage_form import answer

NOT_UNDERSTOOD = "Das habe ich nicht verstanden. "
BOMB: Any = {"a": [[[[[{"b": ["x" * 1000] * 50}]]]]] * 20}
"""A nested slot payload of about a megabyte when written out."""


def _count(db: sessionmaker, model: Any) -> int:
    with db() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize("age", [-5, -5.0, 0, 100, 10**30, "-5"])
def test_a_forged_age_entity_is_refused_with_a_hint(age: Any) -> None:
    """``/inform{"age": -5}``: the entity arrives as the extracted value; out of 14–99 it is refused."""
    turn = answer("age", age, entities={"age": age})
    assert turn.slots["age"] is None and turn.slots["triage_failures"] == 1
    assert turn.texts[0].startswith(NOT_UNDERSTOOD)


@pytest.mark.parametrize("slot", ["age", "qualification", "occupation", "experience_years", "status"])
@pytest.mark.parametrize("value", [BOMB, [BOMB], "x" * 100_000, {"$gt": ""}, None])
def test_a_nested_or_huge_slot_payload_is_refused_or_capped_kindly(slot: str, value: Any) -> None:
    turn = answer(slot, value, entities={slot: value})
    stored = turn.slots.get(slot)
    clamped = isinstance(stored, str) and len(stored) <= 80  # a free-text answer (occupation), capped
    assert stored is None or clamped, f"{slot} kept {str(stored)[:80]}"
    assert turn.texts or clamped, "refused with a kind answer, or clamped and the check goes on"
    assert "x" * 100 not in turn.text, "never echoes what was sent"


def test_a_typed_consent_before_the_notice_records_nothing(db: sessionmaker) -> None:
    """``/request_counsellor{"consent": "contact"}`` typed by hand, before any notice was shown."""
    turn = run(
        "action_offer_counsellor",
        tracker(CONSENT_BUTTONS[0], "request_counsellor", 1.0, kind="text", entities={"consent": "contact"}),
    )
    assert turn.followup() is None and turn.payloads == CONSENT_BUTTONS, "the notice and its buttons instead"
    assert _count(db, Consent) == 0


@pytest.mark.parametrize("value", ["admin", "contact_statistics_everything", BOMB, ["contact"], 1])
def test_a_pressed_consent_with_a_forged_value_records_nothing(db: sessionmaker, value: Any) -> None:
    ask()
    turn = run(
        "action_offer_counsellor",
        tracker("/request_counsellor", "request_counsellor", 1.0, kind="button", entities={"consent": value}),
    )
    assert turn.followup() is None
    assert _count(db, Consent) == 0 and _count(db, Lead) == 0
