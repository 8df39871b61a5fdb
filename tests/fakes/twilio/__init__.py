"""A local fake of Twilio's Messages API (2010-04-01) as an aiohttp server.

Point the real twilio-python client at it with
``build_twilio_client(sid, token, api_base_url=fake.base_url)``.

What it models (shapes from twilio-oai's ``twilio_api_v2010.json``):

* ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``: HTTP Basic auth, Twilio's
  validation errors (JSON ``code``/``message``/``more_info``/``status``), a
  messages-per-second cap on by default (80/s, a WhatsApp sender's default throughput:
  429 / 20429 with ``Retry-After``), injected and seeded random faults, per-number errors,
  Twilio's opt-out handling (a number that texted STOP gets 400 / 21610 until it texts
  START), Content templates that must exist (400 / 21655) and, to start a WhatsApp
  conversation, be approved (else 63016 on delivery), with ``ContentVariables`` that are
  non-empty strings (400 / 21656) matching the template's placeholders (else 63028 on
  delivery), WhatsApp's 24-hour customer service window (freeform outside it is accepted,
  then fails with 63016 in its status callback), then a 201 with the Message resource and
  signed status callbacks (optionally duplicated or reordered).
* ``GET .../Messages.json`` with ``To``/``From``/``DateSent``/``DateSent<``/``DateSent>``
  filters and Twilio's paging fields, newest first, so ``list_async``/``stream_async``
  page through ``next_page_uri``.
* ``GET .../Messages/{Sid}.json``.
* :meth:`FakeTwilio.send_inbound`: a signed inbound WhatsApp webhook, which also opens the
  sender's window and applies Twilio's default opt-out and opt-in keywords.

Differences from Twilio worth knowing: ``date_sent`` is set when the message is accepted
(Twilio fills it once the message leaves), ``previous_page_uri`` is always null, and only
the Messages resource exists.

``FakeTwilio`` (``fake.py``) combines the parts: ``state.py`` (configuration, stored
messages, windows, opt-outs, auth), ``messages.py`` (create), ``listing.py`` (fetch and
list), ``webhooks.py`` (status callbacks, inbound messages), ``templates.py``,
``rates.py`` (the sender's cap), ``errors.py`` and ``resources.py``.
"""

from tests.fakes.twilio.errors import RETRY_AFTER_SECONDS
from tests.fakes.twilio.fake import FakeTwilio
from tests.fakes.twilio.rates import WHATSAPP_SENDER_MPS
from tests.fakes.twilio.resources import CallbackRecord, FakeMessage, FakeRequest
from tests.fakes.twilio.state import (
    DEFAULT_ACCOUNT_SID,
    DEFAULT_AUTH_TOKEN,
    DEFAULT_WHATSAPP_NUMBER,
)
from tests.fakes.twilio.templates import FakeTemplate

__all__ = [
    "DEFAULT_ACCOUNT_SID",
    "DEFAULT_AUTH_TOKEN",
    "DEFAULT_WHATSAPP_NUMBER",
    "RETRY_AFTER_SECONDS",
    "WHATSAPP_SENDER_MPS",
    "CallbackRecord",
    "FakeMessage",
    "FakeRequest",
    "FakeTemplate",
    "FakeTwilio",
]
