"""Imports of store exports: a file checked into a preview (refused lines by number), then
applied or discarded; or, from the command line, streamed and applied in one pass.

Idempotent by (team, order id): an order seen before with the same values is unchanged; with
other values it is a correction that replaces the row and keeps the previous values in
``store_order_history``. A correction keeps the order's ``review`` (fraud decisions stand).
Daily aggregates replace the stored value of each (team, day, metric). One audit record
per applied import; the ``on_applied`` listeners are awaited after it commits.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.config.results import PlatformMapping
from bot.services.results import errors as e
from bot.services.results.base import ImportApplied, ResultsBase
from bot.services.results.files import Table, open_table
from bot.services.results.parsing import DailyChecker, OrderChecker, Refusal, TeamDirectory
from bot.services.results.writes import (
    ImportCounts,
    checked,
    count_values,
    diff_rows,
    file_digest,
    pack,
    unpack,
    write_rows,
)
from storage.queries import teams as team_queries
from storage.queries import web_auth as secret_queries
from storage.queries.results import imports as imports_q
from storage.queries.results import orders as orders_q
from storage.queries.results.imports import ResultsImportRow

log = logging.getLogger(__name__)

#: The largest file ``preview`` takes (a Discord upload); the command line streams any size.
MAX_RESULTS_BYTES = 8 * 1024 * 1024
BATCH = 5000
YIELD_EVERY = 256
BUYER_KEY_NAME = "results_buyer_hash"

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """An import's preview or outcome. ``id`` is None for a command-line dry run (nothing
    stored). ``refused`` holds the first refused lines; ``rows_refused`` counts them all."""

    id: int | None
    kind: str
    platform: str
    filename: str
    status: str
    rows_total: int
    rows_new: int
    rows_corrected: int
    rows_unchanged: int
    rows_refused: int
    refused: tuple[Refusal, ...]
    team_ids: frozenset[int] = frozenset()


@dataclass(slots=True)
class ResultsImports(ResultsBase):
    """Previews, applies and discards imports of store exports."""

    _buyer_key: bytes | None = field(default=None, init=False, repr=False)

    async def buyer_key(self) -> bytes:
        """The key of buyer hashes: generated once, kept in the database (``web_secrets``)."""
        if self._buyer_key is None:
            async with self.db.write() as conn:
                await secret_queries.put_secret_once(
                    conn, BUYER_KEY_NAME, secrets.token_hex(32), self.clock.now()
                )
                stored = await secret_queries.get_secret(conn, BUYER_KEY_NAME)
            if stored is None:  # pragma: no cover - put_secret_once just stored one
                raise RuntimeError("the buyer hash key could not be stored")
            self._buyer_key = bytes.fromhex(stored)
        return self._buyer_key

    def _platform(self, name: str) -> PlatformMapping:
        platform = self.config.platforms.get(name)
        if platform is None:
            raise e.UnknownPlatform(platform=name[:40], known=", ".join(self.config.platforms))
        return platform

    async def _directory(self, conn: AsyncConnection) -> TeamDirectory:
        rows = await team_queries.names(conn, self.season)
        return TeamDirectory({r.name_key: r.id for r in rows}, {r.id: r.name for r in rows})

    def _checker(
        self,
        table: Table,
        name: str,
        platform: PlatformMapping,
        directory: TeamDirectory,
        team: str | None,
        key: bytes,
    ) -> OrderChecker | DailyChecker:
        team_id = None
        if team is not None:
            team_id = directory.find(team.strip())
            if team_id is None:
                raise e.ResultsTeamNotFound(team=team[:64])
        tz = ZoneInfo(platform.timezone) if platform.timezone else self.timezone
        try:
            if platform.kind == "daily":
                return DailyChecker(
                    table.header, platform, self.config, self.season, directory, team_id
                )
            return OrderChecker(
                table.header, platform, self.config, tz, self.season, directory, team_id, key
            )
        except e.ResultsMissingColumns as missing:
            raise e.ResultsMissingColumns(
                columns=missing.params["columns"], platform=name
            ) from None

    async def preview(
        self,
        *,
        actor_id: int | None,
        platform: str,
        filename: str,
        data: bytes,
        team: str | None = None,
    ) -> ImportSummary:
        """Check a file (up to ``MAX_RESULTS_BYTES``) and store it as a preview: counts of
        new, corrected and unchanged rows, refused lines with their reasons. Nothing of the
        store data changes until ``apply``."""
        mapping = self._platform(platform)
        if len(data) > MAX_RESULTS_BYTES:
            raise e.ResultsFileTooLarge(size=MAX_RESULTS_BYTES // (1024 * 1024))
        table = open_table(data)
        key = await self.buyer_key()
        counts = ImportCounts()
        async with self.db.read() as conn:
            directory = await self._directory(conn)
        checker = self._checker(table, platform, mapping, directory, team, key)

        def check_all() -> list[dict[str, Any]]:
            return [row for _line, item in checked(table, checker, counts) for row in item]

        # Checking is pure computation: a thread keeps the bot's event loop responsive
        # (Discord heartbeats) while a big file is read, and no transaction is held.
        accepted = await asyncio.to_thread(check_all)
        if not accepted and not counts.refused_total:
            raise e.ResultsNoRows()
        async with self.db.read() as conn:
            for offset in range(0, len(accepted), BATCH):
                await diff_rows(
                    conn, self.season, mapping.kind, accepted[offset : offset + BATCH], counts
                )
        async with self.db.write() as conn:
            import_id = await imports_q.create(
                conn, **self._import_values(mapping.kind, platform, filename, data, actor_id)
            )
            await imports_q.update_import(conn, import_id, **count_values(counts))
            await imports_q.stage(conn, import_id, pack(accepted), self.clock.now())
            stored = _present(await imports_q.get(conn, import_id))
        return _summary(stored, counts.teams)

    def _import_values(
        self, kind: str, platform: str, filename: str, data: bytes | str, actor_id: int | None
    ) -> dict[str, Any]:
        digest = data if isinstance(data, str) else hashlib.sha256(data).hexdigest()
        return {
            "season": self.season,
            "kind": kind,
            "platform": platform,
            "filename": filename[:200],
            "sha256": digest,
            "status": "preview",
            "refused": [],
            "created_by": actor_id,
            "created_at": self.clock.now(),
        }

    async def summary(self, import_id: int) -> ImportSummary:
        """A stored import by id (to redraw its preview); raises ResultsImportNotFound."""
        async with self.db.read() as conn:
            stored = await imports_q.get(conn, import_id)
        if stored is None or stored.season != self.season:
            raise e.ResultsImportNotFound(import_id=import_id)
        return _summary(stored, frozenset())

    async def apply(self, *, actor_id: int | None, import_id: int) -> ImportSummary:
        """Write a preview's rows (new ones added, corrections replacing earlier rows with
        their history), mark it applied and audit it, all in one transaction; then await
        the ``on_applied`` listeners. Refused when it was applied or discarded already."""
        counts = ImportCounts()
        async with self.db.write() as conn, orders_q.import_tuning(conn):
            stored = await self._undecided(conn, import_id)
            packed = await imports_q.staged(conn, import_id)
            rows = unpack(packed or b"", stored.kind)
            now = self.clock.now()
            for offset in range(0, len(rows), BATCH):
                batch = rows[offset : offset + BATCH]
                await write_rows(conn, self.season, stored.kind, batch, import_id, counts, now)
            await imports_q.decide(
                conn,
                import_id,
                status="applied",
                now=now,
                rows_new=counts.new,
                rows_corrected=counts.corrected,
                rows_unchanged=counts.unchanged,
            )
            await imports_q.unstage(conn, import_id)
            await self._audit_applied(conn, actor_id, stored, counts)
            decided = _present(await imports_q.get(conn, import_id))
        await self._notify(
            ImportApplied(self.season, import_id, stored.kind, frozenset(counts.teams))
        )
        return _summary(decided, counts.teams)

    async def discard(self, *, actor_id: int | None, import_id: int) -> ImportSummary:
        """Drop a preview: nothing of it is written. Audited."""
        async with self.db.write() as conn:
            stored = await self._undecided(conn, import_id)
            await imports_q.decide(conn, import_id, status="discarded", now=self.clock.now())
            await imports_q.unstage(conn, import_id)
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="results.import_discard",
                target=f"results_import:{import_id}",
                details={"file": stored.filename, "platform": stored.platform},
            )
            decided = _present(await imports_q.get(conn, import_id))
        return _summary(decided, frozenset())

    async def _undecided(self, conn: AsyncConnection, import_id: int) -> ResultsImportRow:
        stored = await imports_q.get(conn, import_id, lock=True)
        if stored is None or stored.season != self.season:
            raise e.ResultsImportNotFound(import_id=import_id)
        if stored.status == "applied":
            raise e.ResultsImportApplied(import_id=import_id)
        if stored.status != "preview":
            raise e.ResultsImportDiscarded(import_id=import_id)
        return stored

    async def _audit_applied(
        self,
        conn: AsyncConnection,
        actor_id: int | None,
        stored: ResultsImportRow,
        counts: ImportCounts,
    ) -> None:
        await self.audit.record(
            conn,
            actor_id=actor_id,
            action="results.import",
            target=f"results_import:{stored.id}",
            details={
                "file": stored.filename,
                "platform": stored.platform,
                "kind": stored.kind,
                "sha256": stored.sha256,
                "new": counts.new,
                "corrected": counts.corrected,
                "unchanged": counts.unchanged,
                "refused": stored.rows_refused,
                "teams": len(counts.teams),
            },
        )

    async def _flush(
        self,
        conn: AsyncConnection,
        kind: str,
        batch: list[dict[str, Any]],
        import_id: int | None,
        counts: ImportCounts,
    ) -> None:
        if not batch:
            return
        if import_id is None:
            await diff_rows(conn, self.season, kind, batch, counts)
        else:
            await write_rows(conn, self.season, kind, batch, import_id, counts, self.clock.now())

    async def _stream(
        self,
        conn: AsyncConnection,
        table: Table,
        checker: OrderChecker | DailyChecker,
        kind: str,
        import_id: int | None,
        counts: ImportCounts,
        progress: Progress | None,
    ) -> None:
        """Check the file's lines and flush them in batches. One batch is written while the
        next one is checked: the database works in its driver's thread (or socket) in the
        meantime, and the loop yields now and then so the write moves on."""
        batch: list[dict[str, Any]] = []
        line = 0
        writing: asyncio.Task[None] | None = None
        try:
            for line, item in checked(table, checker, counts):
                batch.extend(item)
                if line % YIELD_EVERY == 0:
                    await asyncio.sleep(0)
                if len(batch) >= BATCH:
                    if writing is not None:
                        await writing
                    writing = asyncio.create_task(self._flush(conn, kind, batch, import_id, counts))
                    batch = []
                    if progress is not None:
                        progress(line - 1, table.rows)
            if writing is not None:
                await writing
            await self._flush(conn, kind, batch, import_id, counts)
        finally:
            # A line that cannot be read ends the import: the write in flight finishes
            # before the transaction rolls back.
            if writing is not None:
                await asyncio.wait({writing})
        if progress is not None:
            progress(max(line - 1, table.rows), table.rows)

    async def import_file(
        self,
        *,
        path: Path,
        platform: str,
        team: str | None = None,
        apply: bool,
        actor_id: int | None = None,
        progress: Progress | None = None,
    ) -> ImportSummary:
        """The command line's import: stream a file of any size in batches, checking each
        line; with ``apply``, write the good lines as ``apply`` would, in one transaction
        (audited, listeners awaited); without, only count (nothing is stored)."""
        mapping = self._platform(platform)
        table = open_table(path)
        key = await self.buyer_key()
        counts = ImportCounts()
        digest = await file_digest(path)
        async with (
            self.db.write() if apply else self.db.read() as conn,
            orders_q.import_tuning(conn) if apply else nullcontext(),
        ):
            checker = self._checker(
                table, platform, mapping, await self._directory(conn), team, key
            )
            import_id = None
            if apply:
                values = self._import_values(mapping.kind, platform, path.name, digest, actor_id)
                import_id = await imports_q.create(conn, **values)
            now = self.clock.now()
            await self._stream(conn, table, checker, mapping.kind, import_id, counts, progress)
            if not (counts.new + counts.corrected + counts.unchanged + counts.refused_total):
                raise e.ResultsNoRows()  # rolls the import's row back
            if import_id is None:
                return _dry_summary(mapping.kind, platform, path.name, counts)
            await imports_q.update_import(conn, import_id, **count_values(counts))
            await imports_q.decide(conn, import_id, status="applied", now=now)
            stored = _present(await imports_q.get(conn, import_id))
            await self._audit_applied(conn, actor_id, stored, counts)
        await self._notify(
            ImportApplied(self.season, import_id, mapping.kind, frozenset(counts.teams))
        )
        return _summary(stored, counts.teams)


def _present(row: ResultsImportRow | None) -> ResultsImportRow:
    if row is None:  # pragma: no cover - read back inside the transaction that wrote it
        raise RuntimeError("a results import vanished inside its own transaction")
    return row


def _summary(stored: ResultsImportRow, teams: set[int] | frozenset[int]) -> ImportSummary:
    return ImportSummary(
        id=stored.id,
        kind=stored.kind,
        platform=stored.platform,
        filename=stored.filename,
        status=stored.status,
        rows_total=stored.rows_total,
        rows_new=stored.rows_new,
        rows_corrected=stored.rows_corrected,
        rows_unchanged=stored.rows_unchanged,
        rows_refused=stored.rows_refused,
        refused=tuple(
            Refusal(int(r["line"]), str(r["message"]), dict(r["params"])) for r in stored.refused
        ),
        team_ids=frozenset(teams),
    )


def _dry_summary(kind: str, platform: str, filename: str, counts: ImportCounts) -> ImportSummary:
    values = count_values(counts)
    return ImportSummary(
        id=None,
        kind=kind,
        platform=platform,
        filename=filename,
        status="dry-run",
        rows_total=values["rows_total"],
        rows_new=counts.new,
        rows_corrected=counts.corrected,
        rows_unchanged=counts.unchanged,
        rows_refused=counts.refused_total,
        refused=tuple(counts.refused),
        team_ids=frozenset(counts.teams),
    )
