"""Phone numbers, e-mail addresses and the warmth of a lead."""

from __future__ import annotations

import pytest

from bot.leads.contact import normalize_email, normalize_phone
from bot.leads.warmth import WEIGHTS, LeadFacts, warmth


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0176 12345678", "+4917612345678"),
        ("0385 5881234", "+493855881234"),
        ("+49 (0)176-1234 5678", "+4917612345678"),
        ("0049 176 12345678", "+4917612345678"),
        ("+380 67 123 4567", "+380671234567"),
        ("00963 944 123 456", "+963944123456"),
        ("+48 512 345 678", "+48512345678"),
    ],
)
def test_real_numbers_are_accepted_in_e164(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", "12", "0000000", "hallo", "+49 123", "<script>", "1" * 50, "+999 1234567"])
def test_wrong_numbers_are_refused(raw: str) -> None:
    assert normalize_phone(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"), [("Anna@Example.ORG", "Anna@example.org"), (" max.muster@web.de ", "max.muster@web.de")]
)
def test_email_syntax_is_checked_without_network(raw: str, expected: str) -> None:
    assert normalize_email(raw) == expected


@pytest.mark.parametrize("raw", ["", "anna", "anna@", "@web.de", "anna@web", "a b@web.de", "x" * 300 + "@web.de"])
def test_wrong_email_addresses_are_refused(raw: str) -> None:
    assert normalize_email(raw) is None


def test_warmth_adds_up_with_reasons() -> None:
    assert sum(WEIGHTS.values()) == 100
    assert warmth(LeadFacts()) == (0, [])
    score, reasons = warmth(LeadFacts(routes=("externenpruefung",), contact_valid=True, consent_given=True))
    assert score == 60 and reasons == ["route_found", "contact_valid", "consent_given"]
    full = LeadFacts(("anerkennung",), True, True, True, True, True)
    assert warmth(full)[0] == 100
    assert warmth(LeadFacts(documents_available=None))[0] == 0
