"""The Messages API's create call: faults, the rate cap, Twilio's checks, each message's fate."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from aiohttp import web

from tests.fakes.twilio.errors import twilio_error
from tests.fakes.twilio.resources import FakeMessage, bare_number, new_sid
from tests.fakes.twilio.templates import (
    APPROVED,
    CONTENT_SID_RE,
    render,
    valid_content_variables,
)
from tests.fakes.twilio.webhooks import Webhooks

MAX_BODY_CHARS = 1600
_TO_RE = re.compile(r"^(?:whatsapp:)?\+[1-9]\d{6,14}$")
_MESSAGING_SERVICE_SID_RE = re.compile(r"^MG[0-9a-fA-F]{32}$")


class Messages(Webhooks):
    """``POST .../Messages.json``."""

    async def _create(self, request: web.Request) -> web.StreamResponse:
        post = await request.post()
        form = {key: str(value) for key, value in post.items()}
        rejected = self._gate(request, form)
        if rejected is not None:
            return rejected

        hang_accept: bool | None = self._hangs.popleft() if self._hangs else None
        if hang_accept is False:
            return await self._hang(request, form, None)

        if self._faults:
            return self._reject(request, form, self._faults.popleft())
        if not self._take_token():
            return self._reject(
                request,
                form,
                429,
                20429,
                "Too Many Requests: the sender's messages-per-second limit was exceeded",
            )
        if self.fault_rate and self._random.random() < self.fault_rate:
            status = self._random.choice((429, 500))
            self.random_faults[status] += 1
            return self._reject(request, form, status)

        invalid = self._validate_create(form)
        if invalid is not None:
            code, text = invalid
            return self._reject(request, form, 400, code, text)

        to = form["To"]
        number_error = self._number_errors.get(bare_number(to))
        if number_error is not None and not number_error[1]:
            return self._reject(request, form, 400, number_error[0])
        if bare_number(to) in self.unsubscribed:
            return self._reject(request, form, 400, 21610)

        message, created = self._accept(form, [str(v) for v in post.getall("MediaUrl", [])])
        if hang_accept is True:
            return await self._hang(request, form, message.sid)
        self._record(request, form, 201, None, message.sid)
        return web.Response(status=201, text=created, content_type="application/json")

    async def _hang(
        self, request: web.Request, form: Mapping[str, str], sid: str | None
    ) -> web.StreamResponse:
        entry = self._record(request, form, 0, None, sid)
        await self._hang_release.wait()
        if sid is None:
            entry.status, entry.error_code = 503, 20503
            return twilio_error(503)
        entry.status = 201
        message = self.get_message(sid)
        assert message is not None
        return web.Response(
            status=201, text=json.dumps(message.to_json()), content_type="application/json"
        )

    def _validate_create(self, form: Mapping[str, str]) -> tuple[int, str | None] | None:
        """Twilio's synchronous checks on a create, as ``(error code, message)``."""
        to = form.get("To", "")
        if not to:
            return 21604, None
        if not _TO_RE.match(to):
            return 21211, f"Invalid 'To' Phone Number: {to}"
        sender = form.get("From")
        service = form.get("MessagingServiceSid")
        if not sender and not service:
            return 21603, None
        if service and not _MESSAGING_SERVICE_SID_RE.match(service):
            return 21701, None
        if sender and self.senders is not None and sender not in self.senders:
            return 21606, None
        content_sid = form.get("ContentSid")
        variables = form.get("ContentVariables")
        if content_sid:
            if not CONTENT_SID_RE.match(content_sid) or content_sid not in self.templates:
                return 21655, None
            if variables is not None and not valid_content_variables(variables):
                return 21656, None
        elif variables is not None:
            return 21654, None
        elif not form.get("Body") and "MediaUrl" not in form:
            return 21602, None
        if len(form.get("Body", "")) > MAX_BODY_CHARS:
            return 21617, None
        callback = form.get("StatusCallback")
        if callback is not None and not callback.startswith(("http://", "https://")):
            return 21609, "Invalid StatusCallback url"
        return None

    def _accept(self, form: Mapping[str, str], media_urls: list[str]) -> tuple[FakeMessage, str]:
        """Store an accepted message, schedule its fate; return it and the 201 body."""
        now = self.clock().replace(microsecond=0)
        to = form["To"]
        content_sid = form.get("ContentSid") or None
        variables = form.get("ContentVariables")
        body = form.get("Body")
        template = self.templates.get(content_sid) if content_sid is not None else None
        if template is not None:
            body = render(template.text, variables)
        service = form.get("MessagingServiceSid") or None
        message = FakeMessage(
            sid=new_sid("MM" if media_urls else "SM"),
            account_sid=self.account_sid,
            to=to,
            from_=form.get("From") or None,
            body=body,
            content_sid=content_sid,
            content_variables=variables if content_sid is not None else None,
            status_callback=form.get("StatusCallback") or None,
            messaging_service_sid=service,
            date_created=now,
            date_sent=now,
            date_updated=now,
            status="accepted" if service and not form.get("From") else "queued",
            media_urls=media_urls,
            form=dict(form),
        )
        message.status_history.append(message.status)
        self.messages.append(message)
        self._store(message)
        self._by_to[bare_number(to)].append(message)

        created = json.dumps(message.to_json())
        statuses: tuple[str, ...] = self.callback_statuses
        error_code: int | None = None
        number_error = self._number_errors.get(bare_number(to))
        if number_error is not None:
            statuses, error_code = ("failed",), number_error[0]
        elif template is not None and not template.matches(variables):
            statuses, error_code = ("failed",), 63028
        elif (
            self.enforce_window
            and (template is None or template.status != APPROVED)
            and to.startswith("whatsapp:")
            and not self.window_open(to)
        ):
            # Only an approved template may start a conversation outside the window.
            statuses, error_code = ("failed",), 63016
            self.violations_63016 += 1

        if message.status_callback is None and not self.callback_delay:
            for status in statuses:
                self._advance(message, status, error_code)
        else:
            self._spawn(self._run_callbacks(message, statuses, error_code))
        return message, created
