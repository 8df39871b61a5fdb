"""Team stages: where a team is, members reporting a stage, organizers setting or undoing
one, imported store results advancing teams, and the funnel.

Rules (README "Progress milestones"): every team starts at the first stage when it is
formed. A member may report the next stage or any later one (skipping is allowed: a team
that opened its store has selected its product), with a link or a file when the stage asks
for evidence; stages with ``auto_orders`` are reached from imported results only (counted
orders), never reported by hand. Imported results never move a team back. Organizers may
set any stage or undo the last change, each audited.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from bot.clock import Clock
from bot.config import CompetitionConfig
from bot.config.progress import ProgressSection, StageConfig
from bot.links import is_web_link
from bot.services.audit import AuditService
from bot.services.names import name_key
from bot.services.progress.errors import (
    AutoStage,
    BadEvidenceLink,
    EvidenceRequired,
    NothingToUndo,
    SameStage,
    StageReached,
    UnknownStage,
)
from bot.services.progress.models import Evidence, FunnelGroup, StageChange, TeamProgress
from bot.services.teams.errors import NotInTeam, UnknownTeam
from storage.engine import Database
from storage.queries import progress as q
from storage.queries import teams as team_queries
from storage.queries.progress import TeamStageRow

log = logging.getLogger("bot.services.progress")

MAX_LINK = 500
MAX_FILE_NAME = 200


class ProgressStages:
    """The stage rules of one season (see the module docstring)."""

    def __init__(
        self, db: Database, clock: Clock, competition: CompetitionConfig, audit: AuditService
    ) -> None:
        self.db = db
        self.clock = clock
        self.competition = competition
        self.audit = audit

    @property
    def season(self) -> str:
        """The current season label."""
        return self.competition.competition.season

    @property
    def rules(self) -> ProgressSection:
        """The ``[progress]`` section."""
        return self.competition.progress

    def stage(self, key: str) -> StageConfig:
        """The stage ``key`` (UnknownStage otherwise)."""
        index = self.rules.index(key)
        if index is None:
            raise UnknownStage(stage=key)
        return self.rules.stages[index]

    def _position(self, row: TeamStageRow) -> tuple[int, dt.datetime]:
        """(stage index, since) of a team; a stage key no longer configured counts as the
        first stage since the row's time."""
        if row.stage is None or row.since is None:
            return 0, row.created_at
        return self.rules.index(row.stage) or 0, row.since

    def _progress(self, row: TeamStageRow) -> TeamProgress:
        index, since = self._position(row)
        stages = self.rules.stages
        return TeamProgress(
            team_id=row.team_id,
            team=row.name,
            stage=stages[index],
            index=index,
            since=since,
            next=stages[index + 1] if index + 1 < len(stages) else None,
            total=len(stages),
        )

    async def _team_row(self, conn: Any, team_id: int) -> TeamStageRow:
        rows = await q.team_stages(conn, self.season, [team_id])
        if not rows:
            raise UnknownTeam(team=str(team_id))
        return rows[0]

    # -- reading --------------------------------------------------------------------------
    async def of_member(self, user_id: int) -> TeamProgress:
        """The progress of the member's team (NotInTeam without one)."""
        async with self.db.read() as conn:
            team = await team_queries.team_of(conn, self.season, user_id)
            if team is None or team.disbanded_at is not None:
                raise NotInTeam()
            return self._progress(await self._team_row(conn, team.id))

    async def of_team(self, team_id: int) -> TeamProgress:
        """The progress of one active team (UnknownTeam otherwise)."""
        async with self.db.read() as conn:
            return self._progress(await self._team_row(conn, team_id))

    async def find_team(self, name: str) -> int:
        """The id of the season's active team called ``name`` (UnknownTeam otherwise)."""
        async with self.db.read() as conn:
            team = await team_queries.by_name_key(conn, self.season, name_key(name))
        if team is None:
            raise UnknownTeam(team=name.strip()[:64])
        return team.id

    async def all_teams(self) -> list[TeamProgress]:
        """Every active team's progress, by name."""
        async with self.db.read() as conn:
            rows = await q.team_stages(conn, self.season)
        return [self._progress(row) for row in rows]

    async def funnel(self) -> list[FunnelGroup]:
        """Per track (config order) and cohort (config order, then teams without one): how
        many active teams are at each stage or beyond."""
        async with self.db.read() as conn:
            rows = await q.team_stages(conn, self.season)
        count = len(self.rules.stages)
        groups: dict[tuple[str, str | None], list[int]] = {}
        for row in rows:
            reached = groups.setdefault((row.track, row.cohort), [0] * (count + 1))
            index, _since = self._position(row)
            reached[count] += 1  # the group's total, in the last slot
            for position in range(index + 1):
                reached[position] += 1
        tracks = [t.key for t in self.competition.tracks]
        cohorts: list[str | None] = [*self.competition.cohort_keys, None]

        def order(key: tuple[str, str | None]) -> tuple[int, int]:
            track, cohort = key
            return (
                tracks.index(track) if track in tracks else len(tracks),
                cohorts.index(cohort) if cohort in cohorts else len(cohorts),
            )

        return [
            FunnelGroup(track, cohort, values[count], tuple(values[:count]))
            for (track, cohort), values in sorted(groups.items(), key=lambda kv: order(kv[0]))
        ]

    # -- changing -------------------------------------------------------------------------
    async def _move(
        self,
        conn: Any,
        row: TeamStageRow,
        target: int,
        *,
        source: str,
        evidence: Evidence | None = None,
        reported_by: int | None = None,
        decided_by: int | None = None,
    ) -> StageChange:
        index, since = self._position(row)
        now = self.clock.now()
        stages = self.rules.stages
        await q.add_event(
            conn,
            season=self.season,
            team_id=row.team_id,
            stage=stages[target].key,
            previous_stage=row.stage,
            previous_since=since if row.stage is not None else None,
            source=source,
            evidence_url=(evidence.link or evidence.file_url) if evidence else None,
            evidence_file=evidence.file_name if evidence else None,
            reported_by=reported_by,
            decided_by=decided_by,
            created_at=now,
        )
        await q.set_stage(
            conn,
            season=self.season,
            team_id=row.team_id,
            stage=stages[target].key,
            since=now,
            now=now,
        )
        log.info(
            "progress team=%s stage=%s->%s source=%s",
            row.team_id,
            stages[index].key,
            stages[target].key,
            source,
        )
        return StageChange(row.team_id, row.name, stages[index], stages[target], source)

    @staticmethod
    def _check_evidence(stage: StageConfig, evidence: Evidence) -> Evidence:
        link = (evidence.link or "").strip() or None
        if link is not None and (len(link) > MAX_LINK or not is_web_link(link)):
            raise BadEvidenceLink()
        file_url = (evidence.file_url or "").strip() or None
        if file_url is not None and (len(file_url) > MAX_LINK or not is_web_link(file_url)):
            raise BadEvidenceLink()
        file_name = (evidence.file_name or "").strip()[:MAX_FILE_NAME] or None
        if stage.evidence and link is None and file_url is None:
            raise EvidenceRequired(stage=stage.label.en)
        return Evidence(link, file_name if file_url else None, file_url)

    async def report(self, *, user_id: int, stage: str, evidence: Evidence) -> StageChange:
        """A member reports that their team reached ``stage`` (see the module docstring for
        what is allowed); recorded with its evidence."""
        wanted = self.stage(stage)
        target = self.rules.index(wanted.key) or 0
        if wanted.auto_orders is not None:
            raise AutoStage(stage=wanted.label.en)
        checked = self._check_evidence(wanted, evidence)
        async with self.db.write() as conn:
            team = await team_queries.team_of(conn, self.season, user_id)
            if team is None or team.disbanded_at is not None:
                raise NotInTeam()
            await q.lock_stage(conn, team.id)
            row = await self._team_row(conn, team.id)
            index, _since = self._position(row)
            if target <= index:
                raise StageReached(current=self.rules.stages[index].label.en)
            return await self._move(
                conn, row, target, source="report", evidence=checked, reported_by=user_id
            )

    async def set_stage(self, *, actor_id: int, team_id: int, stage: str) -> StageChange:
        """An organizer puts the team at any ``stage`` (forward or back); audited."""
        wanted = self.stage(stage)
        target = self.rules.index(wanted.key) or 0
        async with self.db.write() as conn:
            await q.lock_stage(conn, team_id)
            row = await self._team_row(conn, team_id)
            index, _since = self._position(row)
            if index == target:
                raise SameStage(team=row.name, stage=wanted.label.en)
            change = await self._move(conn, row, target, source="organizer", decided_by=actor_id)
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="progress.set",
                target=f"team:{team_id}",
                details={"from": change.before.key, "to": change.after.key},
            )
        return change

    async def undo(self, *, actor_id: int, team_id: int) -> StageChange:
        """An organizer reverts the team's last change of stage (its stage and since come
        back); audited. Undone changes stay in the history."""
        now = self.clock.now()
        async with self.db.write() as conn:
            await q.lock_stage(conn, team_id)
            row = await self._team_row(conn, team_id)
            last = await q.last_change(conn, team_id)
            if last is None:
                raise NothingToUndo(team=row.name)
            index, _since = self._position(row)
            if last.previous_stage is None or last.previous_since is None:
                await q.clear_stage(conn, team_id)
                back = 0
            else:
                back = self.rules.index(last.previous_stage) or 0
                await q.set_stage(
                    conn,
                    season=self.season,
                    team_id=team_id,
                    stage=last.previous_stage,
                    since=last.previous_since,
                    now=now,
                )
            await q.mark_undone(conn, last.id, now)
            stages = self.rules.stages
            await q.add_event(
                conn,
                season=self.season,
                team_id=team_id,
                stage=stages[back].key,
                previous_stage=row.stage,
                previous_since=row.since,
                source="undo",
                decided_by=actor_id,
                undoes=last.id,
                created_at=now,
            )
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="progress.undo",
                target=f"team:{team_id}",
                details={"from": stages[index].key, "to": stages[back].key, "undoes": last.id},
            )
        return StageChange(team_id, row.name, stages[index], stages[back], "undo")

    async def advance_from_results(self, team_ids: Iterable[int]) -> list[StageChange]:
        """Advance each of ``team_ids`` to the furthest stage its counted store orders
        reach (``auto_orders``); never moves a team back. Idempotent."""
        wanted = sorted(set(team_ids))
        thresholds = [
            (position, stage.auto_orders)
            for position, stage in enumerate(self.rules.stages)
            if stage.auto_orders is not None
        ]
        if not wanted or not thresholds:
            return []
        changes: list[StageChange] = []
        async with self.db.write() as conn:
            counts = await q.counted_orders(conn, self.season, wanted)
            for row in await q.team_stages(conn, self.season, wanted):
                orders = counts.get(row.team_id, 0)
                reached = [position for position, need in thresholds if orders >= need]
                if not reached:
                    continue
                index, _since = self._position(row)
                if reached[-1] > index:
                    changes.append(await self._move(conn, row, reached[-1], source="auto"))
        return changes

    async def on_results_applied(self, applied: Any) -> None:
        """The listener of an applied results import (``ResultsService.on_applied``):
        advances the teams it touched (``applied.team_ids``)."""
        if getattr(applied, "season", self.season) != self.season:
            return
        await self.advance_from_results(applied.team_ids)

    async def stage_teams(self) -> Sequence[TeamStageRow]:
        """The rows of the season's active teams (for the stuck check)."""
        async with self.db.read() as conn:
            return await q.team_stages(conn, self.season)
