"""The errors of WhatsApp linking, each with the reply members see."""

from __future__ import annotations

from bot.errors import PodiumError
from bot.i18n import N_


class WhatsAppDisabled(PodiumError):
    """Twilio is not configured on this bot."""

    message = N_("WhatsApp is not set up on this server yet. Ask an organizer.")


class InvalidPhone(PodiumError):
    """The number cannot be parsed or is not a valid phone number."""

    message = N_(
        "That is not a valid phone number. Write it with the country code, e.g. +8613812345678."
    )


class PhoneTaken(PodiumError):
    """Another member linked that number."""

    message = N_("That number is already linked to another member.")


class NoPendingCode(PodiumError):
    """``/whatsapp verify`` without a pending ``/whatsapp link``."""

    message = N_("There is no code waiting for you. Start with /whatsapp link.")


class CodeExpired(PodiumError):
    """The code is older than 10 minutes."""

    message = N_("That code has expired. Run /whatsapp link again for a new one.")


class TooManyAttempts(PodiumError):
    """Five wrong codes."""

    message = N_("Too many wrong codes. Run /whatsapp link again for a new one.")


class WrongCode(PodiumError):
    """The code does not match."""

    message = N_("That code is not right. {remaining} attempts left.")


class NotLinked(PodiumError):
    """The member has no linked number."""

    message = N_("You have no WhatsApp number linked. Use /whatsapp link first.")
