"""Queries on votes and vote events: the vote batch's one read, its writes, counts, voids."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    String,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import BindParameter

from storage.schema import (
    contests,
    entry_moderation,
    submissions,
    team_members,
    vote_events,
    votes,
)


@dataclass(frozen=True, slots=True)
class VoteRow:
    id: int
    contest_id: int
    submission_id: int
    voter_id: int
    voter_created_at: dt.datetime
    voter_joined_at: dt.datetime | None
    created_at: dt.datetime
    voided_at: dt.datetime | None
    voided_by: int | None
    void_reason: str | None


def _vote(m: Any) -> VoteRow:
    return VoteRow(**{f: m[f] for f in VoteRow.__slots__})


async def lock_voters(conn: AsyncConnection, voter_ids: Sequence[int]) -> None:
    """Serialize votes per voter across processes on PostgreSQL (SQLite has one writer).

    Locks are taken in id order so two batches never wait on each other in a cycle.
    """
    if conn.dialect.name != "postgresql":
        return
    for voter_id in sorted(set(voter_ids)):
        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": voter_id % (2**63)})


@dataclass(frozen=True, slots=True)
class VoteTarget:
    """An entry as a vote press sees it: its team, state and gallery post, and its
    contest's season, windows and maximum."""

    submission_id: int
    team_id: int
    withdrawn_at: dt.datetime | None
    channel_id: int | None
    message_id: int | None
    contest_id: int
    season: str
    submissions_close: dt.datetime
    voting_close: dt.datetime
    closed_at: dt.datetime | None
    max_votes: int | None
    #: ``hidden`` or ``disqualified`` by an organizer, else None
    moderation: str | None = None


@dataclass(frozen=True, slots=True)
class VoteBatchState:
    """What the vote rules need for a batch of presses, read in one statement."""

    #: the pressed entries by id (unknown ids are absent)
    targets: dict[int, VoteTarget]
    #: (vote id, contest, entry, voter, voided, the entry is hidden or disqualified) of the
    #: voters' votes in those entries' contests, voided ones too
    votes: list[tuple[int, int, int, int, bool, bool]]
    #: team id per voter this season (voters without a team are absent)
    teams: dict[int, int]
    #: (voter, entry, "vote" or "unvote", at) of the voters' presses after ``since``, in order
    recent: list[tuple[int, int, str, dt.datetime]]


_TARGET, _VOTE, _TEAM, _PRESS = 0, 1, 2, 3


def _vote_batch_statement() -> Any:
    """Four selects with one shape, UNION ALL, ordered by kind and then id:
    (kind, a, b, c, d, e, f: integers, t1, t2, t3, t4: times, s, m: texts; m is the
    entry's moderation). Built once, so a
    batch only binds its ids (expanding IN parameters): entries, voters, season, since."""
    entries: BindParameter[int] = bindparam("entries", expanding=True)
    voters: BindParameter[int] = bindparam("voters", expanding=True)
    time_type = votes.c.created_at.type

    def ints(n: int) -> list[Any]:
        return [literal(None, type_=BigInteger) for _ in range(n)]

    def times(n: int) -> list[Any]:
        return [literal(None, type_=time_type) for _ in range(n)]

    no_text = literal(None, type_=String)
    targets = (
        select(
            literal(_TARGET).label("kind"),
            submissions.c.id.label("a"),
            submissions.c.team_id.label("b"),
            submissions.c.contest_id.label("c"),
            submissions.c.channel_id.label("d"),
            submissions.c.message_id.label("e"),
            contests.c.max_votes.label("f"),
            submissions.c.withdrawn_at.label("t1"),
            contests.c.submissions_close.label("t2"),
            contests.c.voting_close.label("t3"),
            contests.c.closed_at.label("t4"),
            contests.c.season.label("s"),
            entry_moderation.c.state.label("m"),
        )
        .join(contests, contests.c.id == submissions.c.contest_id)
        .outerjoin(entry_moderation, entry_moderation.c.submission_id == submissions.c.id)
        .where(submissions.c.id.in_(entries))
    )
    cast_votes = (
        select(
            literal(_VOTE),
            votes.c.id,
            votes.c.contest_id,
            votes.c.submission_id,
            votes.c.voter_id,
            *ints(2),
            votes.c.voided_at,
            *times(3),
            no_text,
            entry_moderation.c.state,
        )
        .outerjoin(entry_moderation, entry_moderation.c.submission_id == votes.c.submission_id)
        .where(
            votes.c.contest_id.in_(
                select(submissions.c.contest_id).where(submissions.c.id.in_(entries))
            ),
            votes.c.voter_id.in_(voters),
        )
    )
    member_teams = select(
        literal(_TEAM),
        team_members.c.user_id,
        team_members.c.team_id,
        *ints(4),
        *times(4),
        no_text,
        no_text,
    ).where(team_members.c.season == bindparam("season"), team_members.c.user_id.in_(voters))
    presses = select(
        literal(_PRESS),
        vote_events.c.id,
        vote_events.c.voter_id,
        vote_events.c.submission_id,
        case((vote_events.c.action == "vote", 1), else_=0),
        *ints(2),
        vote_events.c.at,
        *times(3),
        no_text,
        no_text,
    ).where(
        vote_events.c.voter_id.in_(voters),
        vote_events.c.at > bindparam("since", type_=time_type),
        vote_events.c.action.in_(("vote", "unvote")),
    )
    union = union_all(targets, cast_votes, member_teams, presses).subquery()
    return select(union).order_by(union.c.kind, union.c.a)


_VOTE_BATCH = _vote_batch_statement()


async def vote_batch_state(
    conn: AsyncConnection,
    *,
    season: str,
    submission_ids: Sequence[int],
    voter_ids: Sequence[int],
    since: dt.datetime,
) -> VoteBatchState:
    """The pressed entries with their contests, and the voters' votes in those contests,
    teams and recent presses: one statement, so a batch of presses reads what its rules
    need in one round trip to the database."""
    rows = await conn.execute(
        _VOTE_BATCH,
        {
            "entries": list(submission_ids),
            "voters": list(voter_ids),
            "season": season,
            "since": since,
        },
    )
    state = VoteBatchState(targets={}, votes=[], teams={}, recent=[])
    for kind, a, b, c, d, e, f, t1, t2, t3, t4, text_, moderation in rows:
        if kind == _TARGET:
            state.targets[int(a)] = VoteTarget(
                submission_id=int(a),
                team_id=int(b),
                withdrawn_at=t1,
                channel_id=d,
                message_id=e,
                contest_id=int(c),
                season=str(text_),
                submissions_close=t2,
                voting_close=t3,
                closed_at=t4,
                max_votes=f,
                moderation=moderation,
            )
        elif kind == _VOTE:
            state.votes.append(
                (int(a), int(b), int(c), int(d), t1 is not None, moderation is not None)
            )
        elif kind == _TEAM:
            state.teams[int(a)] = int(b)
        else:
            state.recent.append((int(b), int(c), "vote" if d else "unvote", t1))
    return state


async def insert_votes(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    """Insert votes in one statement. A duplicate (entry, voter) raises IntegrityError: the
    caller's rules prevent it."""
    if rows:
        await conn.execute(insert(votes), rows)


async def delete_votes(conn: AsyncConnection, vote_ids: Sequence[int]) -> None:
    """Remove (not voided) votes."""
    if vote_ids:
        await conn.execute(
            delete(votes).where(votes.c.id.in_(list(vote_ids)), votes.c.voided_at.is_(None))
        )


# An event's vote: the id given, else the vote of (entry, voter), so the events of votes
# inserted just before in the same transaction need no RETURNING round trip for their ids.
_ADD_EVENT = insert(vote_events).values(
    contest_id=bindparam("contest_id"),
    submission_id=bindparam("submission_id"),
    voter_id=bindparam("voter_id"),
    vote_id=func.coalesce(
        bindparam("vote_id", type_=BigInteger),
        select(votes.c.id)
        .where(
            votes.c.submission_id == bindparam("submission_id"),
            votes.c.voter_id == bindparam("voter_id"),
        )
        .scalar_subquery(),
    ),
    action=bindparam("action"),
    at=bindparam("at", type_=vote_events.c.at.type),
)


async def add_events(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    """Append vote events (contest_id, submission_id, voter_id, vote_id, action, at); a
    ``vote_id`` of None means the current vote of (submission_id, voter_id)."""
    if rows:
        await conn.execute(_ADD_EVENT, rows)


async def count_for(conn: AsyncConnection, submission_id: int) -> int:
    """Counted (not voided) votes for one entry."""
    return int(
        await conn.scalar(
            select(func.count())
            .select_from(votes)
            .where(votes.c.submission_id == submission_id, votes.c.voided_at.is_(None))
        )
        or 0
    )


async def counts(conn: AsyncConnection, contest_id: int) -> dict[int, int]:
    """Counted votes per entry of a contest (entries without votes are absent)."""
    rows = await conn.execute(
        select(votes.c.submission_id, func.count())
        .where(votes.c.contest_id == contest_id, votes.c.voided_at.is_(None))
        .group_by(votes.c.submission_id)
    )
    return {int(s): int(n) for s, n in rows}


async def contest_votes(conn: AsyncConnection, contest_id: int) -> list[VoteRow]:
    """Every vote of a contest, voided ones too, oldest first."""
    rows = await conn.execute(
        select(votes)
        .where(votes.c.contest_id == contest_id)
        .order_by(votes.c.created_at, votes.c.id)
    )
    return [_vote(r._mapping) for r in rows]


async def votes_by_id(conn: AsyncConnection, vote_ids: Sequence[int]) -> list[VoteRow]:
    """Votes by id (unknown ids are absent)."""
    rows = await conn.execute(select(votes).where(votes.c.id.in_(list(vote_ids))))
    return [_vote(r._mapping) for r in rows]


async def void_vote(
    conn: AsyncConnection, vote_id: int, *, at: dt.datetime, by: int, reason: str
) -> bool:
    """Mark a vote voided (kept, no longer counted); False when it already was."""
    result = await conn.execute(
        update(votes)
        .where(and_(votes.c.id == vote_id, votes.c.voided_at.is_(None)))
        .values(voided_at=at, voided_by=by, void_reason=reason)
    )
    return result.rowcount == 1


async def events_of(
    conn: AsyncConnection, contest_id: int
) -> list[tuple[int, int, str, dt.datetime]]:
    """(submission id, voter id, action, at) of every event of a contest, in order."""
    rows = await conn.execute(
        select(
            vote_events.c.submission_id,
            vote_events.c.voter_id,
            vote_events.c.action,
            vote_events.c.at,
        )
        .where(vote_events.c.contest_id == contest_id)
        .order_by(vote_events.c.id)
    )
    return [(int(s), int(v), str(a), at) for s, v, a, at in rows]
