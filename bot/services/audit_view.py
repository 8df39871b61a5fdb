"""The audit log as the dashboard shows it: newest first, members by display name,
details as readable ``key: value`` pairs with every phone number masked, filtered by
action (or its prefix) and member (name or id), one page at a time."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.services.relay_rules import mask_phone
from storage.engine import Database
from storage.queries import audit as audit_queries
from storage.queries import dashboard as q

AUDIT_PAGE_SIZE = 25
#: the longest filter texts kept (longer ones are cut)
ACTION_MAX, MEMBER_MAX = 64, 100

_PHONE_RE = re.compile(r"(?:whatsapp:)?\+[1-9][0-9]{6,14}")
_USER_TARGET = re.compile(r"user:([0-9]{1,20})")
_ID_KEY = re.compile(r"(?:^|_)(?:user|actor|member|captain|organizer)_id$|^user$")


def mask_phones(text: str) -> str:
    """``text`` with every E.164 number (optionally ``whatsapp:``-prefixed) masked."""
    return _PHONE_RE.sub(lambda m: mask_phone(m.group(0).removeprefix("whatsapp:")), text)


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


def _name(user_id: int, names: dict[int, str]) -> str:
    return names.get(user_id, f"#{user_id}")


def _text(value: Any, names: dict[int, str], *, is_id: bool = False) -> str:
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if is_id and isinstance(value, int):
        return _name(value, names)
    if value is None:
        return "–"
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_text(item, names)}" for key, item in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_text(item, names, is_id=is_id) for item in value)
    return mask_phones(str(value))


def readable_details(details: dict[str, Any], names: dict[int, str]) -> tuple[tuple[str, str], ...]:
    """``details`` as (key, value) texts: keys with spaces for underscores, member ids
    (``user_id``, ``captain_id``…) as names, lists joined, phone numbers masked."""
    return tuple(
        (
            mask_phones(str(key)).replace("_", " "),
            _text(value, names, is_id=bool(_ID_KEY.search(str(key)))),
        )
        for key, value in details.items()
    )


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
        names = await q.display_names(conn, sorted(_ids_in(rows)))
    lines = tuple(
        AuditLine(
            id=row.id,
            at=row.at,
            actor_id=row.actor_id,
            actor_name=None if row.actor_id is None else _name(row.actor_id, names),
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


def _target(target: str | None, names: dict[int, str]) -> str:
    if not target:
        return ""
    match = _USER_TARGET.fullmatch(target)
    if match:
        return _name(int(match.group(1)), names)
    return mask_phones(target)
