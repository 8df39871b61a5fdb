"""WhatsApp feature: /whatsapp link, verify, unlink and language."""

from cogs.whatsapp.cog import setup

__all__ = ["setup"]
