"""The contest service: creating, closing and ranking contests, and taking votes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.calendar import parse_local_datetime
from bot.clock import Clock
from bot.config import CompetitionConfig
from bot.errors import PodiumError
from bot.scheduler import Job, JobResult, Scheduler
from bot.services.activity import ActivityService
from bot.services.audit import AuditService
from bot.services.contests.base import present
from bot.services.contests.errors import (
    ContestNameTaken,
    InvalidContestName,
    InvalidMaxVotes,
    InvalidWindow,
)
from bot.services.contests.models import Contest, Placing, Results, VoteOutcome, contest_from_row
from bot.services.contests.moderation import ModerationMixin
from bot.services.contests.review import VoteReviewMixin
from bot.services.contests.submissions import SubmissionsMixin
from bot.services.contests.voting import PressBatch, VotePress, VoteRules
from bot.services.group_commit import GroupCommit
from bot.services.points import PointsService
from bot.services.publications import Publication
from storage.engine import Database
from storage.queries.contests import entries as q
from storage.queries.contests import votes as vote_queries
from storage.queries.contests.entries import ContestRow, DuplicateRow, SubmissionRow

CLOSE_JOB = "contest.close"
#: The publication kind of a contest's results post (rendered by the contests cog).
RESULTS_PUBLICATION = "contest.results"


def results_post_key(contest_id: int) -> str:
    """The claim key of a contest's results post (one per contest)."""
    return f"contest:{contest_id}:results"


def results_publications(results: Results) -> tuple[Publication, ...]:
    """The results post of a closed contest, to its gallery channel (else the configured
    one); none once it is posted. The automatic close and /contest close may both get here
    (the bot restarted after voting ended and an organizer closed at once): its journal
    key lets one post."""
    if results.contest.results_message_id is not None:
        return ()
    return (
        Publication(
            results_post_key(results.contest.id),
            RESULTS_PUBLICATION,
            results,
            channel_id=results.contest.gallery_channel_id,
            resource="channel:gallery",
        ),
    )


NAME_MIN, NAME_MAX = 3, 100


class ContestService(SubmissionsMixin, VoteReviewMixin, ModerationMixin):
    """Contests, submissions and votes (see the package docstring for the rules)."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        competition: CompetitionConfig,
        audit: AuditService,
        points: PointsService,
        scheduler: Scheduler,
        *,
        activity: ActivityService | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.competition = competition
        self.audit = audit
        self.points = points
        self.scheduler = scheduler
        self.activity = activity
        self.rules = competition.votes
        self._vote_rules = VoteRules(
            max_votes_per_contest=self.rules.max_votes_per_contest,
            rate_limit_per_minute=self.rules.rate_limit_per_minute,
            min_account_age_days=self.rules.min_account_age_days,
            min_membership_age_days=self.rules.min_membership_age_days,
        )
        self._batcher = GroupCommit(self._apply_presses, name="vote-group-commit")

    @property
    def _tz(self) -> ZoneInfo:
        return ZoneInfo(self.competition.competition.timezone)

    def _parse_time(self, value: str | dt.datetime, field: str) -> dt.datetime:
        if isinstance(value, dt.datetime):
            if value.tzinfo is None:
                raise InvalidWindow(detail=field)
            return value.astimezone(dt.UTC)
        try:
            return parse_local_datetime(value, self._tz)
        except ValueError:
            raise InvalidWindow(detail=f"{field}: YYYY-MM-DD HH:MM") from None

    # -- contests -----------------------------------------------------------------------
    async def create(
        self,
        *,
        actor_id: int,
        name: str,
        category: str,
        submissions_open: str | dt.datetime,
        submissions_close: str | dt.datetime,
        voting_close: str | dt.datetime,
        max_votes: int | None = None,
        gallery_channel_id: int | None = None,
    ) -> Contest:
        """``/contest create``: text times are read in the competition timezone. Audited;
        schedules the automatic close at ``voting_close``."""
        clean_name, clean_category = " ".join(name.split()), " ".join(category.split())
        if not (NAME_MIN <= len(clean_name) <= NAME_MAX and 1 <= len(clean_category) <= NAME_MAX):
            raise InvalidContestName()
        opens = self._parse_time(submissions_open, "submissions_open")
        closes = self._parse_time(submissions_close, "submissions_close")
        voting = self._parse_time(voting_close, "voting_close")
        if not opens < closes:
            raise InvalidWindow(detail="submissions_open < submissions_close")
        if not closes < voting:
            raise InvalidWindow(detail="submissions_close < voting_close")
        if voting <= self.clock.now():
            raise InvalidWindow(detail="voting_close is in the past")
        if max_votes is not None and not 1 <= max_votes <= 100:
            raise InvalidMaxVotes()
        async with self.db.write() as conn:
            try:
                row = await q.create_contest(
                    conn,
                    season=self.season,
                    name=clean_name,
                    category=clean_category,
                    submissions_open=opens,
                    submissions_close=closes,
                    voting_close=voting,
                    max_votes=max_votes,
                    gallery_channel_id=gallery_channel_id,
                    created_by=actor_id,
                    created_at=self.clock.now(),
                )
            except DuplicateRow:
                raise ContestNameTaken(name=clean_name) from None
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="contest.create",
                target=f"contest:{row.id}",
                details={
                    "name": clean_name,
                    "category": clean_category,
                    "submissions_open": opens.isoformat(),
                    "submissions_close": closes.isoformat(),
                    "voting_close": voting.isoformat(),
                    "max_votes": max_votes,
                    "gallery_channel_id": gallery_channel_id,
                },
            )
        await self.scheduler.schedule(
            CLOSE_JOB, self.close_job_key(row.id), voting, {"contest_id": row.id}
        )
        return contest_from_row(row, self.rules.max_votes_per_contest)

    @staticmethod
    def close_job_key(contest_id: int) -> str:
        """The scheduler key of a contest's automatic close."""
        return f"contest:{contest_id}:close"

    async def ensure_close_jobs(self) -> int:
        """Schedule the automatic close of every unclosed contest (idempotent; at start)."""
        async with self.db.read() as conn:
            rows = await q.unclosed_contests(conn, self.season)
        for row in rows:
            await self.scheduler.schedule(
                CLOSE_JOB, self.close_job_key(row.id), row.voting_close, {"contest_id": row.id}
            )
        return len(rows)

    async def get(self, contest: str | int) -> Contest:
        """A contest by id or exact name (case-insensitive). Raises ContestNotFound."""
        async with self.db.read() as conn:
            row = await self._resolve(conn, contest)
        return contest_from_row(row, self.rules.max_votes_per_contest)

    async def search(self, text: str, *, limit: int = 25) -> list[Contest]:
        """Contests whose name contains ``text`` (for autocomplete), newest first."""
        async with self.db.read() as conn:
            rows = await q.search_contests(conn, self.season, text.strip(), limit=limit)
        return [contest_from_row(r, self.rules.max_votes_per_contest) for r in rows]

    # -- votes --------------------------------------------------------------------------
    async def vote(
        self,
        *,
        submission_id: int,
        voter_id: int,
        account_created_at: dt.datetime,
        joined_at: dt.datetime | None,
    ) -> VoteOutcome:
        """A Vote press: adds the member's vote for the entry, or takes it back when they
        already voted. Checks every rule in the package docstring; a refused press raises
        and changes nothing. Presses arriving together are committed together (group
        commit in the one writer), each checked in arrival order against the state the
        presses before it left."""
        press = VotePress(submission_id, voter_id, account_created_at, joined_at)
        return await self._batcher.submit(press)

    @property
    def vote_batches(self) -> tuple[int, int]:
        """(transactions, presses) applied by the vote group commit so far (benchmarks)."""
        return self._batcher.batches, self._batcher.items

    async def _apply_presses(self, presses: list[VotePress]) -> list[VoteOutcome | PodiumError]:
        async with self.db.write() as conn:
            batch = PressBatch(
                conn, presses, now=self.clock.now(), season=self.season, rules=self._vote_rules
            )
            outcomes = await batch.run()
        if self.activity is not None:  # engagement: votes counted (committed) in this batch
            for voter_id in batch.counted:
                self.activity.record(voter_id, "vote")
        return outcomes

    async def count(self, submission_id: int) -> int:
        """Counted (not voided) votes for an entry."""
        async with self.db.read() as conn:
            return await vote_queries.count_for(conn, submission_id)

    # -- results ------------------------------------------------------------------------
    def _standings(self, entries: list[SubmissionRow], counts: dict[int, int]) -> list[Placing]:
        ranked = sorted(entries, key=lambda s: (-counts.get(s.id, 0), s.created_at, s.id))
        amounts = self.competition.points.contest_placing
        placings = []
        place = 0
        for entry in ranked:
            votes = counts.get(entry.id, 0)
            if votes > 0:
                place += 1
            placings.append(
                Placing(
                    place=place if votes > 0 else None,
                    submission_id=entry.id,
                    title=entry.title,
                    team_id=entry.team_id,
                    team_name=entry.team_name,
                    votes=votes,
                    points=amounts[place - 1] if votes > 0 and place <= len(amounts) else 0,
                )
            )
        return placings

    async def results(self, contest: str | int) -> Results:
        """``/contest results``: final places once closed, else the current standings."""
        async with self.db.read() as conn:
            row = await self._resolve(conn, contest)
            return await self._results(conn, row, closed_now=False)

    async def _results(
        self, conn: AsyncConnection, row: ContestRow, *, closed_now: bool
    ) -> Results:
        contest = contest_from_row(row, self.rules.max_votes_per_contest)
        if row.closed_at is None:
            entries = await self.listed_submissions(conn, row.id)
            placings = self._standings(entries, await vote_queries.counts(conn, row.id))
            return Results(
                contest=contest, closed=False, closed_now=False, placings=tuple(placings)
            )
        by_id = {e.id: e for e in await q.active_submissions(conn, row.id)}
        final = [
            Placing(
                place=r.place,
                submission_id=r.submission_id,
                title=by_id[r.submission_id].title if r.submission_id in by_id else "?",
                team_id=r.team_id,
                team_name=by_id[r.submission_id].team_name if r.submission_id in by_id else "?",
                votes=r.votes,
                points=r.points,
            )
            for r in await q.results(conn, row.id)
        ]
        return Results(contest=contest, closed=True, closed_now=closed_now, placings=tuple(final))

    async def run_close_job(self, job: Job) -> JobResult:
        """The automatic close at the end of voting: close, then post the results."""
        results = await self.close(actor_id=None, contest=int(job.payload["contest_id"]))
        return JobResult(publications=results_publications(results))

    async def close(self, *, actor_id: int | None, contest: str | int) -> Results:
        """``/contest close`` (early) and the automatic close at ``voting_close``: freezes
        the counts, records the places and credits their points, in one transaction.
        Idempotent: closing a closed contest returns its results and writes nothing."""
        now = self.clock.now()
        async with self.db.write() as conn:
            row = await self._resolve(conn, contest)
            if not await q.mark_closed(conn, row.id, now):
                refreshed = await q.get_contest(conn, row.id)
                return await self._results(conn, present(refreshed), closed_now=False)
            entries = await self.listed_submissions(conn, row.id)
            standings = self._standings(entries, await vote_queries.counts(conn, row.id))
            for placing in standings:
                if placing.place is None:
                    continue
                credited = 0
                if placing.points > 0:
                    entry = await self.points.credit(
                        conn,
                        team_id=placing.team_id,
                        amount=placing.points,
                        reason=f"{row.name}: place {placing.place}",
                        source="ugc",
                        reference=f"contest:{row.id}:place:{placing.place}",
                        actor_id=actor_id,
                    )
                    credited = entry.amount if entry is not None else 0
                await q.insert_result(
                    conn,
                    row.id,
                    q.ResultRow(
                        place=placing.place,
                        submission_id=placing.submission_id,
                        team_id=placing.team_id,
                        votes=placing.votes,
                        points=credited,
                    ),
                )
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="contest.close",
                target=f"contest:{row.id}",
                details={
                    "early": now < row.voting_close,
                    "places": [[p.place, p.submission_id, p.votes] for p in standings if p.place],
                },
            )
            closed = await q.get_contest(conn, row.id)
            results = await self._results(conn, present(closed), closed_now=True)
        if now < row.voting_close:
            await self.scheduler.cancel(self.close_job_key(row.id))
        return results

    async def set_results_message(self, contest_id: int, message_id: int) -> None:
        """Remember the results post (so it is posted once)."""
        async with self.db.write() as conn:
            await q.set_results_message(conn, contest_id, message_id)

    async def event_log(self, contest: str | int) -> list[tuple[int, int, str, dt.datetime]]:
        """Every vote, unvote and void of a contest: (entry, voter, action, at), in order."""
        async with self.db.read() as conn:
            row = await self._resolve(conn, contest)
            return await vote_queries.events_of(conn, row.id)
