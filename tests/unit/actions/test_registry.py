"""The action server serves exactly the actions the domain names — no more, no fewer."""

from __future__ import annotations

from tests.unit.actions.conftest import domain, executor


def test_every_action_of_the_domain_is_registered_and_nothing_else() -> None:
    registered = set(executor().actions)
    named = set(domain()["actions"])
    assert named - registered == set(), "the engine would call an action nobody serves"
    assert registered - named == set(), "an action the engine never calls (or a typo in its name)"


def test_every_form_has_its_validation_action() -> None:
    for form in domain()["forms"]:
        assert f"validate_{form}" in executor().actions, form
