"""Contact details as people type them, checked and normalised with well-kept libraries.

Phone numbers with ``phonenumbers`` (Google's libphonenumber metadata): German numbers may come
without +49 ("0176 1234567"), international ones with their prefix ("+380 67 123 4567",
"00963 …"). E-mail addresses with ``email-validator``: syntax only, no DNS lookup (no network).
"""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email

DEFAULT_REGION = "DE"


def normalize_phone(raw: str, region: str = DEFAULT_REGION) -> str | None:
    """The number in E.164 form ("+491761234567"), or ``None`` if it cannot be a real number."""
    text = (raw or "").strip()
    if not text or len(text) > 40:
        return None
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str) -> str | None:
    """The address in normal form, or ``None`` if its syntax is wrong (no network is used)."""
    text = (raw or "").strip()
    if not text or len(text) > 254:
        return None
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        return None
