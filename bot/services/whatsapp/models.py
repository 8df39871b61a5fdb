"""What the WhatsApp service is set up with and hands back, and phone number parsing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import phonenumbers

from bot.services.whatsapp.errors import InvalidPhone


@dataclass(frozen=True, slots=True)
class WhatsAppSetup:
    """WhatsApp turned on in this process: the sender's number (E.164, for wa.me links;
    None when messages go out through a Messaging Service) and whether verification codes
    are queued (False where no relay runs: only the wa.me link then proves a number)."""

    bot_number: str | None
    send_codes: bool = True


@dataclass(frozen=True, slots=True)
class LinkStarted:
    """What ``/whatsapp link`` shows: the masked number (the owner sees it whole), the
    wa.me link with its code, whether a code was sent, and when the codes expire."""

    phone_e164: str
    masked: str
    link_code: str
    wa_link: str | None
    code_sent: bool
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Subscription:
    """A member's linked number."""

    subscriber_id: int
    phone_e164: str
    masked: str
    language: str
    opted_out: bool


def normalize_phone(raw: str) -> str:
    """E.164 of ``raw`` (``+`` and country code required); raises ``InvalidPhone``."""
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone() from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone()
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
