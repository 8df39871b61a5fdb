"""Fraud checks on store results: the scan that raises flags, the organizers' queue and
their decisions (clear or confirm, one flag or in bulk), every decision audited.

How a flag lives (``results_flags``, unique per season, rule and subject):
- A scan runs every rule as set-based SQL. A finding without a flag becomes an ``open``
  flag. An order's ``review`` follows its flags: ``confirmed`` when one is confirmed, else
  ``flagged`` when one is open (left out of scoring), else ``cleared`` (counted again),
  else ``ok``.
- Re-running a scan never duplicates a flag and never reopens a decided one for the same
  evidence. New evidence (the rule matches with other evidence: a burst grew, the buyer
  ordered again, another team used the tracking number) reopens a cleared flag; a
  confirmed flag takes the new evidence and stays confirmed (the order is out for good).
- An open flag whose rule no longer matches (a corrected re-import, a parcel that moved)
  is withdrawn; decided flags stay as decided.
- Team-level rules (the refund rate) flag the team, not its orders: refunded and
  cancelled orders never count anyway, and excluding a team's honest sales for its
  refunds would punish twice. The flag asks an organizer to look; deciding it changes no
  order.
- After an import (``on_import_applied``) the per-team rules run for the import's teams
  and the cross-team rules for the whole season; ``scan()`` without teams runs all, on
  ``/results scan`` and each night (``SCAN_JOB``: a parcel stalls with time alone).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Protocol

from bot.calendar import next_local_time
from bot.clock import Clock
from bot.config import CompetitionConfig
from bot.scheduler import Job, JobResult, NextRun, Scheduler
from bot.services.audit import AuditService
from bot.services.fraud import rules as R
from bot.services.fraud.errors import (
    BulkNeedsFilter,
    FlagAlreadyConfirmed,
    FlagAlreadyDecided,
    FlagNotFound,
    FlagWithdrawn,
    NoOpenFlags,
    UnknownRule,
)
from bot.services.fraud.models import (
    CONFIRMED,
    DECISIONS,
    OPEN,
    WITHDRAWN,
    Decision,
    Flag,
    FlagPage,
    ScanResult,
)
from bot.services.fraud.rules import Finding, Thresholds
from bot.services.names import name_key
from storage.engine import Database
from storage.queries import results_fraud as q

log = logging.getLogger(__name__)

#: Flags per page of ``/results flagged`` (each with a row of buttons; a row for paging).
PAGE_SIZE = 4
#: Flag ids an audit record of a bulk decision lists.
AUDIT_IDS = 50
#: The nightly scan: parcels become "stalled" with time alone, without any import.
SCAN_JOB = "results.fraud-scan"
#: Local time of the nightly scan (after the nightly maintenance's statistics refresh).
SCAN_AT = dt.time(4, 30)


class ImportEvent(Protocol):
    """What the import hook tells its listeners (the results service's ``ImportApplied``)."""

    @property
    def season(self) -> str: ...

    @property
    def team_ids(self) -> frozenset[int]: ...


@dataclass(slots=True)
class FraudService:
    """Scans store orders for fake orders and brushing; keeps the flags and decisions."""

    db: Database
    clock: Clock
    competition: CompetitionConfig
    audit: AuditService
    scheduler: Scheduler

    @property
    def season(self) -> str:
        """The current season's label."""
        return self.competition.competition.season

    def thresholds(self) -> Thresholds:
        """``[results.fraud]`` resolved: statuses lower-cased, the season start as a UTC
        instant (the configured day at midnight in the competition timezone, else the
        first ``round`` phase's start, else None: the rule is off)."""
        cfg = self.competition.results.fraud
        start: dt.datetime | None = None
        if cfg.season_start is not None:
            local = dt.datetime.combine(
                cfg.season_start, dt.time(), self.competition.competition.tz
            )
            start = local.astimezone(dt.UTC)
        else:
            rounds = [p for p in self.competition.calendar.ordered if p.kind == "round"]
            start = rounds[0].start if rounds else None
        return Thresholds(
            buyer_orders=cfg.buyer_orders,
            buyer_teams=cfg.buyer_teams,
            burst_size=cfg.burst_size,
            burst_gap=cfg.burst_gap,
            same_amount_run=cfg.same_amount_run,
            refund_rate=cfg.refund_rate,
            refund_min_orders=cfg.refund_min_orders,
            tracking_reuse=cfg.tracking_reuse,
            stalled_statuses=tuple(s.lower() for s in cfg.stalled_statuses),
            stalled_after=cfg.stalled_after,
            season_start=start,
        )

    # -- the scan ---------------------------------------------------------------------
    async def on_import_applied(self, event: ImportEvent) -> None:
        """The import hook's listener: scan the imported teams (and the season's
        cross-team rules) after an Apply of this season."""
        if event.season != self.season:
            return
        result = await self.scan(team_ids=event.team_ids)
        log.info(
            "fraud scan after import teams=%d new=%d reopened=%d withdrawn=%d",
            len(event.team_ids),
            result.new,
            result.reopened,
            result.withdrawn,
        )

    def next_scan(self, after: dt.datetime | None = None) -> tuple[str, dt.datetime]:
        """The key and instant of the next nightly scan after ``after`` (default now)."""
        tz = self.competition.competition.tz
        when = next_local_time(after or self.clock.now(), SCAN_AT, tz)
        return f"{SCAN_JOB}:{when.astimezone(tz).date().isoformat()}", when

    async def ensure_scan_job(self) -> None:
        """Make sure the next nightly scan is pending (idempotent, run at start); a night
        whose key is taken (done or missed) is skipped for the following one."""
        after = self.clock.now()
        for _ in range(7):
            key, when = self.next_scan(after=after)
            row = await self.scheduler.schedule(SCAN_JOB, key, when)
            if row.status == "pending":
                return
            after = when

    async def run_scan_job(self, job: Job) -> JobResult:
        """The nightly job: scan every team, then ask for the next night's scan."""
        result = await self.scan()
        log.info(
            "nightly fraud scan new=%d reopened=%d withdrawn=%d open=%d",
            result.new,
            result.reopened,
            result.withdrawn,
            result.open_total,
        )
        key, when = self.next_scan(after=job.run_at)
        return JobResult(next_run=NextRun(SCAN_JOB, key, when))

    async def scan_now(self, *, actor_id: int) -> ScanResult:
        """An organizer's scan of every team (audited)."""
        result = await self.scan()
        async with self.db.write() as conn:
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="results.fraud_scan",
                target=f"season:{self.season}",
                details={
                    "new": result.new,
                    "reopened": result.reopened,
                    "withdrawn": result.withdrawn,
                },
            )
        return result

    async def scan(self, *, team_ids: Collection[int] | None = None) -> ScanResult:
        """Run every rule (per-team rules over ``team_ids`` when given) and reconcile the
        flags in one transaction; idempotent for unchanged data."""
        teams = None if team_ids is None else sorted(set(team_ids))
        async with self.db.write() as conn:
            found = await self._findings(conn, teams)
            new = reopened = 0
            withdrawn_ids: list[int] = []
            touched: set[int] = set()
            now = self.clock.now()
            existing: dict[tuple[str, str], q.FlagRow] = {}
            for rules, scope in ((R.SEASON_RULES, None), (R.TEAM_RULES, teams)):
                for row in await q.flags_in_scope(conn, self.season, rules, scope):
                    existing[(row.rule, row.subject)] = row
            inserts: list[dict[str, Any]] = []
            for key, finding in found.items():
                flag = existing.pop(key, None)
                if flag is None:
                    inserts.append(self._insert_row(finding, now))
                    new += 1
                elif flag.evidence != finding.evidence or flag.status == WITHDRAWN:
                    status = CONFIRMED if flag.status == CONFIRMED else OPEN
                    reopened += flag.status != status
                    values: dict[str, Any] = {"evidence": finding.evidence, "updated_at": now}
                    if status != flag.status:
                        values.update(status=status, decided_by=None, decided_at=None)
                    await q.update_flag(conn, flag.id, **values)
                else:
                    continue
                if finding.order_row_id is not None:
                    touched.add(finding.order_row_id)
            for stale in existing.values():
                if stale.status == OPEN:
                    withdrawn_ids.append(stale.id)
                    if stale.order_row_id is not None:
                        touched.add(stale.order_row_id)
            await q.insert_flags(conn, inserts)
            await q.set_status(conn, withdrawn_ids, WITHDRAWN, updated_at=now)
            await q.sync_reviews(conn, touched, season=self.season)
            open_total = sum((await q.open_counts(conn, self.season)).values())
        return ScanResult(new, reopened, len(withdrawn_ids), open_total)

    def _insert_row(self, finding: Finding, now: dt.datetime) -> dict[str, Any]:
        return {
            "season": self.season,
            "rule": finding.rule,
            "subject": finding.subject,
            "team_id": finding.team_id,
            "order_row_id": finding.order_row_id,
            "evidence": finding.evidence,
            "status": OPEN,
            "created_at": now,
            "updated_at": now,
            "decided_by": None,
            "decided_at": None,
        }

    async def _findings(self, conn: Any, teams: list[int] | None) -> dict[tuple[str, str], Finding]:
        t, season = self.thresholds(), self.season
        found: list[Finding] = []
        found += _grouped(R.ORDER_ID_SHARED, await q.shared_order_ids(conn, season), "order_id")
        if t.buyer_orders or t.buyer_teams:
            hits = await q.repeated_buyers(
                conn, season, min_orders=t.buyer_orders, min_teams=t.buyer_teams
            )
            found += _grouped(R.BUYER_REPEAT, hits, "buyer")
        if t.tracking_reuse:
            found += _grouped(R.TRACKING_REUSED, await q.reused_tracking(conn, season), "tracking")
        if t.burst_size or t.same_amount_run:
            bursts, sames = await q.runs(
                conn,
                season,
                teams,
                burst_size=t.burst_size,
                gap_seconds=t.burst_gap.total_seconds(),
                same_size=t.same_amount_run,
            )
            for hit in bursts:
                evidence = {"run": hit.size, "first": R.iso(hit.first), "last": R.iso(hit.last)}
                found.append(Finding(R.BURST, hit.team_id, hit.id, evidence))
            for hit in sames:
                evidence = {
                    "run": hit.size,
                    "amount_minor": hit.amount_minor,
                    "currency": hit.currency,
                    "first": R.iso(hit.first),
                }
                found.append(Finding(R.SAME_AMOUNT, hit.team_id, hit.id, evidence))
        counts = await q.refund_counts(
            conn, season, teams, statuses=R.CANCELLED_STATUSES, min_orders=t.refund_min_orders
        )
        for team_id, orders, refunded in counts:
            if refunded > t.refund_rate * orders:
                evidence = {"orders": orders, "refunded": refunded}
                found.append(Finding(R.REFUND_RATE, team_id, None, evidence))
        if t.stalled_statuses:
            cutoff = self.clock.now() - t.stalled_after
            rows = await q.orders_where(conn, season, teams, *q.stalled(t.stalled_statuses, cutoff))
            for row_id, team_id, status, at in rows:
                evidence = {"status": status, "ordered_at": R.iso(at)}
                found.append(Finding(R.TRACKING_STALLED, team_id, row_id, evidence))
        if t.season_start is not None:
            start = t.season_start
            rows = await q.orders_where(conn, season, teams, *q.placed_before(start))
            for row_id, team_id, _status, at in rows:
                evidence = {"ordered_at": R.iso(at), "season_start": R.iso(start)}
                found.append(Finding(R.BEFORE_START, team_id, row_id, evidence))
        return {(f.rule, f.subject): f for f in found}

    # -- the queue and decisions ------------------------------------------------------
    async def flagged(
        self,
        *,
        page: int = 1,
        rule: str | None = None,
        team_id: int | None = None,
        status: str = OPEN,
        per_page: int = PAGE_SIZE,
    ) -> FlagPage:
        """One page (1-based, clamped) of the season's flags in ``status``, oldest first."""
        _check_rule(rule)
        async with self.db.read() as conn:
            total = await q.count_flags(
                conn, self.season, status=status, rule=rule, team_id=team_id
            )
            pages = max(1, -(-total // per_page))
            current = min(max(1, page), pages)
            rows = await q.list_flags(
                conn,
                self.season,
                status=status,
                rule=rule,
                team_id=team_id,
                offset=(current - 1) * per_page,
                limit=per_page,
            )
        flags = [
            Flag(
                id=r.flag.id,
                rule=r.flag.rule,
                team_id=r.flag.team_id,
                team_name=r.team_name,
                order_id=r.order_id,
                evidence=r.flag.evidence,
                status=r.flag.status,
                created_at=r.flag.created_at,
            )
            for r in rows
        ]
        return FlagPage(flags, current, pages, total, rule, team_id)

    async def open_counts(self) -> dict[str, int]:
        """Open flags per rule this season."""
        async with self.db.read() as conn:
            return await q.open_counts(conn, self.season)

    async def flagged_teams(self, text: str = "") -> list[tuple[int, str, int]]:
        """Teams with open flags (id, name, open flags), by name; ``text`` narrows them."""
        async with self.db.read() as conn:
            return await q.teams_with_open_flags(conn, self.season, like=name_key(text), limit=25)

    async def decide(self, *, actor_id: int, flag_id: int, decision: str) -> Decision:
        """Clear or confirm one flag (an organizer may change an earlier decision); the
        order's review follows; audited."""
        if decision not in DECISIONS:
            raise ValueError(decision)
        async with self.db.write() as conn:
            flag = await q.get_flag(conn, flag_id)
            if flag is None or flag.season != self.season:
                raise FlagNotFound(id=flag_id)
            if flag.status == WITHDRAWN:
                raise FlagWithdrawn(id=flag_id)
            if flag.status == decision:
                already = FlagAlreadyConfirmed if decision == CONFIRMED else FlagAlreadyDecided
                raise already(id=flag_id)
            now = self.clock.now()
            await q.set_status(conn, [flag.id], decision, decided_by=actor_id, decided_at=now)
            if flag.order_row_id is not None:
                await q.sync_reviews(conn, [flag.order_row_id], season=self.season)
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action=f"results.flag_{decision.removesuffix('ed')}",
                target=f"team:{flag.team_id}",
                details={
                    "flag": flag.id,
                    "rule": flag.rule,
                    "subject": flag.subject,
                    "was": flag.status,
                },
            )
        return Decision(decision, 1, [flag_id])

    async def decide_open(
        self, *, actor_id: int, decision: str, rule: str | None, team_id: int | None
    ) -> Decision:
        """Clear or confirm every open flag of a rule, a team or both (one audit record)."""
        if decision not in DECISIONS:
            raise ValueError(decision)
        _check_rule(rule)
        if rule is None and team_id is None:
            raise BulkNeedsFilter()
        async with self.db.write() as conn:
            matched = await q.matching_ids(
                conn, self.season, status=OPEN, rule=rule, team_id=team_id
            )
            if not matched:
                raise NoOpenFlags()
            ids = [flag_id for flag_id, _ in matched]
            now = self.clock.now()
            await q.set_status(conn, ids, decision, decided_by=actor_id, decided_at=now)
            await q.sync_reviews(
                conn, [row for _, row in matched if row is not None], season=self.season
            )
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action=f"results.flags_{decision.removesuffix('ed')}",
                target=f"team:{team_id}" if team_id is not None else f"rule:{rule}",
                details={
                    "rule": rule,
                    "team": team_id,
                    "count": len(ids),
                    "flags": ids[:AUDIT_IDS],
                },
            )
        return Decision(decision, len(ids), ids[:AUDIT_IDS])


def _check_rule(rule: str | None) -> None:
    if rule is not None and rule not in R.RULES:
        raise UnknownRule(rule=rule[:40])


def _grouped(rule: str, hits: list[q.OrderHit], label: str) -> list[Finding]:
    """Findings of a grouping rule: each order's evidence describes its whole group."""
    groups: dict[str, list[q.OrderHit]] = defaultdict(list)
    for hit in hits:
        groups[hit.key].append(hit)
    found = []
    for key, group in groups.items():
        team_ids = sorted({h.team_id for h in group})
        evidence: dict[str, Any]
        if rule == R.ORDER_ID_SHARED:
            evidence = {"order_id": key, "teams": team_ids}
        elif rule == R.BUYER_REPEAT:
            evidence = {"buyer": key[:12], "orders": len(group), "teams": len(team_ids)}
        else:
            evidence = {"tracking": key, "orders": len(group), "teams": team_ids}
        found += [Finding(rule, h.team_id, h.id, evidence) for h in group]
    return found
