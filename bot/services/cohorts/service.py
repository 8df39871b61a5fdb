"""The cohort service: assignment, promotion by threshold, CSV import and role sync."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.clock import Clock
from bot.config import CohortConfig, CompetitionConfig
from bot.services.audit import AuditService
from bot.services.cohorts.models import (
    IMPORT_MAX_BYTES,
    IMPORT_MAX_ROWS,
    CohortAssignment,
    CohortImportAlreadyApplied,
    CohortImportEmpty,
    CohortImportNotFound,
    CohortImportUnreadable,
    CohortStatus,
    ImportChange,
    ImportPreview,
    ImportRowError,
    Promotion,
    RoleFix,
    UnknownCohort,
)
from storage.engine import Database
from storage.queries import cohorts as cohort_queries
from storage.queries import teams as team_queries

_USER_ID = re.compile(r"^(?:<@!?)?(\d{15,21})>?$")


class SeasonPoints(Protocol):
    """What promotion needs from the points service."""

    async def season_points(self, team_ids: Sequence[int]) -> dict[int, int]:
        """Season totals per team id; teams without entries map to 0."""
        ...


@dataclass(slots=True)
class CohortService:
    """Who is in which cohort, and moving them."""

    db: Database
    clock: Clock
    competition: CompetitionConfig
    audit: AuditService
    points: SeasonPoints

    @property
    def season(self) -> str:
        """The current season's label."""
        return self.competition.competition.season

    def find(self, text: str) -> CohortConfig:
        """The cohort named by key or display name (any language, any case).

        Raises UnknownCohort."""
        wanted = text.strip().casefold()
        for cohort in self.competition.cohorts:
            names = {cohort.key, cohort.name.en.casefold(), (cohort.name.zh_CN or "").casefold()}
            if wanted in names:
                return cohort
        raise UnknownCohort(cohort=text[:30], cohorts=", ".join(self.competition.cohort_keys))

    def _rank(self, key: str | None) -> int:
        return (
            self.competition.cohort_keys.index(key) if key in self.competition.cohort_keys else -1
        )

    async def cohort_of(self, user_id: int) -> str | None:
        """The member's cohort key, or None."""
        async with self.db.read() as conn:
            return await cohort_queries.cohort_of(conn, user_id)

    async def status(self, user_id: int) -> CohortStatus:
        """The member's cohort and their team's progress towards the next one."""
        async with self.db.read() as conn:
            cohort = await cohort_queries.cohort_of(conn, user_id)
            team = await team_queries.team_of(conn, self.season, user_id)
        points = None
        if team is not None:
            points = (await self.points.season_points([team.id])).get(team.id, 0)
        upper = (
            self.competition.next_cohort(cohort)
            if cohort in self.competition.cohort_keys
            else self.competition.cohorts[0]
        )
        needed = None
        if upper is not None:
            needed = max(0, upper.promotion_threshold - (points or 0))
        return CohortStatus(
            cohort=cohort,
            team_name=team.name if team else None,
            points=points,
            next_cohort=upper.key if upper else None,
            next_threshold=upper.promotion_threshold if upper else None,
            points_needed=needed,
        )

    async def assign(
        self, *, actor_id: int, user_id: int, display_name: str, cohort: str
    ) -> CohortAssignment:
        """An organizer puts a member in a cohort (up or down). Raises UnknownCohort.

        Returns the change, also when it changes nothing (old == new). Audited."""
        target = self.find(cohort)
        async with self.db.write() as conn:
            old = await cohort_queries.cohort_of(conn, user_id)
            await cohort_queries.set_cohort(
                conn,
                user_id=user_id,
                display_name=display_name,
                cohort_key=target.key,
                now=self.clock.now(),
            )
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="cohort.assign",
                target=f"user:{user_id}",
                details={"from": old, "to": target.key},
            )
        return CohortAssignment(user_id, old, target.key)

    async def ensure_cohort(self, *, user_id: int, display_name: str) -> CohortAssignment | None:
        """Give a member without a cohort the one their team's points reach (the entry
        cohort without points). Returns None when they already had one. Idempotent."""
        async with self.db.read() as conn:
            if await cohort_queries.cohort_of(conn, user_id) is not None:
                return None
            team = await team_queries.team_of(conn, self.season, user_id)
        points = 0
        if team is not None:
            points = (await self.points.season_points([team.id])).get(team.id, 0)
        target = self.competition.cohort_for_points(points)
        async with self.db.write() as conn:
            if await cohort_queries.cohort_of(conn, user_id) is not None:
                return None
            await cohort_queries.set_cohort(
                conn,
                user_id=user_id,
                display_name=display_name,
                cohort_key=target.key,
                now=self.clock.now(),
            )
        return CohortAssignment(user_id, None, target.key)

    # -- promotion -----------------------------------------------------------------------

    async def promote_all(self, *, actor_id: int | None = None) -> list[Promotion]:
        """Promote every team member whose team's season points reach a higher cohort's
        threshold (never down). Returns the promotions made; a second run with the same
        points makes none. Audited as one ``cohort.promote_run`` record."""
        async with self.db.read() as conn:
            memberships = await team_queries.season_memberships(conn, self.season)
        team_ids = sorted(set(memberships.values()))
        points = await self.points.season_points(team_ids) if team_ids else {}
        promotions: list[Promotion] = []
        async with self.db.write() as conn:
            current = await cohort_queries.cohorts_of(conn, list(memberships))
            locales = await cohort_queries.locales_of(conn, list(memberships))
            now = self.clock.now()
            for user_id, team_id in sorted(memberships.items()):
                team_points = points.get(team_id, 0)
                reached = self.competition.cohort_for_points(team_points)
                old = current.get(user_id)
                if self._rank(reached.key) <= self._rank(old):
                    continue
                await cohort_queries.set_cohort(
                    conn,
                    user_id=user_id,
                    display_name=str(user_id),
                    cohort_key=reached.key,
                    now=now,
                )
                promotions.append(
                    Promotion(
                        user_id=user_id,
                        team_id=team_id,
                        old_cohort=old,
                        new_cohort=reached.key,
                        points=team_points,
                        locale=locales.get(user_id, self.competition.competition.default_locale),
                        at=now,
                    )
                )
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="cohort.promote_run",
                target=self.season,
                details={
                    "promoted": [[p.user_id, p.old_cohort, p.new_cohort] for p in promotions],
                    "teams": len(team_ids),
                },
            )
        return promotions

    # -- import --------------------------------------------------------------------------

    async def preview_import(
        self,
        *,
        actor_id: int,
        file_name: str,
        data: bytes,
        server_members: Mapping[int, str],
    ) -> ImportPreview:
        """Check a CSV of ``user id, cohort`` rows and store it for confirmation.

        ``server_members`` maps the ids of everyone in the server to display names (rows
        naming anyone else are refused as unknown users). A header row is skipped; a
        cohort may be named by key or display name. Nothing changes until
        ``apply_import``. Raises CohortImportUnreadable or CohortImportEmpty."""
        if len(data) > IMPORT_MAX_BYTES:
            raise self._unreadable()
        try:
            text = data.decode("utf-8-sig")
            rows = list(csv.reader(io.StringIO(text)))
        except (UnicodeDecodeError, csv.Error):
            raise self._unreadable() from None
        numbered = [(n, row) for n, row in enumerate(rows, start=1) if any(c.strip() for c in row)]
        if numbered and not _USER_ID.match(numbered[0][1][0].strip()):
            numbered = numbered[1:]  # a header row
        if not numbered:
            raise CohortImportEmpty()
        if len(numbered) > IMPORT_MAX_ROWS:
            raise self._unreadable()
        errors: list[ImportRowError] = []
        wanted: dict[int, tuple[int, str]] = {}
        first_line: dict[int, int] = {}
        conflicting: set[int] = set()
        for line, row in numbered:
            cells = [c.strip() for c in row]
            match = _USER_ID.match(cells[0]) if cells else None
            if len(cells) < 2 or match is None or not cells[1]:
                errors.append(ImportRowError(line, "bad_row", ",".join(cells)[:60]))
                continue
            user_id = int(match.group(1))
            try:
                cohort = self.find(cells[1]).key
            except UnknownCohort:
                errors.append(ImportRowError(line, "unknown_cohort", cells[1][:30]))
                continue
            if user_id not in server_members:
                errors.append(ImportRowError(line, "unknown_user", str(user_id)))
                continue
            if user_id in first_line:
                errors.append(ImportRowError(line, "duplicate", str(user_id), first_line[user_id]))
                if wanted.get(user_id, (0, cohort))[1] != cohort:
                    conflicting.add(user_id)
                continue
            first_line[user_id] = line
            wanted[user_id] = (line, cohort)
        for user_id in conflicting:
            # Two rows disagree: apply neither; the duplicate error names both lines.
            wanted.pop(user_id, None)
        async with self.db.read() as conn:
            current = await cohort_queries.cohorts_of(conn, list(wanted))
        changes = tuple(
            ImportChange(line, user_id, server_members[user_id], current.get(user_id), cohort)
            for user_id, (line, cohort) in sorted(wanted.items(), key=lambda i: i[1][0])
            if current.get(user_id) != cohort
        )
        errors.sort(key=lambda e: e.line)
        async with self.db.write() as conn:
            import_id = await cohort_queries.insert_import(
                conn,
                actor_id=actor_id,
                file_name=file_name,
                rows=[[c.line, c.user_id, c.display_name, c.new_cohort] for c in changes],
                errors=[[e.line, e.code, e.value, e.first] for e in errors],
                now=self.clock.now(),
            )
        return ImportPreview(
            import_id=import_id,
            file_name=file_name,
            changes=changes,
            unchanged=len(wanted) - len(changes),
            errors=tuple(errors),
        )

    def _unreadable(self) -> CohortImportUnreadable:
        return CohortImportUnreadable(max_kb=IMPORT_MAX_BYTES // 1024, max_rows=IMPORT_MAX_ROWS)

    async def apply_import(self, *, actor_id: int, import_id: int) -> list[CohortAssignment]:
        """Apply a previewed import once, in one transaction; returns the changes made.

        Raises CohortImportNotFound or CohortImportAlreadyApplied. Audited."""
        now = self.clock.now()
        async with self.db.write() as conn:
            stored = await cohort_queries.get_import(conn, import_id)
            if stored is None:
                raise CohortImportNotFound()
            if not await cohort_queries.mark_import_applied(
                conn, import_id, now=now, actor_id=actor_id
            ):
                raise CohortImportAlreadyApplied()
            user_ids = [int(row[1]) for row in stored.rows]
            current = await cohort_queries.cohorts_of(conn, user_ids)
            changes: list[CohortAssignment] = []
            for _line, user_id, display_name, cohort in stored.rows:
                old = current.get(int(user_id))
                if old == cohort:
                    continue
                await cohort_queries.set_cohort(
                    conn,
                    user_id=int(user_id),
                    display_name=str(display_name),
                    cohort_key=str(cohort),
                    now=now,
                )
                changes.append(CohortAssignment(int(user_id), old, str(cohort)))
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="cohort.import",
                target=f"import:{import_id}",
                details={
                    "file": stored.file_name,
                    "changed": len(changes),
                    "refused_rows": len(stored.errors),
                },
            )
        return changes

    # -- role sync -----------------------------------------------------------------------

    async def assigned(self) -> dict[int, str]:
        """Cohort key of every member who has one. A member who left and comes back keeps
        their cohort (the repair gives the role back)."""
        async with self.db.read() as conn:
            return await cohort_queries.assigned(conn)

    def plan_role_repair(
        self,
        member_roles: Mapping[int, Collection[int]],
        assigned: Mapping[int, str],
        role_ids: Mapping[str, int],
    ) -> list[RoleFix]:
        """Members (``member_roles``: everyone in the server with their role ids) whose
        cohort roles disagree with ``assigned``: the database wins. A member with no cohort
        in the database holds no cohort role; one with a cohort holds exactly its role."""
        cohort_roles = set(role_ids.values())
        fixes: list[RoleFix] = []
        for user_id, roles in sorted(member_roles.items()):
            cohort = assigned.get(user_id)
            wanted = role_ids.get(cohort) if cohort is not None else None
            held = cohort_roles.intersection(roles)
            remove = tuple(sorted(held - {wanted} if wanted is not None else held))
            add = wanted if wanted is not None and wanted not in held else None
            if add is not None or remove:
                fixes.append(RoleFix(user_id, cohort, add, remove))
        return fixes

    async def record_repairs(self, fixes: Sequence[RoleFix]) -> None:
        """Audit each repaired member (``cohort.role_repair``, by the bot) in one
        transaction."""
        if not fixes:
            return
        async with self.db.write() as conn:
            for fix in fixes:
                await self.audit.record(
                    conn,
                    actor_id=None,
                    action="cohort.role_repair",
                    target=f"user:{fix.user_id}",
                    details={
                        "cohort": fix.cohort,
                        "added_role": fix.add_role_id,
                        "removed_roles": list(fix.remove_role_ids),
                    },
                )
