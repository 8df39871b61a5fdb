"""The Twilio side of WhatsApp: the client, the relay worker and the signed webhooks."""
