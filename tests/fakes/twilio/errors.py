"""Twilio's error answers: the codes the fake produces, their wording, the JSON shape."""

from __future__ import annotations

import json

from aiohttp import web

#: Seconds a 429 asks the client to wait (``Retry-After``).
RETRY_AFTER_SECONDS = 1

# Messages for the error codes the fake produces (wording as in Twilio's error docs).
ERROR_MESSAGES: dict[int, str] = {
    20001: "Invalid parameter",
    20003: "Authenticate",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20500: "An internal server error has occurred",
    20503: "Service Unavailable",
    21211: "Invalid 'To' Phone Number",
    21602: "Message body is required.",
    21603: "A 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21606: "The 'From' phone number provided is not a valid message-capable Twilio phone "
    "number for this destination.",
    21610: "Attempt to send to unsubscribed recipient",
    21617: "The concatenated message body exceeds the 1600 character limit.",
    21655: "The ContentSid is Invalid.",
    21656: "The ContentVariables Parameter is invalid.",
    21654: "ContentSid Required",
    21701: "The Messaging Service Sid is invalid.",
    63003: "Channel could not find To address",
    63014: "This message could not be delivered because the user has blocked it.",
    63016: "Failed to send freeform message because you are outside the allowed window. "
    "If you are using WhatsApp, please use a Message Template.",
    63028: "Number of parameters provided does not match the expected number of parameters",
}

HTTP_ERROR_CODES = {400: 20001, 401: 20003, 404: 20404, 429: 20429, 500: 20500, 503: 20503}


def twilio_error(status: int, code: int | None = None, message: str | None = None) -> web.Response:
    """An error response in Twilio's legacy JSON shape (what twilio-python parses)."""
    code = code if code is not None else HTTP_ERROR_CODES.get(status, status)
    payload = {
        "code": code,
        "message": message or ERROR_MESSAGES.get(code, "Error"),
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if status == 429 else None
    return web.Response(
        status=status, text=json.dumps(payload), content_type="application/json", headers=headers
    )
