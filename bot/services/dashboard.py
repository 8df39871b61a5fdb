"""Read models for the web pages (SPEC §5): public boards and galleries, the organizer
dashboard, the counts behind ``/metrics``.

Composes the other services; writes nothing. Public read models carry no personal data:
team names, entry titles, points, ranks and counts only (no user ids, names or numbers).
Engagement figures come from ``services.activity`` and NPS from ``services.surveys`` when
those are wired (they are bound after construction; absent ones give empty sections).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.clock import Clock
from bot.config import CompetitionConfig
from bot.services.audit import AuditService
from bot.services.audit_view import AuditLine, AuditView, audit_view
from bot.services.contests import Contest, ContestService
from bot.services.outbox import whatsapp_counts
from bot.services.points import Board, PointsService
from bot.services.surveys import NpsResults, SurveyService
from storage.engine import Database
from storage.queries import dashboard as q

PUBLIC_BOARD_SIZE = 25
AUDIT_LIMIT = 10
FUNNEL_STAGES = ("queued", "sent", "delivered", "read")


class DailyActivesLike(Protocol):
    """What the dashboard reads from ``ActivityService.daily_actives`` rows."""

    @property
    def day(self) -> dt.date: ...
    @property
    def cohort(self) -> str: ...
    @property
    def actives(self) -> int: ...


class WeeklyActivesLike(Protocol):
    """What the dashboard reads from ``ActivityService.weekly_actives`` rows."""

    @property
    def week_key(self) -> str: ...
    @property
    def cohort(self) -> str: ...
    @property
    def actives(self) -> int: ...


class ActivityReader(Protocol):
    """The part of the activity service the dashboard uses."""

    async def daily_actives(self, *, days: int = 14) -> Sequence[DailyActivesLike]: ...
    async def weekly_actives(self, *, weeks: int = 8) -> Sequence[WeeklyActivesLike]: ...


@dataclass(frozen=True, slots=True)
class Series:
    """One line or bar group of a chart: ``points`` are (label, value) in order."""

    name: str
    points: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class Funnel:
    """WhatsApp broadcast deliveries: how many reached each stage (a read message was also
    sent and delivered), plus failed and skipped (opted out or cancelled)."""

    stages: tuple[tuple[str, int], ...]
    failed: int
    skipped: int

    @property
    def total(self) -> int:
        """Every message queued for a broadcast."""
        return self.stages[0][1] + self.failed + self.skipped if self.stages else 0


@dataclass(frozen=True, slots=True)
class Nps:
    """A survey's Net Promoter Score (-100…100) with the counts behind it."""

    question: str
    score: int | None
    promoters: int
    passives: int
    detractors: int

    @property
    def responses(self) -> int:
        """Answers counted."""
        return self.promoters + self.passives + self.detractors


@dataclass(frozen=True, slots=True)
class FlaggedRow:
    """A brushing cluster for the dashboard (vote ids, not voter ids)."""

    contest_id: int
    contest_name: str
    title: str
    team_name: str
    votes: int
    vote_ids: tuple[int, ...]
    reasons: tuple[str, ...]
    first_vote_at: dt.datetime
    last_vote_at: dt.datetime


@dataclass(frozen=True, slots=True)
class PublicEntry:
    """An entry in the public gallery; ``votes`` and ``place`` only once voting closed."""

    title: str
    team_name: str
    votes: int | None
    place: int | None


@dataclass(frozen=True, slots=True)
class PublicContest:
    """A contest's public gallery."""

    id: int
    name: str
    category: str
    voting_ends: dt.datetime
    results_public: bool
    entries: tuple[PublicEntry, ...]


@dataclass(frozen=True, slots=True)
class ContestLink:
    """A contest listed on the public front page."""

    id: int
    name: str
    results_public: bool


@dataclass(frozen=True, slots=True)
class PublicFront:
    """The public front page: this week's board per track, and the season's contests."""

    week_key: str
    week_start: dt.date
    week_end: dt.date
    boards: tuple[Board, ...]
    contests: tuple[ContestLink, ...]


@dataclass(frozen=True, slots=True)
class AdminOverview:
    """Everything on ``/admin``."""

    generated_at: dt.datetime
    daily: tuple[Series, ...]
    weekly: tuple[Series, ...]
    #: the labels of today and this week in ``daily``/``weekly``: still in progress
    partial_day: str
    partial_week: str
    funnel: Funnel
    nps: Nps | None
    flagged: tuple[FlaggedRow, ...]
    audit: tuple[AuditLine, ...]
    boards: tuple[Board, ...]
    totals: dict[str, int]


def funnel_from(raw: dict[str, int]) -> Funnel:
    """Fold outbox statuses into the delivery funnel (stages are cumulative)."""
    counts = whatsapp_counts(raw)
    read = counts["read"]
    delivered = counts["delivered"] + read
    sent = counts["sent"] + delivered
    queued = counts["queued"] + sent
    return Funnel(
        stages=(("queued", queued), ("sent", sent), ("delivered", delivered), ("read", read)),
        failed=counts["failed"],
        skipped=counts["skipped"],
    )


def _series(
    rows: Sequence[Any], labels: Sequence[str], label_of: Any, cohort_order: Sequence[str]
) -> tuple[Series, ...]:
    """One series per cohort, in ``cohort_order`` (the configured order), then cohorts no
    longer configured by key, then members without a cohort (key ``""``) last."""
    by_cohort: dict[str, dict[str, int]] = {}
    for row in rows:
        values = by_cohort.setdefault(row.cohort, {})
        values[label_of(row)] = values.get(label_of(row), 0) + int(row.actives)
    rank = {key: index for index, key in enumerate(cohort_order)}

    def position(key: str) -> tuple[int, int, str]:
        return (key == "", rank.get(key, len(rank)), key)

    return tuple(
        Series(cohort, tuple((label, by_cohort[cohort].get(label, 0)) for label in labels))
        for cohort in sorted(by_cohort, key=position)
    )


def _nps_from(result: NpsResults | None) -> Nps | None:
    """The dashboard's view of a survey's results (None: no survey or no answers yet)."""
    if result is None:
        return None
    return Nps(
        question=result.survey.question,
        score=result.nps,
        promoters=result.promoters,
        passives=result.passives,
        detractors=result.detractors,
    )


@dataclass(slots=True)
class DashboardService:
    """Read models for the public pages, the organizer dashboard and the metrics."""

    db: Database
    clock: Clock
    competition: CompetitionConfig
    audit: AuditService
    points: PointsService
    contests: ContestService
    activity: ActivityReader
    surveys: SurveyService

    @property
    def season(self) -> str:
        """The running season's label."""
        return self.competition.competition.season

    def _results_public(self, contest: Contest) -> bool:
        return contest.closed_at is not None or self.clock.now() >= contest.voting_ends

    async def boards(self, *, limit: int = PUBLIC_BOARD_SIZE) -> tuple[Board, ...]:
        """This competition-timezone week's board of every track, in config order; ranks
        as ``/leaderboard`` (1, 2, 2, 4)."""
        return tuple(
            [
                await self.points.week_board(week="current", track=track.key, limit=limit)
                for track in self.competition.tracks
            ]
        )

    async def public_front(self) -> PublicFront:
        """The public front page's data (no personal data)."""
        week = self.points.current_week()
        contests = await self.contests.search("", limit=20)
        return PublicFront(
            week_key=week.key,
            week_start=week.first_day,
            week_end=week.first_day + dt.timedelta(days=6),
            boards=await self.boards(),
            contests=tuple(ContestLink(c.id, c.name, self._results_public(c)) for c in contests),
        )

    async def public_contest(self, contest_id: int) -> PublicContest:
        """A contest's gallery: entry titles and team names; vote counts and places only
        once voting has ended. Raises ContestNotFound for an unknown id."""
        contest = await self.contests.get(contest_id)
        results = await self.contests.results(contest_id)
        public = self._results_public(contest)
        placings = list(results.placings)
        if not public:
            placings.sort(key=lambda p: (p.title.casefold(), p.submission_id))
        entries = tuple(
            PublicEntry(
                title=p.title,
                team_name=p.team_name,
                votes=p.votes if public else None,
                place=p.place if public else None,
            )
            for p in placings
        )
        return PublicContest(
            id=contest.id,
            name=contest.name,
            category=contest.category,
            voting_ends=contest.voting_ends,
            results_public=public,
            entries=entries,
        )

    async def engagement(self) -> tuple[tuple[Series, ...], tuple[Series, ...]]:
        """Daily actives per cohort over 14 days and weekly actives over 8 weeks, cohorts in
        the configured order. Days are competition-timezone days; the last day and week are
        today and this week."""
        tz = self.competition.competition.tz
        today = self.clock.now().astimezone(tz).date()
        days = [today - dt.timedelta(days=offset) for offset in range(13, -1, -1)]
        daily = await self.activity.daily_actives(days=14)
        weekly = await self.activity.weekly_actives(weeks=8)
        weeks = [w.key for w in self.points.recent_weeks(8)]
        weeks = sorted(set(weeks) | {row.week_key for row in weekly})[-8:]
        order = [cohort.key for cohort in self.competition.cohorts]
        return (
            _series(daily, [d.isoformat() for d in days], lambda r: r.day.isoformat(), order),
            _series(weekly, weeks, lambda r: r.week_key, order),
        )

    async def funnel(self) -> Funnel:
        """The delivery funnel over every broadcast's WhatsApp messages."""
        async with self.db.read() as conn:
            return funnel_from(await q.outbox_by_status(conn, "broadcast:"))

    async def nps(self) -> Nps | None:
        """The latest NPS survey's results, if there is a survey with answers."""
        return _nps_from(await self.surveys.latest_results())

    async def flagged(self) -> tuple[FlaggedRow, ...]:
        """Brushing clusters in every contest of the season, newest contest first."""
        rows: list[FlaggedRow] = []
        for contest in await self.contests.search("", limit=50):
            _, clusters = await self.contests.flagged(contest.id)
            rows.extend(
                FlaggedRow(
                    contest_id=contest.id,
                    contest_name=contest.name,
                    title=c.title,
                    team_name=c.team_name,
                    votes=len(c.vote_ids),
                    vote_ids=c.vote_ids,
                    reasons=c.reasons,
                    first_vote_at=c.first_vote_at,
                    last_vote_at=c.last_vote_at,
                )
                for c in clusters
            )
        return tuple(rows)

    async def audit_lines(self, *, limit: int = AUDIT_LIMIT) -> tuple[AuditLine, ...]:
        """The newest ``limit`` audit records as the dashboard shows them."""
        return (await audit_view(self.db, self.competition.competition.tz, per_page=limit)).lines

    async def audit_actions(self) -> list[str]:
        """Every action recorded so far and each prefix before a dot (``team``), sorted:
        suggestions for the action filter."""
        actions = await self.audit.actions()
        return sorted(set(actions) | {a.split(".", 1)[0] for a in actions if "." in a})

    async def audit_page(
        self, *, page: int = 1, action: str | None = None, member: str | None = None
    ) -> AuditView:
        """A page of the audit log, filtered (see ``audit_view.audit_view``)."""
        return await audit_view(
            self.db, self.competition.competition.tz, page=page, action=action, member=member
        )

    async def totals(self) -> dict[str, int]:
        """Counts for ``/metrics``: teams, team members, members, subscribers, pending
        jobs, counted votes, and ``outbox_<status>`` per outbox status."""
        async with self.db.read() as conn:
            counts = await q.totals(conn, self.season)
            for status, count in (await q.outbox_by_status(conn)).items():
                counts[f"outbox_{status}"] = count
        return counts

    async def overview(self) -> AdminOverview:
        """Everything ``/admin`` shows."""
        daily, weekly = await self.engagement()
        now = self.clock.now()
        return AdminOverview(
            generated_at=now,
            daily=daily,
            weekly=weekly,
            partial_day=now.astimezone(self.competition.competition.tz).date().isoformat(),
            partial_week=self.points.current_week().key,
            funnel=await self.funnel(),
            nps=await self.nps(),
            flagged=await self.flagged(),
            audit=await self.audit_lines(),
            boards=await self.boards(limit=10),
            totals=await self.totals(),
        )
