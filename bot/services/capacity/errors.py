"""The errors of capacity: offers that can no longer be answered, check-in refusals."""

from __future__ import annotations

from bot.errors import PodiumError
from bot.i18n import N_


class OfferNotOpen(PodiumError):
    message = N_("This offer is no longer open: it was already answered or it lapsed.")


class OfferExpired(PodiumError):
    message = N_("This offer lapsed on {deadline}, so the place goes to the next team.")


class NoPlaceToWithdraw(PodiumError):
    message = N_(
        "**{team}** holds no place and is not on the waitlist, so there is nothing to withdraw."
    )


class CheckinNotConfigured(PodiumError):
    message = N_("There is no check-in this season.")


class CheckinNotOpen(PodiumError):
    message = N_("Check-in opens on {opens}.")


class CheckinClosed(PodiumError):
    message = N_("Check-in closed on {closes}.")


class CheckinNeedsPlace(PodiumError):
    message = N_(
        "**{team}** does not hold a place, so it has nothing to check in. "
        "Waitlisted teams are told when a place is offered to them."
    )


class AlreadyCheckedIn(PodiumError):
    message = N_("**{team}** is already checked in (since {at}).")
