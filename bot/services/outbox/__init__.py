"""The WhatsApp outbox: queueing, claiming, sending rules, delivery status, counts and
phone masking. ``bot/whatsapp/`` (the Twilio side) works through it, never through storage."""

from bot.services.outbox.masking import mask_phone
from bot.services.outbox.rules import CONTENT_SID_VARIABLE, whatsapp_counts
from bot.services.outbox.service import ClaimedRow, OutboxService

__all__ = [
    "CONTENT_SID_VARIABLE",
    "ClaimedRow",
    "OutboxService",
    "mask_phone",
    "whatsapp_counts",
]
