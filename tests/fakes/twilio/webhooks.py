"""What the fake posts: signed status callbacks, and inbound WhatsApp message webhooks."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime

from aiohttp import ClientError

from tests.fakes.twilio.errors import ERROR_MESSAGES
from tests.fakes.twilio.resources import (
    API_VERSION,
    STATUS_RANK,
    CallbackRecord,
    FakeMessage,
    bare_number,
    new_sid,
)
from tests.fakes.twilio.state import TwilioState

#: Twilio's default opt-out and opt-in keywords (the whole message, any case).
OPT_OUT_KEYWORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
)
OPT_IN_KEYWORDS = frozenset({"START", "YES", "UNSTOP"})


class Webhooks(TwilioState):
    """Status callbacks for each message's fate, and a user's inbound messages."""

    async def flush_callbacks(self, timeout: float = 5.0) -> None:
        """Wait until every pending status callback was posted and answered.

        :raises TimeoutError: if some are still pending after ``timeout`` seconds.
        """
        async with asyncio.timeout(timeout):
            while self._pending:
                await asyncio.wait(list(self._pending))

    async def send_inbound(
        self,
        webhook_url: str,
        *,
        from_: str,
        body: str,
        signed: bool = True,
        to: str | None = None,
        profile_name: str = "Fake User",
        media_urls: Sequence[str] = (),
        extra: Mapping[str, str] | None = None,
        sign_url: str | None = None,
        signature: str | None = None,
        at: datetime | None = None,
    ) -> tuple[int, str]:
        """POST an inbound WhatsApp message webhook, as Twilio does, and open the window.

        :param from_: the user, ``whatsapp:+...`` (the prefix is added if missing).
        :param signed: add ``X-Twilio-Signature`` computed with the auth token.
        :param sign_url: the URL the signature covers, when it differs from the one posted
            to (behind a proxy, Twilio signs the public URL); default ``webhook_url``.
        :param signature: send this header value instead (forged signatures).
        :param at: when the user wrote (opens the window from then); default now.
        :returns: ``(HTTP status, response text)`` of the webhook.
        """
        sender = from_ if from_.startswith("whatsapp:") else "whatsapp:" + from_
        recipient = to or self.whatsapp_number
        moment = at if at is not None else self.clock()
        sid = new_sid("SM" if not media_urls else "MM")
        params: dict[str, str] = {
            "SmsMessageSid": sid,
            "NumMedia": str(len(media_urls)),
            "ProfileName": profile_name,
            "MessageType": "image" if media_urls else "text",
            "SmsSid": sid,
            "WaId": bare_number(sender).lstrip("+"),
            "SmsStatus": "received",
            "Body": body,
            "To": recipient,
            "NumSegments": "1",
            "ReferralNumMedia": "0",
            "MessageSid": sid,
            "AccountSid": self.account_sid,
            "From": sender,
            "ApiVersion": API_VERSION,
        }
        for i, media_url in enumerate(media_urls):
            params[f"MediaUrl{i}"] = media_url
            params[f"MediaContentType{i}"] = "image/jpeg"
        if extra:
            params.update(extra)

        self.open_window(sender, moment)
        keyword = body.strip().upper()
        if keyword in OPT_OUT_KEYWORDS:
            self.unsubscribe(sender)
        elif keyword in OPT_IN_KEYWORDS:
            self.resubscribe(sender)
        message = FakeMessage(
            sid=sid,
            account_sid=self.account_sid,
            to=recipient,
            from_=sender,
            body=body,
            content_sid=None,
            content_variables=None,
            status_callback=None,
            messaging_service_sid=None,
            date_created=moment.replace(microsecond=0),
            date_sent=moment.replace(microsecond=0),
            date_updated=moment.replace(microsecond=0),
            status="received",
            direction="inbound",
            media_urls=list(media_urls),
            status_history=["received"],
            form=dict(params),
        )
        self.inbound.append(message)
        self._store(message)

        headers = {"User-Agent": "TwilioProxy/1.1", "I-Twilio-Idempotency-Token": sid}
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        elif signed:
            headers["X-Twilio-Signature"] = self._validator.compute_signature(
                sign_url or webhook_url, params
            )
        async with self._client().post(webhook_url, data=params, headers=headers) as response:
            return response.status, await response.text()

    def _advance(self, message: FakeMessage, status: str, error_code: int | None) -> None:
        """Move the resource's status forward (never back, whatever the callback order)."""
        if STATUS_RANK.get(status, 0) <= STATUS_RANK.get(message.status, 0):
            return
        message.status = status
        message.status_history.append(status)
        message.date_updated = self.clock().replace(microsecond=0)
        if status in ("failed", "undelivered") and error_code is not None:
            message.error_code = error_code
            message.error_message = ERROR_MESSAGES.get(error_code)

    async def _run_callbacks(
        self, message: FakeMessage, statuses: Sequence[str], error_code: int | None
    ) -> None:
        if self.callback_delay:
            await asyncio.sleep(self.callback_delay)
        order = list(reversed(statuses)) if self.reverse_callbacks else list(statuses)
        for status in order:
            for status_in_sequence in statuses[: statuses.index(status) + 1]:
                self._advance(message, status_in_sequence, error_code)
            if message.status_callback is None:
                continue
            params = self._callback_params(message, status, error_code)
            for _ in range(2 if self.duplicate_callbacks else 1):
                await self._post_callback(message.status_callback, params)

    def _callback_params(
        self, message: FakeMessage, status: str, error_code: int | None
    ) -> dict[str, str]:
        params = {
            "SmsSid": message.sid,
            "SmsStatus": status,
            "MessageStatus": status,
            "To": message.to,
            "MessageSid": message.sid,
            "AccountSid": message.account_sid,
            "From": message.from_ or self.whatsapp_number,
            "ApiVersion": API_VERSION,
        }
        if message.to.startswith("whatsapp:"):
            params["ChannelPrefix"] = "whatsapp"
            params["ChannelToAddress"] = bare_number(message.to)
            params["StructuredMessage"] = "false"
        if message.messaging_service_sid:
            params["MessagingServiceSid"] = message.messaging_service_sid
        if status in ("failed", "undelivered") and error_code is not None:
            params["ErrorCode"] = str(error_code)
            params["ErrorMessage"] = ERROR_MESSAGES.get(error_code, "")
        return params

    async def _post_callback(self, url: str, params: dict[str, str]) -> None:
        headers = {
            "X-Twilio-Signature": self._validator.compute_signature(url, params),
            "User-Agent": "TwilioProxy/1.1",
            "I-Twilio-Idempotency-Token": secrets.token_hex(16),
        }
        status = 0
        async with self._callback_slots:
            try:
                async with self._client().post(url, data=params, headers=headers) as response:
                    await response.read()
                    status = response.status
            except (ClientError, OSError, TimeoutError):
                status = 0  # Twilio does not retry status callbacks; it only logs
        self.callback_log.append(CallbackRecord(url, params, status))
