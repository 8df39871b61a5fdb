"""Refusals of the fraud-flag decisions."""

from __future__ import annotations

from bot.errors import PodiumError
from bot.i18n import N_


class FlagNotFound(PodiumError):
    message = N_("There is no fraud flag #{id} this season.")


class FlagWithdrawn(PodiumError):
    message = N_(
        "Flag #{id} was withdrawn: its rule no longer matches the order's data, so there "
        "is nothing to decide."
    )


class FlagAlreadyDecided(PodiumError):
    """The flag is already cleared (``FlagAlreadyConfirmed``: already confirmed)."""

    message = N_("Flag #{id} is already cleared.")


class FlagAlreadyConfirmed(FlagAlreadyDecided):
    message = N_("Flag #{id} is already confirmed.")


class BulkNeedsFilter(PodiumError):
    message = N_("Name a rule, a team or both: a bulk decision never covers every flag.")


class NoOpenFlags(PodiumError):
    message = N_("No open flag matches; nothing changed.")


class UnknownRule(PodiumError):
    message = N_("{rule} is not a fraud rule. Pick one from the list.")
