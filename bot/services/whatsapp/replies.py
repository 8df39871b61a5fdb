"""Inbound WhatsApp replies: the texts, and the answers to POINTS, TOP and NEXT.

``WhatsAppService.handle_inbound`` applies each inbound message; plain Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.config import CompetitionConfig
from bot.i18n import N_, normalize_locale
from bot.services.whatsapp.keywords import Keyword
from storage.queries import whatsapp as wa_queries

HELP_REPLY = N_(
    "Podium WhatsApp: reply POINTS for your team's points, TOP for this week's leaders, NEXT "
    "for the next announcement, STOP to unsubscribe, START to subscribe again."
)
STOPPED_REPLY = N_(
    "You are unsubscribed and will get no more messages. Reply START to subscribe again."
)
STARTED_REPLY = N_("You are subscribed again. Reply STOP at any time to unsubscribe.")
NOT_SUBSCRIBED_REPLY = N_(
    "This number is not linked to a competition member. Link it with /whatsapp link on Discord."
)
LINKED_REPLY = N_("Your number is linked to your Discord account. Reply STOP to unsubscribe.")
LINK_FAILED_REPLY = N_("That code is not valid for this number. Run /whatsapp link on Discord.")
POINTS_REPLY = N_("Your team {team} has {points} points this season.")
NO_TEAM_REPLY = N_("You are not in a team this season.")
POINTS_UNAVAILABLE_REPLY = N_("Points are not available on WhatsApp yet.")
TOP_UNAVAILABLE_REPLY = N_("This week's leaderboard is not available on WhatsApp yet.")
TOP_REPLY = N_("This week's top teams ({track}): {lines}")
NEXT_REPLY = N_("Next announcement: {when} — {preview}")
NOTHING_NEXT_REPLY = N_("Nothing is scheduled for you right now.")


PointsLookup = Callable[[Sequence[int]], Awaitable[Mapping[int, int]]]
TopLookup = Callable[[str], Awaitable[Sequence[tuple[str, int]]]]
NextLookup = Callable[[int | None, dt.datetime], Awaitable[tuple[dt.datetime, str] | None]]


@dataclass(frozen=True, slots=True)
class InboundReply:
    """The reply to an inbound message: a message id + params, in ``language``."""

    message: str
    language: str
    params: dict[str, Any] = field(default_factory=dict)


def reply_language(subscriber: wa_queries.SubscriberRow | None, body: str, default: str) -> str:
    if subscriber is not None:
        return normalize_locale(subscriber.language, default)
    if any("\u4e00" <= ch <= "\u9fff" for ch in body):
        return "zh_CN"
    return default


async def answer_data(
    competition: CompetitionConfig,
    keyword: Keyword,
    subscriber: wa_queries.SubscriberRow,
    language: str,
    now: dt.datetime,
    points: PointsLookup | None,
    top: TopLookup | None,
    next_item: NextLookup | None,
    team_of: Callable[[int], Awaitable[tuple[int, str, str] | None]] | None,
) -> InboundReply:
    user_id = subscriber.user_id or 0
    team = await team_of(user_id) if team_of is not None else None
    if keyword is Keyword.POINTS:
        if points is None:
            return InboundReply(POINTS_UNAVAILABLE_REPLY, language)
        if team is None:
            return InboundReply(NO_TEAM_REPLY, language)
        totals = await points([team[0]])
        return InboundReply(
            POINTS_REPLY, language, {"team": team[1], "points": totals.get(team[0], 0)}
        )
    if keyword is Keyword.TOP:
        if top is None:
            return InboundReply(TOP_UNAVAILABLE_REPLY, language)
        if team is None:
            return InboundReply(NO_TEAM_REPLY, language)
        leaders = await top(team[2])
        lines = "; ".join(f"{i}. {name} {score}" for i, (name, score) in enumerate(leaders, 1))
        return InboundReply(TOP_REPLY, language, {"track": team[2], "lines": lines or "—"})
    found = await next_item(user_id, now) if next_item is not None else None
    if found is None:
        return InboundReply(NOTHING_NEXT_REPLY, language)
    when, preview = found
    local = when.astimezone(competition.competition.tz)
    return InboundReply(
        NEXT_REPLY,
        language,
        {
            "when": local.strftime("%Y-%m-%d %H:%M ") + competition.competition.timezone,
            "preview": preview,
        },
    )
