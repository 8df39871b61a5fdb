"""Phone masking: how a number is shown to anyone but its owner."""

from __future__ import annotations

import phonenumbers


def mask_phone(e164: str) -> str:
    """``+8613800001234`` → ``+86 •••••••1234``: the country calling code and the last four
    digits stay, everything else is hidden (shown to anyone but the number's owner)."""
    digits = e164.lstrip("+")
    try:
        country = str(phonenumbers.parse("+" + digits).country_code)
    except phonenumbers.NumberParseException:
        country = digits[:2]
    if len(digits) <= len(country) + 4:
        return "+" + "•" * len(digits)
    hidden = len(digits) - len(country) - 4
    return f"+{country} {'•' * hidden}{digits[-4:]}"
