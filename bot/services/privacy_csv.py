"""The organizers' CSV export (``podium export DIR``): its files, their columns, and their
rows with phone numbers masked."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from typing import Any

from bot.services.outbox import mask_phone
from storage.engine import Database
from storage.queries import privacy as q

#: The CSV files of ``podium export DIR`` and their header rows.
CSV_FILES: dict[str, tuple[str, ...]] = {
    "teams.csv": (
        "id",
        "season",
        "name",
        "track",
        "captain_id",
        "members",
        "created_at",
        "disbanded_at",
    ),
    "members.csv": (
        "user_id",
        "display_name",
        "locale",
        "cohort_key",
        "team_id",
        "whatsapp",
        "whatsapp_opted_out_at",
        "first_seen_at",
        "last_seen_at",
        "left_guild_at",
    ),
    "ledger.csv": (
        "id",
        "season",
        "week_key",
        "team_id",
        "user_id",
        "amount",
        "reason",
        "source",
        "reference",
        "reverses_id",
        "actor_id",
        "at",
    ),
    "votes.csv": (
        "id",
        "contest_id",
        "submission_id",
        "voter_id",
        "created_at",
        "voided_at",
        "voided_by",
        "void_reason",
    ),
    "submissions.csv": (
        "id",
        "contest_id",
        "team_id",
        "user_id",
        "title",
        "url",
        "attachment_name",
        "created_at",
        "updated_at",
        "withdrawn_at",
    ),
    "deliveries.csv": (
        "channel",
        "id",
        "occurrence_key",
        "recipient",
        "kind",
        "status",
        "error",
        "at",
    ),
}


async def csv_rows(db: Database, season: str, name: str) -> AsyncIterator[list[str]]:
    """The data rows of CSV file ``name`` (a key of ``CSV_FILES``), streamed in the
    header's column order: times in ISO 8601 UTC, empty cells for NULL, phone numbers
    masked (``mask_phone``); ``season`` is the one whose teams ``members.csv`` shows."""
    header = CSV_FILES[name]
    transform: Callable[[dict[str, Any]], dict[str, Any]] = _same
    async with db.read() as conn:
        if name == "teams.csv":
            rows = q.stream_teams(conn)
        elif name == "members.csv":
            rows = q.stream_members(conn, season)
            transform = _member_row
        elif name == "ledger.csv":
            rows = q.stream_ledger(conn)
        elif name == "votes.csv":
            rows = q.stream_votes(conn)
        elif name == "submissions.csv":
            rows = q.stream_submissions(conn)
        elif name == "deliveries.csv":
            rows = q.stream_deliveries(conn)
            transform = _delivery_row
        else:
            raise KeyError(name)
        async for row in rows:
            shaped = transform(row)
            yield [_csv_cell(shaped.get(column)) for column in header]


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    return str(value)


def _same(row: dict[str, Any]) -> dict[str, Any]:
    return row


def _masked(phone: str | None) -> str | None:
    if phone is None or not phone.startswith("+"):
        return None if phone is None else "(erased)"
    return mask_phone(phone)


def _member_row(row: dict[str, Any]) -> dict[str, Any]:
    shaped = dict(row)
    shaped["whatsapp"] = _masked(row.get("phone_e164"))
    shaped["whatsapp_opted_out_at"] = row.get("opted_out_at")
    return shaped


def _delivery_row(row: dict[str, Any]) -> dict[str, Any]:
    shaped = dict(row)
    if row["channel"] == "whatsapp":
        shaped["recipient"] = _masked(row["recipient"])
    return shaped
