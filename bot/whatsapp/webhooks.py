"""Twilio webhooks: ``/twilio/status`` (delivery statuses) and ``/twilio/inbound`` (messages).

Both verify ``X-Twilio-Signature`` with twilio's ``RequestValidator`` against
``PUBLIC_BASE_URL`` + path (+ query): the URL Twilio was given, not the one the request
arrived on, so validation holds behind a reverse proxy (X-Forwarded-Proto, another host).
Anything unsigned or forged gets 403 and changes nothing. A signed request can still be
replayed (Twilio retries, or someone copies one): each inbound message (MessageSid) and
each status callback (MessageSid + MessageStatus) is applied at most once, and a replay
is answered without a reply message.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot.i18n import Catalogs
from bot.services.outbox import OutboxService
from bot.services.whatsapp import InboundReply, WhatsAppService
from bot.web.guard import parse_id, read_form

log = logging.getLogger(__name__)

#: Twilio's SIDs are 34 characters; the outbox keeps up to 40.
MAX_SID_CHARS = 40

#: Builds the keyword data sources at request time (points, top, next, team_of).
DataSources = Callable[[], dict[str, Any]]


def _signed(token: bytes, url: str, form: dict[str, str], signature: str) -> bool:
    """Whether ``signature`` is Twilio's HMAC-SHA1 of ``url`` exactly as given, followed
    by each parameter's name and value in name order: ``RequestValidator``'s computation
    for one value per name, done once, without its second pass over the URL's port
    variant (a webhook is signed for the URL Twilio was given, which this is)."""
    payload = url + "".join(name + form[name] for name in sorted(form))
    digest = hmac.new(token, payload.encode("utf-8"), hashlib.sha1).digest()
    return hmac.compare_digest(base64.b64encode(digest).decode("ascii"), signature)


def _validated(
    validator: RequestValidator, public_base_url: str
) -> Callable[[web.Request], Awaitable[dict[str, str] | None]]:
    token = validator.token
    base = public_base_url.rstrip("/")

    async def check(request: web.Request) -> dict[str, str] | None:
        signature = request.headers.get("X-Twilio-Signature")
        form = dict((await read_form(request)).items())  # malformed: 400 before any check
        if not signature or not signature.isascii():  # a signature is base64: ASCII
            return None
        url = base + request.path_qs
        # The cheap check first; the library's (with and without the default port, as
        # Twilio's own signing varies there) only for what it does not accept.
        if not _signed(token, url, form, signature) and not validator.validate(
            url, form, signature
        ):
            return None
        return form

    return check


def add_twilio_routes(
    app: web.Application,
    *,
    whatsapp: WhatsAppService,
    outbox: OutboxService,
    catalogs: Catalogs,
    auth_token: str,
    public_base_url: str,
    data_sources: DataSources | None = None,
) -> None:
    """Add ``POST /twilio/status`` and ``POST /twilio/inbound`` to ``app``."""
    check = _validated(RequestValidator(auth_token), public_base_url)

    async def status(request: web.Request) -> web.Response:
        form = await check(request)
        if form is None:
            log.warning("twilio status callback refused: bad signature")
            return web.Response(status=403, text="invalid signature")
        outbox_id = parse_id(request.query.get("outbox_id"))
        if outbox_id is None:
            return web.Response(status=204)
        sid = form.get("MessageSid") or ""
        twilio_status = form.get("MessageStatus") or form.get("SmsStatus") or ""
        if not sid:
            log.warning("twilio status callback without MessageSid ignored")
            return web.Response(status=400, text="MessageSid missing")
        if len(sid) > MAX_SID_CHARS:
            log.warning("twilio status callback with an overlong MessageSid ignored")
            return web.Response(status=400, text="MessageSid invalid")
        try:
            await outbox.apply_callback(
                outbox_id=outbox_id,
                sid=sid,
                twilio_status=twilio_status,
                error_code=parse_id(form.get("ErrorCode"), max_digits=9),
            )
        except Exception:
            # Not stored: a non-2xx answer makes Twilio send the callback again.
            log.exception("twilio status callback not recorded outbox=%s", outbox_id)
            return web.Response(status=503, text="try again")
        return web.Response(status=204)

    async def inbound(request: web.Request) -> web.Response:
        form = await check(request)
        if form is None:
            log.warning("twilio inbound webhook refused: bad signature")
            return web.Response(status=403, text="invalid signature")
        sid = form.get("MessageSid") or ""
        if not sid:
            log.warning("twilio inbound webhook without MessageSid ignored")
            return web.Response(status=400, text="MessageSid missing")
        phone = (form.get("From") or "").removeprefix("whatsapp:").strip()
        sources = data_sources() if data_sources is not None else {}
        reply = await whatsapp.handle_inbound(
            phone=phone, body=form.get("Body", ""), message_sid=sid, **sources
        )
        return web.Response(text=twiml(catalogs, reply), content_type="application/xml")

    app.router.add_post("/twilio/status", status)
    app.router.add_post("/twilio/inbound", inbound)


def twiml(catalogs: Catalogs, reply: InboundReply | None) -> str:
    """The reply as TwiML ``<Response><Message>…</Message></Response>``; an empty
    ``<Response/>`` (no message) for ``None`` (a replayed or outdated message)."""
    response = MessagingResponse()
    if reply is not None:
        response.message(catalogs.gettext(reply.language, reply.message, **reply.params))
    return str(response)
