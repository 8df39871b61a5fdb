"""The vote rules and the vote batch: presses checked in arrival order in one transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.calendar import discord_timestamp
from bot.errors import PodiumError
from bot.services.contests.errors import (
    AccountTooNew,
    EntryModerated,
    EntryWithdrawn,
    MembershipTooNew,
    OwnTeamVote,
    SubmissionNotFound,
    VoteLimitReached,
    VoteVoided,
    VotingClosed,
    VotingNotOpen,
    VotingTooFast,
)
from bot.services.contests.models import VoteOutcome, voting_ends
from storage.queries.contests import votes as q
from storage.queries.contests.votes import VoteTarget

RATE_WINDOW = dt.timedelta(minutes=1)
#: A second press on the same entry this soon after the first repeats it (a double click).
DOUBLE_PRESS = dt.timedelta(seconds=2)


@dataclass(frozen=True, slots=True)
class VoteRules:
    """The numbers the vote rules use (from the ``[votes]`` section of the competition)."""

    max_votes_per_contest: int
    rate_limit_per_minute: int
    min_account_age_days: int
    min_membership_age_days: int


@dataclass(frozen=True, slots=True)
class VotePress:
    """One press of a Vote button, as the platform reported the voter."""

    submission_id: int
    voter_id: int
    account_created_at: dt.datetime
    joined_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class _Ballot:
    """A contest as a press sees it: voting window [opens, ends) and the maximum."""

    id: int
    opens: dt.datetime
    ends: dt.datetime
    max_votes: int


def check_ages(
    rules: VoteRules,
    now: dt.datetime,
    account_created_at: dt.datetime,
    joined_at: dt.datetime | None,
) -> None:
    """Refuse a voter whose account or membership is younger than the rules allow."""
    account_days = rules.min_account_age_days
    if account_days:
        allowed = account_created_at + dt.timedelta(days=account_days)
        if now < allowed:
            raise AccountTooNew(days=account_days, when=discord_timestamp(allowed))
    member_days = rules.min_membership_age_days
    if member_days:
        allowed = (joined_at or now) + dt.timedelta(days=member_days)
        if now < allowed:
            raise MembershipTooNew(days=member_days, when=discord_timestamp(allowed))


@dataclass(slots=True)
class _VoteState:
    vote_id: int | None  # None: inserted in this batch, id known after the insert
    voided: bool


class PressBatch:
    """Applies presses in arrival order inside one transaction: bulk reads, the rules
    checked in memory against the state earlier presses of the batch left, bulk writes.
    ``now`` is the instant of every press of the batch; ``season`` the current season."""

    def __init__(
        self,
        conn: AsyncConnection,
        presses: list[VotePress],
        *,
        now: dt.datetime,
        season: str,
        rules: VoteRules,
    ) -> None:
        self.conn = conn
        self.presses = presses
        self.now = now
        self.season = season
        self.rules = rules
        self.counted: list[int] = []  # voter ids of the votes this batch adds

    async def run(self) -> list[VoteOutcome | PodiumError]:
        conn, rules, now = self.conn, self.rules, self.now
        voter_ids = list({p.voter_id for p in self.presses})
        await q.lock_voters(conn, voter_ids)
        read = await q.vote_batch_state(
            conn,
            season=self.season,
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
        for vote_id, contest_id, submission_id, voter_id, voided, moderated in read.votes:
            existing[(submission_id, voter_id)] = _VoteState(vote_id, voided)
            if moderated:  # a vote for a hidden or disqualified entry gives its vote back
                continue
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
                if entry is None or entry.season != self.season:
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
        now, rules = self.now, self.rules
        if now < contest.opens:
            raise VotingNotOpen(when=discord_timestamp(contest.opens))
        if now >= contest.ends:
            raise VotingClosed(when=discord_timestamp(contest.ends))
        if entry.moderation is not None:
            raise EntryModerated()
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
        check_ages(rules, now, press.account_created_at, press.joined_at)
        if used.get(allowance, 0) >= contest.max_votes:
            raise VoteLimitReached(max=contest.max_votes)
        used[allowance] = used.get(allowance, 0) + 1
        existing[key] = _VoteState(None, voided=False)
        presses.append((press.submission_id, "vote", now))
        return True, "vote"
