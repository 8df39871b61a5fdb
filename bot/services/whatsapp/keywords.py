"""Inbound WhatsApp keywords: reading a message's text as HELP, STOP, START, LINK <code>…"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass


class Keyword(enum.Enum):
    """Inbound WhatsApp keywords (SPEC §3.7)."""

    HELP = "help"
    STOP = "stop"
    START = "start"
    POINTS = "points"
    TOP = "top"
    NEXT = "next"
    LINK = "link"
    UNKNOWN = "unknown"


_ALIASES: dict[str, Keyword] = {
    "help": Keyword.HELP,
    "info": Keyword.HELP,
    "帮助": Keyword.HELP,
    "stop": Keyword.STOP,
    "unsubscribe": Keyword.STOP,
    "stopall": Keyword.STOP,
    "cancel": Keyword.STOP,
    "end": Keyword.STOP,
    "quit": Keyword.STOP,
    # Twilio's own opt-out list also has these: a number that sends one is blocked there
    # (21610), so Podium must count it as opted out too, or it would keep queueing.
    "optout": Keyword.STOP,
    "revoke": Keyword.STOP,
    "退订": Keyword.STOP,
    "取消订阅": Keyword.STOP,
    "start": Keyword.START,
    "subscribe": Keyword.START,
    "unstop": Keyword.START,
    "yes": Keyword.START,  # Twilio lifts its block on YES as on START and UNSTOP
    "订阅": Keyword.START,
    "points": Keyword.POINTS,
    "积分": Keyword.POINTS,
    "top": Keyword.TOP,
    "排行": Keyword.TOP,
    "排行榜": Keyword.TOP,
    "next": Keyword.NEXT,
    "下一个": Keyword.NEXT,
    "预告": Keyword.NEXT,
    "link": Keyword.LINK,
    "绑定": Keyword.LINK,
}
_LINK_RE = re.compile(r"^(?:link|绑定)\s*[:：]?\s*(\d{6})$")


@dataclass(frozen=True, slots=True)
class ParsedInbound:
    """An inbound message read as a keyword; ``code`` for ``LINK 123456``."""

    keyword: Keyword
    code: str | None = None


def parse_inbound(body: str) -> ParsedInbound:
    """Read an inbound text: case-insensitive, full-width forms folded, trailing
    punctuation ignored. ``LINK 123456`` carries a code; anything else is UNKNOWN."""
    text = unicodedata.normalize("NFKC", body or "").strip().casefold()
    text = text.strip(" .!?。！？")
    link = _LINK_RE.match(text)
    if link:
        return ParsedInbound(Keyword.LINK, link.group(1))
    keyword = _ALIASES.get(text)
    if keyword is None or keyword is Keyword.LINK:
        return ParsedInbound(Keyword.UNKNOWN)
    return ParsedInbound(keyword)
