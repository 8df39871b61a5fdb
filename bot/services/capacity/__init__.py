"""Capacity (issue 18): a cap on teams per track, an ordered waitlist, offers of freed
places by DM and WhatsApp with a deadline, and the check-in before the season.

Every change of a track runs in one transaction holding the track's lock row, so two places
freeing at once, or an accept racing the lapse job, happen one after the other and each
place is offered once. Offers' deliveries and lapses are scheduled jobs written in the same
transaction as the offer; their posts go through the one publisher (journal, nonces) and
their WhatsApp messages through the outbox, so a restart sends nothing twice. At start,
``catch_up`` repairs what a crash or a long downtime left behind.
"""

from bot.services.capacity.base import (
    CHECKIN_CLOSE_JOB,
    CHECKIN_OPEN_JOB,
    CHECKIN_REMIND_JOB,
    NOTICE_PUBLICATION,
    OFFER_LAPSE_JOB,
    OFFER_NOTICE_JOB,
    OFFER_PUBLICATION,
    offer_lapse_key,
    offer_notice_key,
)
from bot.services.capacity.errors import (
    AlreadyCheckedIn,
    CheckinClosed,
    CheckinNeedsPlace,
    CheckinNotConfigured,
    CheckinNotOpen,
    NoPlaceToWithdraw,
    OfferExpired,
    OfferNotOpen,
)
from bot.services.capacity.models import (
    DECLINED,
    DISBANDED,
    LAPSED,
    NO_CHECKIN,
    NOTICE_CHECKIN_OPEN,
    NOTICE_CHECKIN_REMINDER,
    NOTICE_LAPSED,
    NOTICE_NO_CHECKIN,
    WITHDRAWN,
    CapacityStatus,
    OfferNotice,
    Standing,
    TeamNotice,
    TrackCapacity,
)
from bot.services.capacity.places import OfferWording
from bot.services.capacity.service import CapacityService

__all__ = [
    "CHECKIN_CLOSE_JOB",
    "CHECKIN_OPEN_JOB",
    "CHECKIN_REMIND_JOB",
    "DECLINED",
    "DISBANDED",
    "LAPSED",
    "NOTICE_CHECKIN_OPEN",
    "NOTICE_CHECKIN_REMINDER",
    "NOTICE_LAPSED",
    "NOTICE_NO_CHECKIN",
    "NOTICE_PUBLICATION",
    "NO_CHECKIN",
    "OFFER_LAPSE_JOB",
    "OFFER_NOTICE_JOB",
    "OFFER_PUBLICATION",
    "WITHDRAWN",
    "AlreadyCheckedIn",
    "CapacityService",
    "CapacityStatus",
    "CheckinClosed",
    "CheckinNeedsPlace",
    "CheckinNotConfigured",
    "CheckinNotOpen",
    "NoPlaceToWithdraw",
    "OfferExpired",
    "OfferNotOpen",
    "OfferNotice",
    "OfferWording",
    "Standing",
    "TeamNotice",
    "TrackCapacity",
    "offer_lapse_key",
    "offer_notice_key",
]
