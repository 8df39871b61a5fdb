"""CSV imports of points: check a file into a stored preview, then confirm or cancel it."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.services.audit import AuditService
from bot.services.points.base import PointsBase, present
from bot.services.points.csv_file import parse_int, read_csv
from bot.services.points.errors import (
    ROW_BAD_MEMBER,
    ROW_BAD_POINTS,
    ROW_BAD_REASON,
    ROW_DUPLICATE_KEY,
    ROW_KEY_TOO_LONG,
    ROW_NO_TEAM,
    ROW_NOT_MEMBER,
    ROW_OVER_CAP,
    ROW_UNKNOWN_TEAM,
    FileAlreadyImported,
    FileTooLarge,
    ImportAlreadyCancelled,
    ImportAlreadyDecided,
    ImportAlreadyImported,
    ImportNotFound,
    ImportOutdated,
    NothingToImport,
    TeamNotFound,
    WeeklyCapReached,
)
from bot.services.points.ledger import MAX_AMOUNT, MAX_REASON, LedgerService
from bot.services.points.models import ImportPreview, RowProblem
from storage.queries import teams as team_queries
from storage.queries.points import imports as imports_q
from storage.queries.points import ledger as ledger_q
from storage.queries.points.imports import ImportRow
from storage.queries.teams import TeamRow

log = logging.getLogger(__name__)

MAX_ROW_KEY = 100
MAX_IMPORT_BYTES = 2 * 1024 * 1024

_MEMBER = re.compile(r"^<@!?(\d{1,21})>$|^(\d{1,21})$")


def file_hash(data: bytes) -> str:
    """The SHA-256 of a file's bytes, in hex: an import file's identity."""
    return hashlib.sha256(data).hexdigest()


@dataclass(slots=True)
class ImportService(PointsBase):
    """Checks points CSV files and adds confirmed ones to the ledger, all or nothing."""

    audit: AuditService
    ledger: LedgerService

    async def preview_import(
        self, *, actor_id: int | None, file_name: str, data: bytes
    ) -> ImportPreview:
        """Check a points CSV and store it as a preview (nothing is added yet).

        Columns: team (name or id), points, reason, optional member (user id or mention),
        optional key (the row's identity: a key already imported is skipped). A file
        already imported this season is reported as such; confirming it is refused.
        """
        if len(data) > MAX_IMPORT_BYTES:
            raise FileTooLarge(size=MAX_IMPORT_BYTES // (1024 * 1024))
        digest = file_hash(data)
        records = read_csv(data)
        async with self.db.write() as conn:
            await self._ensure_open(conn)
            rows, problems, skipped = await self._check_rows(conn, records, digest)
            done = await imports_q.imported_file(conn, self.season, digest)
            import_id = await imports_q.create_import(
                conn,
                season=self.season,
                file_hash=digest,
                file_name=file_name[:200],
                rows=rows,
                errors=[
                    {"line": p.line, "message": p.message, "params": p.params} for p in problems
                ]
                + [{"skipped": skipped}],
                actor_id=actor_id,
                now=self.clock.now(),
            )
            stored = present(await imports_q.get_import(conn, import_id))
        return _preview(stored, done)

    async def import_preview(self, import_id: int) -> ImportPreview:
        """A stored preview by id (e.g. to redraw it); raises ImportNotFound."""
        async with self.db.read() as conn:
            stored = await imports_q.get_import(conn, import_id)
            if stored is None or stored.season != self.season:
                raise ImportNotFound(import_id=import_id)
            done = await imports_q.imported_file(conn, self.season, stored.file_hash)
        return _preview(stored, done)

    async def _check_rows(
        self, conn: AsyncConnection, records: list[tuple[int, dict[str, str]]], digest: str
    ) -> tuple[list[dict[str, Any]], list[RowProblem], int]:
        problems: list[RowProblem] = []
        valid: list[dict[str, Any]] = []
        seen_keys: dict[str, int] = {}
        team_cache: dict[str, TeamRow | None] = {}
        for line, record in records:
            team_text = (record.get("team") or "").strip()
            points_text = (record.get("points") or "").strip()
            reason = " ".join((record.get("reason") or "").split())
            member_text = (record.get("member") or "").strip()
            key = (record.get("key") or "").strip()
            problem: tuple[str, dict[str, Any]] | None = None
            team: TeamRow | None = None
            if not team_text:
                problem = (ROW_NO_TEAM, {})
            else:
                if team_text not in team_cache:
                    try:
                        team_cache[team_text] = await self._team_by_text(conn, team_text)
                    except TeamNotFound:
                        team_cache[team_text] = None
                team = team_cache[team_text]
                if team is None:
                    problem = (ROW_UNKNOWN_TEAM, {"team": team_text[:64]})
            amount = parse_int(points_text)
            user_id: int | None = None
            if problem is None and (amount is None or amount == 0 or abs(amount) > MAX_AMOUNT):
                problem = (ROW_BAD_POINTS, {"limit": MAX_AMOUNT, "value": points_text[:20]})
            if problem is None and (not reason or len(reason) > MAX_REASON):
                problem = (ROW_BAD_REASON, {"limit": MAX_REASON})
            if problem is None and member_text:
                match = _MEMBER.match(member_text)
                if match is None:
                    problem = (ROW_BAD_MEMBER, {"member": member_text[:40]})
                else:
                    user_id = int(match[1] or match[2])
                    if team is not None and user_id not in await team_queries.member_ids(
                        conn, team.id
                    ):
                        problem = (ROW_NOT_MEMBER, {"member": user_id, "team": team.name})
            if problem is None and len(key) > MAX_ROW_KEY:
                problem = (ROW_KEY_TOO_LONG, {"limit": MAX_ROW_KEY})
            if problem is None and key:
                if key in seen_keys:
                    problem = (ROW_DUPLICATE_KEY, {"key": key, "line": seen_keys[key]})
                else:
                    seen_keys[key] = line
            if problem is not None or team is None or amount is None:
                problems.append(RowProblem(line, *(problem or (ROW_NO_TEAM, {}))))
                continue
            valid.append(
                {
                    "line": line,
                    "team_id": team.id,
                    "team": team.name,
                    "amount": amount,
                    "reason": reason,
                    "user_id": user_id,
                    "reference": f"key:{key}" if key else f"file:{digest}:{line}",
                }
            )
        used = await ledger_q.references_used(
            conn, season=self.season, source="import", references=[r["reference"] for r in valid]
        )
        fresh = [row for row in valid if row["reference"] not in used]
        fresh, cap_problems = await self._check_caps(conn, fresh)
        problems.extend(cap_problems)
        problems.sort(key=lambda p: p.line)
        return fresh, problems, len(valid) - len(fresh) - len(cap_problems)

    async def _check_caps(
        self, conn: AsyncConnection, rows: list[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], list[RowProblem]]:
        cap = self.competition.points.weekly_cap("import")
        if cap is None:
            return rows, []
        week = self.current_week()
        running: dict[int, int] = {}
        kept: list[dict[str, Any]] = []
        problems: list[RowProblem] = []
        for row in rows:
            team_id = row["team_id"]
            if team_id not in running:
                running[team_id] = await ledger_q.source_week_total(
                    conn, team_id=team_id, week_key=week.key, source="import"
                )
            if row["amount"] > 0 and running[team_id] + row["amount"] > cap:
                problems.append(
                    RowProblem(row["line"], ROW_OVER_CAP, {"team": row["team"], "cap": cap})
                )
                continue
            running[team_id] += row["amount"]
            kept.append(row)
        return kept, problems

    async def confirm_import(self, *, actor_id: int | None, import_id: int) -> ImportPreview:
        """Add a preview's rows to the ledger, all or nothing. Audited.

        Refused when the preview was decided already, the same file was imported, or points
        changed since the preview so that a row would no longer be accepted (ImportOutdated).
        """
        async with self.db.write() as conn:
            await self._ensure_open(conn)
            stored = await imports_q.get_import(conn, import_id)
            if stored is None or stored.season != self.season:
                raise ImportNotFound(import_id=import_id)
            if stored.status != "preview":
                raise _decided(import_id, stored.status)
            done = await imports_q.imported_file(conn, self.season, stored.file_hash)
            if done is not None:
                raise FileAlreadyImported(import_id=done.id, entries=done.entries)
            if not stored.rows:
                raise NothingToImport()
            used = await ledger_q.references_used(
                conn,
                season=self.season,
                source="import",
                references=[row["reference"] for row in stored.rows],
            )
            for row in stored.rows:
                if row["reference"] in used:
                    raise ImportOutdated(line=row["line"])
                team = await self._lock_team(conn, int(row["team_id"]))
                if team is None or team.disbanded_at is not None:
                    raise ImportOutdated(line=row["line"])
                try:
                    await self.ledger.append(
                        conn,
                        team=team,
                        amount=int(row["amount"]),
                        reason=str(row["reason"]),
                        source="import",
                        reference=str(row["reference"]),
                        actor_id=actor_id,
                        user_id=row.get("user_id"),
                    )
                except WeeklyCapReached:
                    raise ImportOutdated(line=row["line"]) from None
            total = sum(int(row["amount"]) for row in stored.rows)
            await imports_q.decide_import(
                conn,
                import_id=import_id,
                status="imported",
                actor_id=actor_id,
                entries=len(stored.rows),
                now=self.clock.now(),
            )
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="points.import",
                target=f"import:{import_id}",
                details={
                    "file": stored.file_name,
                    "sha256": stored.file_hash,
                    "entries": len(stored.rows),
                    "total": total,
                },
            )
            decided = present(await imports_q.get_import(conn, import_id))
        log.info(
            "points imported import=%s entries=%d total=%d", import_id, len(stored.rows), total
        )
        return _preview(decided, decided)

    async def cancel_import(self, *, actor_id: int | None, import_id: int) -> ImportPreview:
        """Drop a preview: nothing is added. Refused when it was decided already."""
        async with self.db.write() as conn:
            stored = await imports_q.get_import(conn, import_id)
            if stored is None or stored.season != self.season:
                raise ImportNotFound(import_id=import_id)
            if not await imports_q.decide_import(
                conn,
                import_id=import_id,
                status="cancelled",
                actor_id=actor_id,
                entries=0,
                now=self.clock.now(),
            ):
                raise _decided(import_id, stored.status)
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="points.import_cancel",
                target=f"import:{import_id}",
                details={"file": stored.file_name},
            )
            decided = present(await imports_q.get_import(conn, import_id))
        return _preview(decided, None)


def _decided(import_id: int, status: str) -> ImportAlreadyDecided:
    if status == "imported":
        return ImportAlreadyImported(import_id=import_id)
    if status == "cancelled":
        return ImportAlreadyCancelled(import_id=import_id)
    return ImportAlreadyDecided(import_id=import_id)


def _preview(stored: ImportRow, done: ImportRow | None) -> ImportPreview:
    problems: list[RowProblem] = []
    skipped = 0
    for error in stored.errors:
        if "skipped" in error:
            skipped = int(error["skipped"])
        else:
            problems.append(RowProblem(int(error["line"]), error["message"], dict(error["params"])))
    return ImportPreview(
        id=stored.id,
        file_name=stored.file_name,
        file_hash=stored.file_hash,
        status=stored.status,
        rows=len(stored.rows),
        total=sum(int(row["amount"]) for row in stored.rows),
        teams=len({row["team_id"] for row in stored.rows}),
        skipped=skipped,
        problems=tuple(problems),
        already_imported=done.id if done is not None else None,
        entries=stored.entries,
    )
