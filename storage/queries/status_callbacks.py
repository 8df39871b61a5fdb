"""Status callbacks' group commit on SQLite: receipts, rows and moves in one driver call.

The same three statements as ``whatsapp.record_receipts``, ``relay.lock_statuses`` and
``relay.set_statuses``, written for the sqlite3 connection itself (run through
``storage.writer_thread.write_in_thread``, so the whole transaction is one round trip to
the driver's thread, with plain tuples and no per-row parameter or result processing).
What moves where is decided by the caller's ``decide``; this module only reads and
writes.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Sequence
from typing import TypeVar

from storage.queries.relay import StatusChange
from storage.writer_thread import sqlite_time

_R = TypeVar("_R")

#: (status, twilio sid) of outbox rows by id, as ``relay.lock_statuses`` returns them.
Rows = dict[int, tuple[str, str | None]]

_SET_STATUS = (
    "UPDATE outbox SET status = ?, twilio_sid = coalesce(twilio_sid, ?),"
    " error_code = coalesce(?, error_code), status_at = ?, updated_at = ?"
    " WHERE id = ? AND status = ?"
)


def apply(
    conn: sqlite3.Connection,
    *,
    kind: str,
    receipts: Sequence[tuple[str, int]],
    at: dt.datetime,
    decide: Callable[[set[str], Rows], tuple[_R, Sequence[StatusChange]]],
) -> _R:
    """Record the receipts (key, outbox row id) not yet recorded, read the rows of the new
    ones, and write the moves ``decide(new keys, rows)`` returns with its result; that
    result. Call it inside one transaction (``write_in_thread``)."""
    now = sqlite_time(at)
    keys = sorted({key[:80] for key, _ in receipts})  # the order record_receipts uses
    fresh: set[str] = set()
    if keys:
        values = ", ".join(["(?, ?, ?)"] * len(keys))
        params: list[str] = []
        for key in keys:
            params += (kind, key, now)
        fresh = {
            str(row[0])
            for row in conn.execute(
                f"INSERT INTO webhook_receipts (kind, key, received_at) VALUES {values}"  # noqa: S608 - placeholders only
                " ON CONFLICT (kind, key) DO NOTHING RETURNING key",
                params,
            )
        }
    ids = sorted({row_id for key, row_id in receipts if key[:80] in fresh})
    rows: Rows = {}
    if ids:
        marks = ", ".join(["?"] * len(ids))
        rows = {
            int(row[0]): (str(row[1]), row[2])
            for row in conn.execute(
                f"SELECT id, status, twilio_sid FROM outbox WHERE id IN ({marks})",  # noqa: S608 - placeholders only
                ids,
            )
        }
    result, changes = decide(fresh, rows)
    set_statuses(conn, changes, now=now)
    return result


def set_statuses(conn: sqlite3.Connection, changes: Sequence[StatusChange], *, now: str) -> None:
    """``relay.set_statuses`` on the sqlite3 connection (``now`` as ``sqlite_time``)."""
    if changes:
        conn.executemany(
            _SET_STATUS,
            [(c.status, c.sid, c.error_code, now, now, c.row_id, c.expected) for c in changes],
        )
