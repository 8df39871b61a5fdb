"""The audit log as the dashboard shows it: newest first, members by display name,
details as readable ``key: value`` pairs with every phone number masked, filtered by
action (or its prefix) and member (name or id), one page at a time."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.services.audit import mask_phones
from storage.engine import Database
from storage.queries import audit as audit_queries
from storage.queries import dashboard as q

AUDIT_PAGE_SIZE = 25
#: the longest filter texts kept (longer ones are cut)
ACTION_MAX, MEMBER_MAX = 64, 100

_USER_TARGET = re.compile(r"user:([0-9]{1,20})")
_TEAM_TARGET = re.compile(r"team:([0-9]{1,20})")
_ID_KEY = re.compile(r"(?:^|_)(?:user|actor|member|captain|organizer|host)_id$|^user$")
_ISO_INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}")


@dataclass(frozen=True, slots=True)
class AuditLine:
    """An audit record for organizers: ``actor_name`` None means the bot itself, else
    the member's display name (``#<id>`` when the members table has no row); ``details``
    are (key, value) texts, phone numbers masked."""

    id: int
    at: dt.datetime
    actor_id: int | None
    actor_name: str | None
    action: str
    target: str
    details: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class AuditView:
    """One page (1-based) of the filtered log. ``member_matches`` is how many members
    the member filter matched (None without one)."""

    lines: tuple[AuditLine, ...]
    page: int
    pages: int
    total: int
    action: str
    member: str
    member_matches: int | None


def clean_filter(text: str | None, limit: int) -> str:
    """A filter text trimmed, control characters dropped, at most ``limit`` characters."""
    return "".join(ch for ch in (text or "") if ch.isprintable()).strip()[:limit]


@dataclass(frozen=True, slots=True)
class Names:
    """What ids and instants in audit records are shown as: members' display names,
    team names, and the competition's timezone."""

    members: dict[int, str]
    teams: dict[int, str]
    tz: ZoneInfo

    def member(self, user_id: int) -> str:
        """The member's display name, ``#<id>`` without a members row."""
        return self.members.get(user_id, f"#{user_id}")

    def local(self, instant: dt.datetime) -> str:
        """``instant`` in the competition's timezone, to the minute."""
        return instant.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")


def _instant(text: str, names: Names) -> str | None:
    if not _ISO_INSTANT.match(text):
        return None
    try:
        instant = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return names.local(instant) if instant.tzinfo is not None else None


def _text(value: Any, names: Names, *, is_id: bool = False) -> str:
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if is_id and isinstance(value, int):
        return names.member(value)
    if value is None:
        return "–"
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_text(item, names)}" for key, item in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_text(item, names, is_id=is_id) for item in value)
    text = str(value)
    return _instant(text, names) or mask_phones(text)


def readable_details(details: dict[str, Any], names: Names) -> tuple[tuple[str, str], ...]:
    """``details`` as (key, value) texts: keys with spaces for underscores, member ids
    (``user_id``, ``host_id``…) as names, ISO instants in the competition's time, lists
    joined, phone numbers masked."""
    return tuple(
        (
            mask_phones(str(key)).replace("_", " "),
            _text(value, names, is_id=bool(_ID_KEY.search(str(key)))),
        )
        for key, value in details.items()
    )


def _team_ids_in(rows: Iterable[audit_queries.AuditRow]) -> set[int]:
    return {
        int(match.group(1))
        for row in rows
        if row.target and (match := _TEAM_TARGET.fullmatch(row.target))
    }


def _ids_in(rows: Iterable[audit_queries.AuditRow]) -> set[int]:
    ids: set[int] = set()
    for row in rows:
        if row.actor_id is not None:
            ids.add(row.actor_id)
        if row.target and (match := _USER_TARGET.fullmatch(row.target)):
            ids.add(int(match.group(1)))
        for key, value in row.details.items():
            if _ID_KEY.search(str(key)):
                values = value if isinstance(value, list) else [value]
                ids.update(v for v in values if isinstance(v, int) and not isinstance(v, bool))
    return ids


async def audit_view(
    db: Database,
    tz: ZoneInfo,
    *,
    page: int = 1,
    action: str | None = None,
    member: str | None = None,
    per_page: int = AUDIT_PAGE_SIZE,
) -> AuditView:
    """One page of the audit log, newest first, ``page`` clamped to the pages there are.

    ``action`` matches an action or its prefix (``team`` matches ``team.admin_move``);
    ``member`` is a user id (digits) or part of display names (case-insensitive), and
    matches records the member did or that target them."""
    action_text = clean_filter(action, ACTION_MAX).lower()
    member_text = clean_filter(member, MEMBER_MAX)
    async with db.read() as conn:
        user_ids: list[int] | None = None
        if member_text:
            user_ids = await q.members_named(conn, member_text)
            if member_text.isascii() and member_text.isdigit() and len(member_text) <= 20:
                user_ids.append(int(member_text))
        total = await audit_queries.count(conn, action=action_text or None, user_ids=user_ids)
        pages = max(1, -(-total // per_page))
        current = min(max(1, page), pages)
        rows = await audit_queries.page(
            conn,
            offset=(current - 1) * per_page,
            limit=per_page,
            action=action_text or None,
            user_ids=user_ids,
        )
        names = Names(
            members=await q.display_names(conn, sorted(_ids_in(rows))),
            teams=await q.team_names(conn, sorted(_team_ids_in(rows))),
            tz=tz,
        )
    lines = tuple(
        AuditLine(
            id=row.id,
            at=row.at,
            actor_id=row.actor_id,
            actor_name=None if row.actor_id is None else names.member(row.actor_id),
            action=row.action,
            target=_target(row.target, names),
            details=readable_details(row.details, names),
        )
        for row in rows
    )
    return AuditView(
        lines=lines,
        page=current,
        pages=pages,
        total=total,
        action=action_text,
        member=member_text,
        member_matches=None if user_ids is None else len(user_ids),
    )


def _target(target: str | None, names: Names) -> str:
    """A ``user:<id>`` target as the member's name, ``team:<id>`` as the team's name."""
    if not target:
        return ""
    if match := _USER_TARGET.fullmatch(target):
        return names.member(int(match.group(1)))
    if (match := _TEAM_TARGET.fullmatch(target)) and int(match.group(1)) in names.teams:
        return names.teams[int(match.group(1))]
    return mask_phones(target)
