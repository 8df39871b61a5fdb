"""Queries on contests, submissions, votes, vote events and results (no rules here)."""

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
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import BindParameter

from storage.schema import (
    contest_results,
    contests,
    submissions,
    team_members,
    teams,
    vote_events,
    votes,
)


class DuplicateRow(Exception):
    """An insert broke a unique constraint (another writer got there first)."""


@dataclass(frozen=True, slots=True)
class ContestRow:
    id: int
    season: str
    name: str
    category: str
    submissions_open: dt.datetime
    submissions_close: dt.datetime
    voting_close: dt.datetime
    max_votes: int | None
    gallery_channel_id: int | None
    created_by: int | None
    created_at: dt.datetime
    closed_at: dt.datetime | None
    results_message_id: int | None


@dataclass(frozen=True, slots=True)
class SubmissionRow:
    id: int
    contest_id: int
    team_id: int
    team_name: str
    user_id: int
    title: str
    url: str | None
    attachment_url: str | None
    attachment_name: str | None
    attachment_type: str | None
    attachment_size: int | None
    channel_id: int | None
    message_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    withdrawn_at: dt.datetime | None


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


@dataclass(frozen=True, slots=True)
class ResultRow:
    place: int
    submission_id: int
    team_id: int
    votes: int
    points: int


def _contest(m: Any) -> ContestRow:
    return ContestRow(**{f: m[f] for f in ContestRow.__slots__})


def _submission(m: Any) -> SubmissionRow:
    return SubmissionRow(**{f: m[f] for f in SubmissionRow.__slots__})


def _vote(m: Any) -> VoteRow:
    return VoteRow(**{f: m[f] for f in VoteRow.__slots__})


_SUBMISSION_COLUMNS = [*submissions.c, teams.c.name.label("team_name")]


# -- contests ---------------------------------------------------------------------------
async def create_contest(conn: AsyncConnection, **values: Any) -> ContestRow:
    """Insert a contest; raises DuplicateRow when the season already has that name."""
    try:
        async with conn.begin_nested():
            row = (
                await conn.execute(insert(contests).values(**values).returning(*contests.c))
            ).one()
    except IntegrityError as exc:
        raise DuplicateRow(str(exc.orig)) from exc
    return _contest(row._mapping)


async def get_contest(conn: AsyncConnection, contest_id: int) -> ContestRow | None:
    """A contest by id."""
    row = (await conn.execute(select(contests).where(contests.c.id == contest_id))).first()
    return _contest(row._mapping) if row else None


async def contest_by_name(conn: AsyncConnection, season: str, name: str) -> ContestRow | None:
    """A contest by exact name (case-insensitive) in a season."""
    row = (
        await conn.execute(
            select(contests).where(
                contests.c.season == season, func.lower(contests.c.name) == name.lower()
            )
        )
    ).first()
    return _contest(row._mapping) if row else None


async def search_contests(
    conn: AsyncConnection, season: str, text_: str, *, limit: int
) -> list[ContestRow]:
    """Contests whose name contains ``text_`` (case-insensitive), newest first."""
    query = select(contests).where(contests.c.season == season)
    if text_:
        query = query.where(func.lower(contests.c.name).contains(text_.lower(), autoescape=True))
    rows = await conn.execute(query.order_by(contests.c.id.desc()).limit(limit))
    return [_contest(r._mapping) for r in rows]


async def unclosed_contests(conn: AsyncConnection, season: str) -> list[ContestRow]:
    """Contests not closed yet."""
    rows = await conn.execute(
        select(contests).where(contests.c.season == season, contests.c.closed_at.is_(None))
    )
    return [_contest(r._mapping) for r in rows]


async def mark_closed(conn: AsyncConnection, contest_id: int, at: dt.datetime) -> bool:
    """Set closed_at unless already set; True when this call closed it."""
    result = await conn.execute(
        update(contests)
        .where(contests.c.id == contest_id, contests.c.closed_at.is_(None))
        .values(closed_at=at)
    )
    return result.rowcount == 1


async def set_results_message(conn: AsyncConnection, contest_id: int, message_id: int) -> None:
    """Remember the results post."""
    await conn.execute(
        update(contests).where(contests.c.id == contest_id).values(results_message_id=message_id)
    )


# -- submissions ------------------------------------------------------------------------
async def insert_submission(conn: AsyncConnection, **values: Any) -> int:
    """Insert an entry; raises DuplicateRow when the team already has an active one."""
    try:
        async with conn.begin_nested():
            new_id = (
                await conn.execute(insert(submissions).values(**values).returning(submissions.c.id))
            ).scalar_one()
    except IntegrityError as exc:
        raise DuplicateRow(str(exc.orig)) from exc
    return int(new_id)


async def get_submission(conn: AsyncConnection, submission_id: int) -> SubmissionRow | None:
    """An entry with its team's name."""
    row = (
        await conn.execute(
            select(*_SUBMISSION_COLUMNS)
            .join(teams, teams.c.id == submissions.c.team_id)
            .where(submissions.c.id == submission_id)
        )
    ).first()
    return _submission(row._mapping) if row else None


async def submission_shown(
    conn: AsyncConnection, submission_id: int
) -> tuple[SubmissionRow, str, int] | None:
    """An entry with its team's name, its contest's name and its counted (not voided) votes,
    in one statement (a gallery post is re-rendered from this)."""
    counted = (
        select(func.count())
        .select_from(votes)
        .where(votes.c.submission_id == submissions.c.id, votes.c.voided_at.is_(None))
        .scalar_subquery()
    )
    row = (
        await conn.execute(
            select(
                *_SUBMISSION_COLUMNS,
                contests.c.name.label("contest_name"),
                counted.label("counted_votes"),
            )
            .join(teams, teams.c.id == submissions.c.team_id)
            .join(contests, contests.c.id == submissions.c.contest_id)
            .where(submissions.c.id == submission_id)
        )
    ).first()
    if row is None:
        return None
    m = row._mapping
    return _submission(m), str(m["contest_name"]), int(m["counted_votes"] or 0)


async def active_submissions(conn: AsyncConnection, contest_id: int) -> list[SubmissionRow]:
    """A contest's entries that are not withdrawn, oldest first."""
    rows = await conn.execute(
        select(*_SUBMISSION_COLUMNS)
        .join(teams, teams.c.id == submissions.c.team_id)
        .where(submissions.c.contest_id == contest_id, submissions.c.withdrawn_at.is_(None))
        .order_by(submissions.c.created_at, submissions.c.id)
    )
    return [_submission(r._mapping) for r in rows]


async def team_submissions(
    conn: AsyncConnection, contest_id: int, team_id: int
) -> list[SubmissionRow]:
    """The team's active entries in a contest."""
    return [s for s in await active_submissions(conn, contest_id) if s.team_id == team_id]


async def update_submission(conn: AsyncConnection, submission_id: int, **values: Any) -> None:
    """Change an entry's fields."""
    await conn.execute(
        update(submissions).where(submissions.c.id == submission_id).values(**values)
    )


# -- votes ------------------------------------------------------------------------------
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


@dataclass(frozen=True, slots=True)
class VoteBatchState:
    """What the vote rules need for a batch of presses, read in one statement."""

    #: the pressed entries by id (unknown ids are absent)
    targets: dict[int, VoteTarget]
    #: (vote id, contest, entry, voter, voided) of the voters' votes in those entries'
    #: contests, voided ones too
    votes: list[tuple[int, int, int, int, bool]]
    #: team id per voter this season (voters without a team are absent)
    teams: dict[int, int]
    #: (voter, entry, "vote" or "unvote", at) of the voters' presses after ``since``, in order
    recent: list[tuple[int, int, str, dt.datetime]]


_TARGET, _VOTE, _TEAM, _PRESS = 0, 1, 2, 3


def _vote_batch_statement() -> Any:
    """Four selects with one shape, UNION ALL, ordered by kind and then id:
    (kind, a, b, c, d, e, f: integers, t1, t2, t3, t4: times, s: text). Built once, so a
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
        )
        .join(contests, contests.c.id == submissions.c.contest_id)
        .where(submissions.c.id.in_(entries))
    )
    cast_votes = select(
        literal(_VOTE),
        votes.c.id,
        votes.c.contest_id,
        votes.c.submission_id,
        votes.c.voter_id,
        *ints(2),
        votes.c.voided_at,
        *times(3),
        no_text,
    ).where(
        votes.c.contest_id.in_(
            select(submissions.c.contest_id).where(submissions.c.id.in_(entries))
        ),
        votes.c.voter_id.in_(voters),
    )
    member_teams = select(
        literal(_TEAM),
        team_members.c.user_id,
        team_members.c.team_id,
        *ints(4),
        *times(4),
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
    for kind, a, b, c, d, e, f, t1, t2, t3, t4, text_ in rows:
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
            )
        elif kind == _VOTE:
            state.votes.append((int(a), int(b), int(c), int(d), t1 is not None))
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


# -- results ----------------------------------------------------------------------------
async def insert_result(conn: AsyncConnection, contest_id: int, result: ResultRow) -> None:
    """Record a place (the primary key keeps each place once)."""
    await conn.execute(
        insert(contest_results).values(
            contest_id=contest_id,
            place=result.place,
            submission_id=result.submission_id,
            team_id=result.team_id,
            votes=result.votes,
            points=result.points,
        )
    )


async def results(conn: AsyncConnection, contest_id: int) -> list[ResultRow]:
    """A closed contest's places, first place first."""
    rows = await conn.execute(
        select(contest_results)
        .where(contest_results.c.contest_id == contest_id)
        .order_by(contest_results.c.place)
    )
    return [
        ResultRow(
            place=r.place,
            submission_id=r.submission_id,
            team_id=r.team_id,
            votes=r.votes,
            points=r.points,
        )
        for r in rows
    ]
