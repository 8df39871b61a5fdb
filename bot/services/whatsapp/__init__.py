"""WhatsApp subscribers: linking a number with consent, inbound keywords and their replies.
The sending of messages is the outbox's (``bot.services.outbox``)."""

from bot.services.whatsapp.errors import (
    CodeExpired,
    InvalidPhone,
    NoPendingCode,
    NotLinked,
    PhoneTaken,
    TooManyAttempts,
    WhatsAppDisabled,
    WrongCode,
)
from bot.services.whatsapp.models import (
    LinkStarted,
    Subscription,
    WhatsAppSetup,
    normalize_phone,
)
from bot.services.whatsapp.replies import InboundReply
from bot.services.whatsapp.service import WhatsAppService

__all__ = [
    "CodeExpired",
    "InboundReply",
    "InvalidPhone",
    "LinkStarted",
    "NoPendingCode",
    "NotLinked",
    "PhoneTaken",
    "Subscription",
    "TooManyAttempts",
    "WhatsAppDisabled",
    "WhatsAppService",
    "WhatsAppSetup",
    "WrongCode",
    "normalize_phone",
]
