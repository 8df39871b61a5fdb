"""Malformed requests are the client's error: a 4xx answer, never a 500 or an ERROR record.

- ``read_form``: the one way handlers read a form body; any decoding or parsing error
  (unknown charset, invalid UTF-8, a bad or missing multipart boundary, a broken chunked
  body) becomes 400.
- ``parse_id``: ids from paths and queries are ASCII decimal only (``'²'.isdigit()`` is
  true and ``int('١')`` is 1, so neither ``isdigit`` nor ``int`` alone will do).
- ``body_errors``: a middleware turning a body error that escaped a handler into 400.
- ``HTTP_LOG``: the logger the server's protocol writes to; malformed HTTP that aiohttp
  refuses before any handler runs (an overlong line, a bad header) is logged at INFO there,
  while a real failure (a 500) stays at ERROR.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from types import TracebackType

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError
from multidict import MultiDict, MultiDictProxy

log = logging.getLogger(__name__)

_DECIMAL = re.compile(r"[0-9]{1,18}")


def parse_id(text: str | None, *, max_digits: int = 18) -> int | None:
    """``text`` as a non-negative int when it is 1..``max_digits`` ASCII digits, else None
    (signs, spaces, underscores and non-ASCII digits are refused)."""
    if text is None or len(text) > max_digits or _DECIMAL.fullmatch(text) is None:
        return None
    return int(text)


class MalformedRequest(web.HTTPBadRequest):
    """A request body that could not be decoded or parsed."""

    def __init__(self, reason: str) -> None:
        super().__init__(text="400: malformed request")
        self.why = reason


def _from_aiohttp(traceback: TracebackType | None) -> bool:
    """True when the innermost frame of ``traceback`` is aiohttp's own code (it raised the
    error while decoding the body, not our code)."""
    last = None
    while traceback is not None:
        last = traceback
        traceback = traceback.tb_next
    return last is not None and last.tb_frame.f_globals.get("__name__", "").startswith("aiohttp")


def _is_body_error(error: BaseException) -> bool:
    if isinstance(error, RequestPayloadError):
        return True
    if isinstance(error, HttpProcessingError):
        return 400 <= error.code < 500
    if isinstance(error, UnicodeError):
        return True
    # unknown charset (codecs: LookupError), bad multipart (ValueError), raised by aiohttp
    return type(error) in (LookupError, ValueError) and _from_aiohttp(error.__traceback__)


async def read_form(request: web.Request) -> MultiDictProxy[str]:
    """The request's form fields (text fields only; file parts are dropped). Raises
    ``MalformedRequest`` (400) when the body cannot be decoded or parsed, and aiohttp's
    413 when it exceeds the app's ``client_max_size``."""
    try:
        form = await request.post()
    except (ValueError, LookupError, RequestPayloadError, HttpProcessingError) as error:
        # every one raised by aiohttp while decoding: UnicodeDecodeError is a ValueError,
        # an unknown charset a LookupError
        log.info("malformed form refused path=%s error=%s", request.path, type(error).__name__)
        raise MalformedRequest(type(error).__name__) from error
    return MultiDictProxy(
        MultiDict((key, value) for key, value in form.items() if isinstance(value, str))
    )


@web.middleware
async def body_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """A body decoding or parsing error that escaped a handler becomes 400 (logged at
    INFO with the error's type, never the body)."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception as error:
        if not _is_body_error(error):
            raise
        log.info("malformed request refused path=%s error=%s", request.path, type(error).__name__)
        raise MalformedRequest(type(error).__name__) from error


class _ClientErrorsAtInfo(logging.Filter):
    """Turns the protocol's "Error handling request" record for a request aiohttp refused
    as malformed (a 4xx it answers itself) into an INFO line without a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError) and 400 <= error.code < 500:
            record.levelno = logging.INFO
            record.levelname = logging.getLevelName(logging.INFO)
            record.msg = "malformed HTTP refused status=%s error=%s"
            record.args = (error.code, type(error).__name__)
            record.exc_info = None
            record.exc_text = None
        return True


#: Passed to aiohttp's request handler as its logger (``handler_args``).
HTTP_LOG = logging.getLogger("bot.web.http")
HTTP_LOG.addFilter(_ClientErrorsAtInfo())
