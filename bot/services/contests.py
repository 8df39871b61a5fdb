"""UGC contests: windows, submissions, community votes, brushing review, results.

Windows (aware UTC, edges exact): submissions are accepted from ``submissions_open``
(inclusive) until ``submissions_close`` (exclusive). Voting opens at ``submissions_close``
(inclusive) and closes at ``voting_close`` (exclusive), or earlier when an organizer closes
the contest (the close instant is then the exclusive end).

Votes: one per member per entry (a database constraint), pressing again takes it back, at
most ``max_votes`` per member per contest (voided votes still use the allowance), never for
one's own team, minimum account and membership ages, and at most
``rate_limit_per_minute`` presses (votes and unvotes) in any 60 seconds. A refused press
changes nothing. A second press on the same entry within 2 seconds repeats the first (a
double click counts one vote; it does not toggle the vote back). Every vote, unvote and
void is appended to ``vote_events`` with its time. Voided votes stay in the database and
are left out of every count. Presses that arrive while a vote transaction is in flight are
applied together in the next one (group commit), in arrival order.

Close: entries ranked by counted votes (ties: the earlier entry first); places get the
``points.contest_placing`` amounts through the ledger with the reference
``contest:<id>:place:<n>``, in the close transaction, exactly once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.calendar import discord_timestamp, parse_local_datetime
from bot.clock import Clock
from bot.config import CompetitionConfig
from bot.errors import PodiumError
from bot.i18n import N_
from bot.scheduler import Scheduler
from bot.services.activity import ActivityService
from bot.services.audit import AuditService
from bot.services.brushing import Cluster, VoteSignal, find_clusters
from bot.services.points import PointsService
from storage.engine import Database
from storage.queries import contests as q
from storage.queries import teams as team_queries
from storage.queries.contests import ContestRow, DuplicateRow, SubmissionRow, VoteTarget

log = logging.getLogger(__name__)

CLOSE_JOB = "contest.close"
RATE_WINDOW = dt.timedelta(minutes=1)
#: A second press on the same entry this soon after the first repeats it (a double click).
DOUBLE_PRESS = dt.timedelta(seconds=2)
MAX_URL = 512
TITLE_MIN, TITLE_MAX = 3, 100
NAME_MIN, NAME_MAX = 3, 100
MAX_REASON = 200


# -- errors -----------------------------------------------------------------------------
class ContestNotFound(PodiumError):
    message = N_("No contest matches {contest}. Pick one from the list.")


class ContestNameTaken(PodiumError):
    message = N_("There is already a contest called {name} this season.")


class InvalidContestName(PodiumError):
    message = N_("Contest names and categories are 3 to 100 characters.")


class InvalidWindow(PodiumError):
    message = N_(
        "The times must follow each other: submissions open, then submissions close, then "
        "voting closes ({detail})."
    )


class InvalidMaxVotes(PodiumError):
    message = N_("max_votes must be a whole number from 1 to 100.")


class ContestClosed(PodiumError):
    message = N_("{contest} is closed.")


class SubmissionsNotOpen(PodiumError):
    message = N_("Submissions for {contest} open {when}.")


class SubmissionsClosed(PodiumError):
    message = N_("Submissions for {contest} closed {when}.")


class NoTeam(PodiumError):
    message = N_("Entries are submitted for a team: create or join one first with /team.")


class TeamAlreadySubmitted(PodiumError):
    message = N_(
        "Your team already has an entry in {contest} (#{id}). Change it with /submit edit "
        "or withdraw it first."
    )


class InvalidTitle(PodiumError):
    message = N_("Titles are 3 to 100 characters.")


class InvalidUrl(PodiumError):
    message = N_(
        "The link must be an http:// or https:// address with a host, at most 512 characters."
    )


class NothingSubmitted(PodiumError):
    message = N_("Give a link or attach a file.")


class AttachmentTooLarge(PodiumError):
    message = N_("The file is {size} MB; the most is {max} MB.")


class AttachmentTypeRefused(PodiumError):
    message = N_("Files of type {type} are not accepted. Accepted: {types}.")


class SubmissionNotFound(PodiumError):
    message = N_("There is no entry #{id}.")


class NotYourSubmission(PodiumError):
    message = N_("Only members of the team that submitted entry #{id} can change it.")


class EntryWithdrawn(PodiumError):
    message = N_("This entry was withdrawn, so it takes no votes.")


class VotingNotOpen(PodiumError):
    message = N_("Voting opens {when}.")


class VotingClosed(PodiumError):
    message = N_("Voting closed {when}.")


class OwnTeamVote(PodiumError):
    message = N_("You cannot vote for your own team's entry.")


class VoteLimitReached(PodiumError):
    message = N_(
        "You have used all {max} of your votes in this contest. Press Vote again on an entry "
        "to take that vote back."
    )


class AccountTooNew(PodiumError):
    message = N_("Your Discord account must be {days} days old to vote. You can vote from {when}.")


class MembershipTooNew(PodiumError):
    message = N_(
        "You must have been in this server for {days} days to vote. You can vote from {when}."
    )


class VotingTooFast(PodiumError):
    message = N_("You are voting too fast: at most {limit} presses a minute. Try again {when}.")


class VoteVoided(PodiumError):
    message = N_("An organizer voided your vote for this entry, so it cannot be changed.")


class InvalidVoteIds(PodiumError):
    message = N_("List vote ids as numbers separated by commas or spaces, e.g. 12, 15, 31.")


class UnknownVotes(PodiumError):
    message = N_("No vote has the id {ids}.")


class InvalidReason(PodiumError):
    message = N_("Give a reason of 1 to 200 characters.")


# -- values -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Contest:
    """A contest; ``voting_ends`` is the exclusive end (the close instant if closed early)."""

    id: int
    name: str
    category: str
    submissions_open: dt.datetime
    submissions_close: dt.datetime
    voting_close: dt.datetime
    max_votes: int
    gallery_channel_id: int | None
    closed_at: dt.datetime | None
    results_message_id: int | None

    @property
    def voting_opens(self) -> dt.datetime:
        """Voting opens when submissions close (inclusive)."""
        return self.submissions_close

    @property
    def voting_ends(self) -> dt.datetime:
        """The exclusive end of voting."""
        return voting_ends(self.voting_close, self.closed_at)


def voting_ends(voting_close: dt.datetime, closed_at: dt.datetime | None) -> dt.datetime:
    """The exclusive end of voting: the voting close, or the close instant if earlier."""
    if closed_at is not None and closed_at < voting_close:
        return closed_at
    return voting_close


@dataclass(frozen=True, slots=True)
class _Ballot:
    """A contest as a press sees it: voting window [opens, ends) and the maximum."""

    id: int
    opens: dt.datetime
    ends: dt.datetime
    max_votes: int


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file given with a submission (as the platform reported it)."""

    url: str
    filename: str
    content_type: str | None
    size: int


@dataclass(frozen=True, slots=True)
class Submission:
    """An entry as the gallery shows it."""

    id: int
    contest_id: int
    contest_name: str
    team_id: int
    team_name: str
    user_id: int
    title: str
    url: str | None
    attachment_url: str | None
    attachment_name: str | None
    channel_id: int | None
    message_id: int | None
    withdrawn: bool
    votes: int


@dataclass(frozen=True, slots=True)
class VoteOutcome:
    """What one press did: ``added`` True for a vote, False for a vote taken back; ``used``
    of ``max_votes`` is the voter's allowance. The entry's count is not part of it: a
    press does not need it, and the gallery reads it when it re-renders (``count``)."""

    submission_id: int
    added: bool
    used: int
    max_votes: int
    channel_id: int | None
    message_id: int | None


@dataclass(frozen=True, slots=True)
class VoidOutcome:
    """One vote voided: its entry, the entry's count now, and the gallery post to refresh."""

    submission_id: int
    count: int
    channel_id: int | None
    message_id: int | None


@dataclass(frozen=True, slots=True)
class Placing:
    """One line of the results: place (None before close), entry, counted votes, points."""

    place: int | None
    submission_id: int
    title: str
    team_id: int
    team_name: str
    votes: int
    points: int


@dataclass(frozen=True, slots=True)
class Results:
    """A contest's standings; final when ``closed``. ``closed_now``: this call closed it."""

    contest: Contest
    closed: bool
    closed_now: bool
    placings: tuple[Placing, ...]


@dataclass(frozen=True, slots=True)
class FlaggedCluster:
    """A brushing cluster with the entry it concerns."""

    submission_id: int
    title: str
    team_name: str
    vote_ids: tuple[int, ...]
    voter_ids: tuple[int, ...]
    reasons: tuple[str, ...]
    first_vote_at: dt.datetime
    last_vote_at: dt.datetime


def _contest(row: ContestRow, default_max: int) -> Contest:
    return Contest(
        id=row.id,
        name=row.name,
        category=row.category,
        submissions_open=row.submissions_open,
        submissions_close=row.submissions_close,
        voting_close=row.voting_close,
        max_votes=row.max_votes or default_max,
        gallery_channel_id=row.gallery_channel_id,
        closed_at=row.closed_at,
        results_message_id=row.results_message_id,
    )


def _submission(row: SubmissionRow, contest_name: str, count: int) -> Submission:
    return Submission(
        id=row.id,
        contest_id=row.contest_id,
        contest_name=contest_name,
        team_id=row.team_id,
        team_name=row.team_name,
        user_id=row.user_id,
        title=row.title,
        url=row.url,
        attachment_url=row.attachment_url,
        attachment_name=row.attachment_name,
        channel_id=row.channel_id,
        message_id=row.message_id,
        withdrawn=row.withdrawn_at is not None,
        votes=count,
    )


_T = TypeVar("_T")


def _present(value: _T | None) -> _T:
    """A row read back inside the transaction that wrote it (never missing)."""
    if value is None:  # pragma: no cover - read in the writing transaction
        raise RuntimeError("row vanished inside its own transaction")
    return value


def check_url(url: str) -> str:
    """A trimmed http(s) URL with a host, at most 512 characters; raises InvalidUrl."""
    cleaned = url.strip()
    if not cleaned or len(cleaned) > MAX_URL or any(c.isspace() for c in cleaned):
        raise InvalidUrl()
    try:
        parts = urlsplit(cleaned)
        host = parts.hostname
    except ValueError:
        raise InvalidUrl() from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise InvalidUrl()
    return cleaned


def check_title(title: str) -> str:
    """A trimmed title of 3 to 100 characters; raises InvalidTitle."""
    cleaned = " ".join(title.split())
    if not TITLE_MIN <= len(cleaned) <= TITLE_MAX:
        raise InvalidTitle()
    return cleaned


def parse_vote_ids(text: str) -> list[int]:
    """Vote ids from ``"12, 15 #31"``-style input, deduplicated, in order.

    Raises InvalidVoteIds.
    """
    parts = [p for p in re.split(r"[\s,;]+", text.strip()) if p]
    ids: list[int] = []
    for part in parts:
        digits = part.removeprefix("#")
        if not digits.isdigit() or len(digits) > 18:
            raise InvalidVoteIds()
        if int(digits) not in ids:
            ids.append(int(digits))
    if not ids:
        raise InvalidVoteIds()
    return ids


class ContestService:
    """Contests, submissions and votes (see the module docstring for the rules)."""

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
        self._batcher = GroupCommit(self._apply_presses)

    @property
    def season(self) -> str:
        """The current season's label."""
        return self.competition.competition.season

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
        return _contest(row, self.rules.max_votes_per_contest)

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

    async def _resolve(self, conn: AsyncConnection, contest: str | int) -> ContestRow:
        text = str(contest).strip()
        row = None
        if text.removeprefix("#").isdigit():
            row = await q.get_contest(conn, int(text.removeprefix("#")))
            if row is not None and row.season != self.season:
                row = None
        if row is None:
            row = await q.contest_by_name(conn, self.season, text)
        if row is None:
            raise ContestNotFound(contest=text[:100])
        return row

    async def get(self, contest: str | int) -> Contest:
        """A contest by id or exact name (case-insensitive). Raises ContestNotFound."""
        async with self.db.read() as conn:
            row = await self._resolve(conn, contest)
        return _contest(row, self.rules.max_votes_per_contest)

    async def search(self, text: str, *, limit: int = 25) -> list[Contest]:
        """Contests whose name contains ``text`` (for autocomplete), newest first."""
        async with self.db.read() as conn:
            rows = await q.search_contests(conn, self.season, text.strip(), limit=limit)
        return [_contest(r, self.rules.max_votes_per_contest) for r in rows]

    # -- submissions --------------------------------------------------------------------
    def _check_attachment(self, attachment: Attachment) -> None:
        if attachment.size > self.rules.max_attachment_bytes:
            size_mb = f"{attachment.size / (1024 * 1024):.1f}"
            raise AttachmentTooLarge(size=size_mb, max=self.rules.max_attachment_mb)
        kind = (attachment.content_type or "").split(";")[0].strip().lower()
        if kind not in self.rules.attachment_types:
            raise AttachmentTypeRefused(
                type=kind or "?", types=", ".join(self.rules.attachment_types)
            )

    def _check_submission_window(self, contest: ContestRow, now: dt.datetime) -> None:
        if contest.closed_at is not None:
            raise ContestClosed(contest=contest.name)
        if now < contest.submissions_open:
            raise SubmissionsNotOpen(
                contest=contest.name, when=discord_timestamp(contest.submissions_open)
            )
        if now >= contest.submissions_close:
            raise SubmissionsClosed(
                contest=contest.name, when=discord_timestamp(contest.submissions_close)
            )

    async def submit(
        self,
        *,
        user_id: int,
        contest: str | int,
        title: str,
        url: str | None = None,
        attachment: Attachment | None = None,
    ) -> Submission:
        """``/submit``: an entry for the member's team, inside the submission window."""
        clean_title = check_title(title)
        clean_url = check_url(url) if url else None
        if attachment is not None:
            self._check_attachment(attachment)
        if clean_url is None and attachment is None:
            raise NothingSubmitted()
        now = self.clock.now()
        async with self.db.write() as conn:
            row = await self._resolve(conn, contest)
            self._check_submission_window(row, now)
            team = await team_queries.team_of(conn, self.season, user_id)
            if team is None:
                raise NoTeam()
            if not self.rules.allow_multiple_submissions:
                existing = await q.team_submissions(conn, row.id, team.id)
                if existing:
                    raise TeamAlreadySubmitted(contest=row.name, id=existing[0].id)
            try:
                new_id = await q.insert_submission(
                    conn,
                    contest_id=row.id,
                    team_id=team.id,
                    team_key=None if self.rules.allow_multiple_submissions else team.id,
                    user_id=user_id,
                    title=clean_title,
                    url=clean_url,
                    attachment_url=attachment.url if attachment else None,
                    attachment_name=attachment.filename[:256] if attachment else None,
                    attachment_type=attachment.content_type if attachment else None,
                    attachment_size=attachment.size if attachment else None,
                    created_at=now,
                    updated_at=now,
                )
            except DuplicateRow:
                raced = await q.team_submissions(conn, row.id, team.id)
                raise TeamAlreadySubmitted(
                    contest=row.name, id=raced[0].id if raced else "?"
                ) from None
            stored = await q.get_submission(conn, new_id)
        return _submission(_present(stored), row.name, 0)

    async def _own_submission(
        self, conn: AsyncConnection, user_id: int, submission_id: int
    ) -> tuple[SubmissionRow, ContestRow]:
        stored = await q.get_submission(conn, submission_id)
        if stored is None or stored.withdrawn_at is not None:
            raise SubmissionNotFound(id=submission_id)
        contest = await q.get_contest(conn, stored.contest_id)
        if contest is None or contest.season != self.season:
            raise SubmissionNotFound(id=submission_id)
        team = await team_queries.team_of(conn, self.season, user_id)
        if team is None or team.id != stored.team_id:
            raise NotYourSubmission(id=submission_id)
        self._check_submission_window(contest, self.clock.now())
        return stored, contest

    async def edit(
        self,
        *,
        user_id: int,
        submission_id: int,
        title: str | None = None,
        url: str | None = None,
        attachment: Attachment | None = None,
    ) -> Submission:
        """``/submit edit``: change title, link or file before submissions close (team members)."""
        values: dict[str, object] = {}
        if title is not None:
            values["title"] = check_title(title)
        if url is not None:
            values["url"] = check_url(url)
        if attachment is not None:
            self._check_attachment(attachment)
            values.update(
                attachment_url=attachment.url,
                attachment_name=attachment.filename[:256],
                attachment_type=attachment.content_type,
                attachment_size=attachment.size,
            )
        if not values:
            raise NothingSubmitted()
        async with self.db.write() as conn:
            stored, contest = await self._own_submission(conn, user_id, submission_id)
            await q.update_submission(conn, stored.id, updated_at=self.clock.now(), **values)
            updated = await q.get_submission(conn, stored.id)
            count = await q.count_for(conn, stored.id)
        return _submission(_present(updated), contest.name, count)

    async def withdraw(self, *, user_id: int, submission_id: int) -> Submission:
        """``/submit withdraw``: take the entry out before submissions close (team members)."""
        async with self.db.write() as conn:
            stored, contest = await self._own_submission(conn, user_id, submission_id)
            await q.update_submission(conn, stored.id, withdrawn_at=self.clock.now())
            updated = await q.get_submission(conn, stored.id)
        return _submission(_present(updated), contest.name, 0)

    async def team_entries(self, user_id: int) -> list[Submission]:
        """The member's team's active entries in unclosed contests (for autocomplete)."""
        async with self.db.read() as conn:
            team = await team_queries.team_of(conn, self.season, user_id)
            if team is None:
                return []
            found: list[Submission] = []
            for contest in await q.unclosed_contests(conn, self.season):
                for row in await q.team_submissions(conn, contest.id, team.id):
                    found.append(_submission(row, contest.name, 0))
        return found

    async def submission(self, submission_id: int) -> Submission:
        """An entry with its counted votes. Raises SubmissionNotFound."""
        async with self.db.read() as conn:
            found = await q.submission_shown(conn, submission_id)
        if found is None:
            raise SubmissionNotFound(id=submission_id)
        stored, contest_name, count = found
        return _submission(stored, contest_name, count)

    async def set_gallery_message(
        self, submission_id: int, *, channel_id: int, message_id: int
    ) -> None:
        """Remember where the entry's gallery post is."""
        async with self.db.write() as conn:
            await q.update_submission(
                conn, submission_id, channel_id=channel_id, message_id=message_id
            )

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
        already voted. Checks every rule in the module docstring; a refused press raises
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
            batch = _PressBatch(self, conn, presses)
            outcomes = await batch.run()
        if self.activity is not None:  # engagement: votes counted (committed) in this batch
            for voter_id in batch.counted:
                self.activity.record(voter_id, "vote")
        return outcomes

    def _check_ages(
        self, now: dt.datetime, account_created_at: dt.datetime, joined_at: dt.datetime | None
    ) -> None:
        account_days = self.rules.min_account_age_days
        if account_days:
            allowed = account_created_at + dt.timedelta(days=account_days)
            if now < allowed:
                raise AccountTooNew(days=account_days, when=discord_timestamp(allowed))
        member_days = self.rules.min_membership_age_days
        if member_days:
            allowed = (joined_at or now) + dt.timedelta(days=member_days)
            if now < allowed:
                raise MembershipTooNew(days=member_days, when=discord_timestamp(allowed))

    async def count(self, submission_id: int) -> int:
        """Counted (not voided) votes for an entry."""
        async with self.db.read() as conn:
            return await q.count_for(conn, submission_id)

    # -- brushing review ----------------------------------------------------------------
    async def flagged(self, contest: str | int) -> tuple[Contest, list[FlaggedCluster]]:
        """``/contest flagged``: clusters of counted votes the brushing detector links."""
        async with self.db.read() as conn:
            row = await self._resolve(conn, contest)
            votes = await q.contest_votes(conn, row.id)
            entries = {s.id: s for s in await q.active_submissions(conn, row.id)}
        signals = [
            VoteSignal(
                vote_id=v.id,
                submission_id=v.submission_id,
                voter_id=v.voter_id,
                account_created_at=v.voter_created_at,
                joined_at=v.voter_joined_at,
                voted_at=v.created_at,
            )
            for v in votes
            if v.voided_at is None
        ]
        clusters: list[Cluster] = find_clusters(signals, self.rules.brushing_window)
        flagged = [
            FlaggedCluster(
                submission_id=c.submission_id,
                title=entries[c.submission_id].title if c.submission_id in entries else "?",
                team_name=entries[c.submission_id].team_name if c.submission_id in entries else "?",
                vote_ids=c.vote_ids,
                voter_ids=c.voter_ids,
                reasons=c.reasons,
                first_vote_at=c.first_vote_at,
                last_vote_at=c.last_vote_at,
            )
            for c in clusters
        ]
        return _contest(row, self.rules.max_votes_per_contest), flagged

    async def void(
        self, *, actor_id: int, vote_ids: str | Sequence[int], reason: str
    ) -> list[VoidOutcome]:
        """``/contest void``: void the votes (kept, no longer counted); audited per vote.
        Unknown ids refuse the whole request; already voided ones are skipped."""
        ids = (
            parse_vote_ids(vote_ids) if isinstance(vote_ids, str) else list(dict.fromkeys(vote_ids))
        )
        clean_reason = " ".join(reason.split())
        if not 1 <= len(clean_reason) <= MAX_REASON:
            raise InvalidReason()
        now = self.clock.now()
        outcomes: list[VoidOutcome] = []
        async with self.db.write() as conn:
            found = {v.id: v for v in await q.votes_by_id(conn, ids)}
            contests = {v.contest_id for v in found.values()}
            seasons = {cid: (await q.get_contest(conn, cid)) for cid in contests}
            found = {
                i: v
                for i, v in found.items()
                if (c := seasons.get(v.contest_id)) is not None and c.season == self.season
            }
            missing = [i for i in ids if i not in found]
            if missing:
                raise UnknownVotes(ids=", ".join(str(i) for i in missing))
            for vote_id in ids:
                vote = found[vote_id]
                if not await q.void_vote(conn, vote_id, at=now, by=actor_id, reason=clean_reason):
                    continue
                await q.add_events(
                    conn,
                    [
                        {
                            "contest_id": vote.contest_id,
                            "submission_id": vote.submission_id,
                            "voter_id": vote.voter_id,
                            "vote_id": vote_id,
                            "action": "void",
                            "at": now,
                        }
                    ],
                )
                await self.audit.record(
                    conn,
                    actor_id=actor_id,
                    action="contest.void_vote",
                    target=f"vote:{vote_id}",
                    details={
                        "contest_id": vote.contest_id,
                        "submission_id": vote.submission_id,
                        "voter_id": vote.voter_id,
                        "voted_at": vote.created_at.isoformat(),
                        "reason": clean_reason,
                    },
                )
                stored = await q.get_submission(conn, vote.submission_id)
                stored = _present(stored)
                outcomes.append(
                    VoidOutcome(
                        submission_id=vote.submission_id,
                        count=await q.count_for(conn, vote.submission_id),
                        channel_id=stored.channel_id,
                        message_id=stored.message_id,
                    )
                )
        return outcomes

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
        entries = await q.active_submissions(conn, row.id)
        contest = _contest(row, self.rules.max_votes_per_contest)
        if row.closed_at is None:
            placings = self._standings(entries, await q.counts(conn, row.id))
            return Results(
                contest=contest, closed=False, closed_now=False, placings=tuple(placings)
            )
        by_id = {e.id: e for e in entries}
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

    async def close(self, *, actor_id: int | None, contest: str | int) -> Results:
        """``/contest close`` (early) and the automatic close at ``voting_close``: freezes
        the counts, records the places and credits their points, in one transaction.
        Idempotent: closing a closed contest returns its results and writes nothing."""
        now = self.clock.now()
        async with self.db.write() as conn:
            row = await self._resolve(conn, contest)
            if not await q.mark_closed(conn, row.id, now):
                refreshed = await q.get_contest(conn, row.id)
                return await self._results(conn, _present(refreshed), closed_now=False)
            entries = await q.active_submissions(conn, row.id)
            standings = self._standings(entries, await q.counts(conn, row.id))
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
            results = await self._results(conn, _present(closed), closed_now=True)
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
            return await q.events_of(conn, row.id)


# -- the vote path: group commit in the one writer ----------------------------------------
@dataclass(frozen=True, slots=True)
class VotePress:
    """One press of a Vote button, as the platform reported the voter."""

    submission_id: int
    voter_id: int
    account_created_at: dt.datetime
    joined_at: dt.datetime | None


_In = TypeVar("_In")
_Out = TypeVar("_Out")


class GroupCommit(Generic[_In, _Out]):
    """Runs requests that arrive while a transaction is in flight together in the next one.

    ``apply`` gets a batch (arrival order) and returns one result per request: a value, or
    an exception for that request alone. Each caller awaits its own result. An exception
    raised by ``apply`` itself fails every request of the batch (nothing was committed).
    One drain task at a time, so batches never overlap.
    """

    def __init__(
        self,
        apply: Callable[[list[_In]], Awaitable[list[_Out | PodiumError]]],
        *,
        max_batch: int = 256,
    ) -> None:
        self._apply = apply
        self._max_batch = max_batch
        self._queue: list[tuple[_In, asyncio.Future[_Out]]] = []
        self._drain: asyncio.Task[None] | None = None
        #: transactions run so far (with ``items``: the average batch size, for benchmarks)
        self.batches = 0
        self.items = 0

    async def submit(self, item: _In) -> _Out:
        """Queue ``item`` and wait for its result (raises its error)."""
        future: asyncio.Future[_Out] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if self._drain is None or self._drain.done():
            self._drain = asyncio.create_task(self._run(), name="vote-group-commit")
        return await future  # a cancelled caller cancels only its future; the press applies

    async def _run(self) -> None:
        while self._queue:
            batch = self._queue[: self._max_batch]
            del self._queue[: self._max_batch]
            self.batches += 1
            self.items += len(batch)
            try:
                results = await self._apply([item for item, _ in batch])
            except Exception as exc:  # the whole transaction failed: tell every caller
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():
                    continue
                if isinstance(result, Exception):
                    future.set_exception(result)
                else:
                    future.set_result(result)


@dataclass(slots=True)
class _VoteState:
    vote_id: int | None  # None: inserted in this batch, id known after the insert
    voided: bool


class _PressBatch:
    """Applies presses in arrival order inside one transaction: bulk reads, the rules
    checked in memory against the state earlier presses of the batch left, bulk writes."""

    def __init__(
        self, service: ContestService, conn: AsyncConnection, presses: list[VotePress]
    ) -> None:
        self.service = service
        self.conn = conn
        self.presses = presses
        self.now = service.clock.now()
        self.counted: list[int] = []  # voter ids of the votes this batch adds

    async def run(self) -> list[VoteOutcome | PodiumError]:
        conn, rules, now = self.conn, self.service.rules, self.now
        voter_ids = list({p.voter_id for p in self.presses})
        await q.lock_voters(conn, voter_ids)
        read = await q.vote_batch_state(
            conn,
            season=self.service.season,
            submission_ids=list({p.submission_id for p in self.presses}),
            voter_ids=voter_ids,
            since=now - RATE_WINDOW,
        )
        entries = read.targets
        ballots = {
            entry.submission_id: _Ballot(
                id=entry.contest_id,
                opens=entry.submissions_close,  # voting opens when submissions close
                ends=voting_ends(entry.voting_close, entry.closed_at),
                max_votes=entry.max_votes or rules.max_votes_per_contest,
            )
            for entry in entries.values()
        }
        existing: dict[tuple[int, int], _VoteState] = {}
        used: dict[tuple[int, int], int] = {}
        for vote_id, contest_id, submission_id, voter_id, voided in read.votes:
            existing[(submission_id, voter_id)] = _VoteState(vote_id, voided)
            key = (contest_id, voter_id)
            used[key] = used.get(key, 0) + 1
        teams = read.teams
        recent: dict[int, list[tuple[int, str, dt.datetime]]] = {}
        for voter, pressed, action, at in read.recent:
            recent.setdefault(voter, []).append((pressed, action, at))
        results: list[tuple[VotePress, bool, int, int] | PodiumError] = []
        inserts: list[VotePress] = []
        deletes: list[int] = []
        events: list[tuple[VotePress, str, int | None]] = []
        for press in self.presses:
            try:
                entry = entries.get(press.submission_id)
                if entry is None or entry.season != self.service.season:
                    raise SubmissionNotFound(id=press.submission_id)
                contest = ballots[press.submission_id]
                outcome = self._press(press, entry, contest, existing, used, teams, recent)
            except PodiumError as error:
                results.append(error)
                continue
            key = (press.submission_id, press.voter_id)
            added, change = outcome
            results.append(
                (press, added, used.get((contest.id, press.voter_id), 0), contest.max_votes)
            )
            if change == "vote":
                inserts.append(press)
                self.counted.append(press.voter_id)
                events.append((press, "vote", None))
            elif change == "unvote":
                state = existing.pop(key)
                if state.vote_id is None:  # pragma: no cover - a double press in one batch
                    raise RuntimeError("unvote of a vote inserted in the same batch")
                deletes.append(state.vote_id)
                events.append((press, "unvote", state.vote_id))
        await q.delete_votes(conn, deletes)
        await q.insert_votes(
            conn,
            [
                {
                    "contest_id": entries[p.submission_id].contest_id,
                    "submission_id": p.submission_id,
                    "voter_id": p.voter_id,
                    "voter_created_at": p.account_created_at,
                    "voter_joined_at": p.joined_at,
                    "created_at": now,
                }
                for p in inserts
            ],
        )
        await q.add_events(
            conn,
            [
                {
                    "contest_id": entries[p.submission_id].contest_id,
                    "submission_id": p.submission_id,
                    "voter_id": p.voter_id,
                    "vote_id": vote_id,  # None: the vote just inserted
                    "action": action,
                    "at": now,
                }
                for p, action, vote_id in events
            ],
        )
        outcomes: list[VoteOutcome | PodiumError] = []
        for result in results:
            if isinstance(result, PodiumError):
                outcomes.append(result)
                continue
            press, added, used_now, max_votes = result
            shown = entries[press.submission_id]
            outcomes.append(
                VoteOutcome(
                    submission_id=press.submission_id,
                    added=added,
                    used=used_now,
                    max_votes=max_votes,
                    channel_id=shown.channel_id,
                    message_id=shown.message_id,
                )
            )
        return outcomes

    def _press(
        self,
        press: VotePress,
        entry: VoteTarget,
        contest: _Ballot,
        existing: dict[tuple[int, int], _VoteState],
        used: dict[tuple[int, int], int],
        teams: dict[int, int],
        recent: dict[int, list[tuple[int, str, dt.datetime]]],
    ) -> tuple[bool, str | None]:
        """Check one press against the rules; update the in-memory state. Returns (the vote
        is now cast, the change to write: ``vote``, ``unvote`` or None)."""
        now, rules = self.now, self.service.rules
        if now < contest.opens:
            raise VotingNotOpen(when=discord_timestamp(contest.opens))
        if now >= contest.ends:
            raise VotingClosed(when=discord_timestamp(contest.ends))
        key = (press.submission_id, press.voter_id)
        state = existing.get(key)
        if state is not None and state.voided:
            raise VoteVoided()
        presses = recent.setdefault(press.voter_id, [])
        last = next((p for p in reversed(presses) if p[0] == press.submission_id), None)
        if last is not None and now - last[2] < DOUBLE_PRESS:
            # A double click (or a retried delivery) repeats the press it follows: the
            # member meant one vote, or one take-back, not a toggle back and forth.
            return last[1] == "vote", None
        if len(presses) >= rules.rate_limit_per_minute:
            retry = presses[-rules.rate_limit_per_minute][2] + RATE_WINDOW
            raise VotingTooFast(
                limit=rules.rate_limit_per_minute, when=discord_timestamp(retry, "R")
            )
        allowance = (contest.id, press.voter_id)
        if state is not None:
            used[allowance] = used.get(allowance, 0) - 1
            presses.append((press.submission_id, "unvote", now))
            return False, "unvote"
        if entry.withdrawn_at is not None:
            raise EntryWithdrawn()
        if teams.get(press.voter_id) == entry.team_id:
            raise OwnTeamVote()
        self.service._check_ages(now, press.account_created_at, press.joined_at)
        if used.get(allowance, 0) >= contest.max_votes:
            raise VoteLimitReached(max=contest.max_votes)
        used[allowance] = used.get(allowance, 0) + 1
        existing[key] = _VoteState(None, voided=False)
        presses.append((press.submission_id, "vote", now))
        return True, "vote"
