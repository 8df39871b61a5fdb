"""Discord's documented limits, checked the way Discord checks them, for the fake Discord.

The numbers come from Discord's published OpenAPI description (discord/discord-api-spec,
``specs/openapi.json``: ``RichEmbed``, ``RichEmbedField``, ``ActionRowComponentForMessage
Request``, ``ButtonComponentForMessageRequest``, ``StringSelectOptionForRequest``,
``ApplicationCommandOptionStringChoice``, ``ModalInteractionCallbackRequestData``…) and
Discord's docs (a bot's message content is at most 2,000 characters, all embeds of one
message together at most 6,000).

A breach is answered as Discord answers it: HTTP 400, code 50035 "Invalid Form Body", and
``errors`` nested along the field path down to ``{"_errors": [{"code", "message"}]}``
(the ``ErrorResponse`` / ``ErrorDetails`` / ``InnerErrors`` schemas). ``RateLimits``
models per-route buckets with Discord's ``X-RateLimit-*`` headers and an optional global
limit.

Everything here is plain data in, plain data out, so the fake's handlers and any test can
call it.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

CONTENT = 2000
EMBEDS = 10
EMBED_TOTAL = 6000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER_TEXT = 2048
AUTHOR_NAME = 256
ACTION_ROWS = 5
ROW_ITEMS = 5
SELECT_OPTIONS = 25
CUSTOM_ID = 100
BUTTON_LABEL = 80
OPTION_TEXT = 100  # select option label, value, description
PLACEHOLDER = 150
CHOICES = 25
CHOICE_NAME = 100
CHOICE_VALUE = 100
MODAL_TITLE = 45
TEXT_INPUT_LABEL = 45
TEXT_INPUT_VALUE = 4000
TEXT_INPUT_PLACEHOLDER = 100
LABEL_TEXT = 45  # a modal's Label component (type 18): its text, and its description 100
LABEL_DESCRIPTION = 100

#: One error per field: (path from the body's root, Discord's error code, its message).
Problem = tuple[tuple[str, ...], str, str]

ACTION_ROW, BUTTON, STRING_SELECT, TEXT_INPUT = 1, 2, 3, 4
LABEL = 18
SELECTS = {3, 5, 6, 7, 8}


def _too_long(path: tuple[str, ...], value: Any, limit: int) -> Iterator[Problem]:
    if isinstance(value, str) and len(value) > limit:
        yield path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length."


def _too_many(path: tuple[str, ...], items: Any, limit: int) -> Iterator[Problem]:
    if isinstance(items, list) and len(items) > limit:
        yield path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length."


def embed_size(embed: dict[str, Any]) -> int:
    """Characters Discord counts toward the 6,000 total: title, description, field names
    and values, footer text and author name."""
    size = len(embed.get("title") or "") + len(embed.get("description") or "")
    for item in embed.get("fields") or []:
        size += len(item.get("name") or "") + len(item.get("value") or "")
    size += len((embed.get("footer") or {}).get("text") or "")
    size += len((embed.get("author") or {}).get("name") or "")
    return size


def embed_problems(embeds: Any, path: tuple[str, ...] = ("embeds",)) -> Iterator[Problem]:
    """Every limit a list of embeds breaks."""
    if not isinstance(embeds, list):
        return
    yield from _too_many(path, embeds, EMBEDS)
    for index, embed in enumerate(embeds):
        at = (*path, str(index))
        yield from _too_long((*at, "title"), embed.get("title"), EMBED_TITLE)
        yield from _too_long((*at, "description"), embed.get("description"), EMBED_DESCRIPTION)
        fields = embed.get("fields") or []
        yield from _too_many((*at, "fields"), fields, EMBED_FIELDS)
        for number, item in enumerate(fields):
            yield from _too_long((*at, "fields", str(number), "name"), item.get("name"), FIELD_NAME)
            yield from _too_long(
                (*at, "fields", str(number), "value"), item.get("value"), FIELD_VALUE
            )
        footer = embed.get("footer") or {}
        yield from _too_long((*at, "footer", "text"), footer.get("text"), FOOTER_TEXT)
        author = embed.get("author") or {}
        yield from _too_long((*at, "author", "name"), author.get("name"), AUTHOR_NAME)
    if sum(embed_size(e) for e in embeds) > EMBED_TOTAL:
        yield path, "MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {EMBED_TOTAL}"


def _component_problems(item: dict[str, Any], at: tuple[str, ...]) -> Iterator[Problem]:
    kind = item.get("type")
    yield from _too_long((*at, "custom_id"), item.get("custom_id"), CUSTOM_ID)
    if kind == BUTTON:
        yield from _too_long((*at, "label"), item.get("label"), BUTTON_LABEL)
    elif kind in SELECTS:
        yield from _too_long((*at, "placeholder"), item.get("placeholder"), PLACEHOLDER)
        options = item.get("options") or []
        yield from _too_many((*at, "options"), options, SELECT_OPTIONS)
        for number, option in enumerate(options):
            for key in ("label", "value", "description"):
                yield from _too_long((*at, "options", str(number), key), option.get(key), 100)
    elif kind == TEXT_INPUT:
        yield from _too_long((*at, "label"), item.get("label"), TEXT_INPUT_LABEL)
        yield from _too_long((*at, "value"), item.get("value"), TEXT_INPUT_VALUE)
        yield from _too_long((*at, "placeholder"), item.get("placeholder"), TEXT_INPUT_PLACEHOLDER)
    elif kind == LABEL:
        yield from _too_long((*at, "label"), item.get("label"), LABEL_TEXT)
        yield from _too_long((*at, "description"), item.get("description"), LABEL_DESCRIPTION)
        inner = item.get("component")
        if isinstance(inner, dict):
            yield from _component_problems(inner, (*at, "component"))


def component_problems(
    rows: Any, path: tuple[str, ...] = ("components",), *, max_rows: int = ACTION_ROWS
) -> Iterator[Problem]:
    """Every limit a message's (or modal's) action rows break."""
    if not isinstance(rows, list):
        return
    if len(rows) > max_rows:
        yield path, "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {max_rows} in length."
    for index, row in enumerate(rows):
        at = (*path, str(index))
        if row.get("type") != ACTION_ROW:
            yield from _component_problems(row, at)
            continue
        items = row.get("components") or []
        if not 1 <= len(items) <= ROW_ITEMS:
            yield (
                (*at, "components"),
                "BASE_TYPE_BAD_LENGTH",
                f"Must be between 1 and {ROW_ITEMS} in length.",
            )
        for number, item in enumerate(items):
            yield from _component_problems(item, (*at, "components", str(number)))


def message_problems(body: Any, path: tuple[str, ...] = ()) -> list[Problem]:
    """Every limit a message body (create, edit, followup, callback data) breaks."""
    if not isinstance(body, dict):
        return []
    problems = list(_too_long((*path, "content"), body.get("content"), CONTENT))
    problems += embed_problems(body.get("embeds"), (*path, "embeds"))
    problems += component_problems(body.get("components"), (*path, "components"))
    return problems


def choice_problems(choices: Any, path: tuple[str, ...] = ("data", "choices")) -> list[Problem]:
    """Every limit an autocomplete answer's choices break."""
    if not isinstance(choices, list):
        return []
    problems = list(_too_many(path, choices, CHOICES))
    for index, choice in enumerate(choices):
        at = (*path, str(index))
        problems += _too_long((*at, "name"), choice.get("name"), CHOICE_NAME)
        problems += _too_long((*at, "value"), choice.get("value"), CHOICE_VALUE)
    return problems


def modal_problems(data: Any, path: tuple[str, ...] = ("data",)) -> list[Problem]:
    """Every limit a modal breaks: title 45, custom_id 100, at most 5 rows of text inputs."""
    if not isinstance(data, dict):
        return []
    problems = list(_too_long((*path, "title"), data.get("title"), MODAL_TITLE))
    problems += _too_long((*path, "custom_id"), data.get("custom_id"), CUSTOM_ID)
    problems += component_problems(data.get("components"), (*path, "components"))
    return problems


def callback_problems(body: Any) -> list[Problem]:
    """Every limit an interaction callback breaks, by its type (4/7 message, 8 choices,
    9 modal); paths start at ``data`` as Discord's do."""
    if not isinstance(body, dict):
        return []
    kind = int(body.get("type") or 0)
    data = body.get("data")
    if kind in (4, 7):
        return message_problems(data, ("data",))
    if kind == 8:
        return choice_problems((data or {}).get("choices"))
    if kind == 9:
        return modal_problems(data)
    return []


def invalid_form_body(problems: list[Problem]) -> dict[str, Any]:
    """Discord's 50035 body: ``errors`` nested along each problem's path."""
    errors: dict[str, Any] = {}
    for path, code, message in problems:
        node = errors
        for key in path:
            node = node.setdefault(key, {})
        node.setdefault("_errors", []).append({"code": code, "message": message})
    return {"message": "Invalid Form Body", "code": 50035, "errors": errors}


# -- rate limits -----------------------------------------------------------------------------

#: Path segments that are major parameters: each value gets its own bucket, as on Discord.
MAJOR = {"channel", "guild", "token"}


@dataclass
class _Bucket:
    remaining: int
    resets_at: float


@dataclass
class Limited:
    """A request refused with 429: the body and headers to send."""

    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class RateLimits:
    """Per-route buckets (``limit`` requests per ``window`` seconds for each route and major
    parameter) and an optional global limit (``global_limit`` requests per second across
    every route but the interaction callbacks, which Discord exempts).

    Defaults are generous so a test hits them only when it really floods a route; set
    smaller values on the fake to test the bot's behaviour. ``clock`` is in seconds
    (monotonic); ``epoch`` gives ``X-RateLimit-Reset`` in Unix seconds.
    """

    limit: int = 50
    window: float = 1.0
    global_limit: int | None = None
    clock: Callable[[], float] = time.monotonic
    epoch: Callable[[], float] = time.time
    _buckets: dict[tuple[str, str], _Bucket] = field(default_factory=dict)
    _global: _Bucket | None = None

    @staticmethod
    def bucket_hash(method: str, pattern: list[str]) -> str:
        """A stable opaque bucket id per route (Discord's ``X-RateLimit-Bucket``)."""
        return hashlib.sha256(f"{method} {'/'.join(pattern)}".encode()).hexdigest()[:16]

    @staticmethod
    def major(params: dict[str, str]) -> str:
        return ":".join(f"{k}={v}" for k, v in sorted(params.items()) if k in MAJOR)

    def take(
        self, method: str, pattern: list[str], params: dict[str, str]
    ) -> tuple[Limited | None, dict[str, str]]:
        """Count one request. Returns the 429 to send (or None) and the headers for a
        successful answer."""
        now = self.clock()
        exempt = pattern[:1] == ["interactions"]
        if self.global_limit is not None and not exempt:
            if self._global is None or now >= self._global.resets_at:
                self._global = _Bucket(self.global_limit, now + 1.0)
            if self._global.remaining <= 0:
                retry = max(self._global.resets_at - now, 0.001)
                return self._limited(retry, scope="global"), {}
            self._global.remaining -= 1
        name = self.bucket_hash(method, pattern)
        key = (name, self.major(params))
        bucket = self._buckets.get(key)
        if bucket is None or now >= bucket.resets_at:
            bucket = self._buckets[key] = _Bucket(self.limit, now + self.window)
        reset_after = max(bucket.resets_at - now, 0.0)
        if bucket.remaining <= 0:
            limited = self._limited(max(reset_after, 0.001), scope="user")
            limited.headers |= self._headers(name, 0, reset_after)
            return limited, {}
        bucket.remaining -= 1
        return None, self._headers(name, bucket.remaining, reset_after)

    def _headers(self, name: str, remaining: int, reset_after: float) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": f"{self.epoch() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": name,
        }

    @staticmethod
    def _limited(retry_after: float, *, scope: str) -> Limited:
        return limited_response(retry_after, scope=scope)


def limited_response(retry_after: float, *, scope: str = "user") -> Limited:
    """Discord's 429: ``RatelimitedResponse`` body, ``Retry-After``, the scope, and the
    ``Via`` header Discord's edge adds (discord.py treats a 429 without it as a Cloudflare
    ban and gives up instead of retrying)."""
    is_global = scope == "global"
    headers = {
        "Retry-After": f"{retry_after:.3f}",
        "X-RateLimit-Scope": scope,
        "Via": "1.1 google",
    }
    if is_global:
        headers["X-RateLimit-Global"] = "true"
    body = {
        "message": "You are being rate limited.",
        "retry_after": round(retry_after, 3),
        "global": is_global,
        "code": 0,
    }
    return Limited(body=body, headers=headers)


class ManualClock:
    """The fake's default interaction clock: seconds that move only when a test says so,
    so the 3-second and 15-minute deadlines are tested without waiting."""

    def __init__(self, start: float = 0.0) -> None:
        self.value = start

    def __call__(self) -> float:
        return self.value

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds``."""
        self.value += seconds


#: Discord's interaction deadlines, in seconds.
ACK_DEADLINE = 3.0
TOKEN_LIFETIME = 15 * 60.0

UNKNOWN_INTERACTION = {"message": "Unknown interaction", "code": 10062}
INVALID_WEBHOOK_TOKEN = {"message": "Invalid Webhook Token", "code": 50027}
