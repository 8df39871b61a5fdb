"""What the Q&A service hands out: sessions, questions, upvotes, check-ins and notices."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypeVar

from bot.services.qa.errors import SessionNotFound
from storage.queries.qa import QuestionRow, SessionRow


@dataclass(frozen=True, slots=True)
class Session:
    """A Q&A session as people see it (times are UTC)."""

    id: int
    title: str
    kind: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    host_id: int
    audience: tuple[str, ...]  # cohort keys; empty = every cohort
    status: str
    discord_event_id: int | None
    queue_channel_id: int | None
    queue_message_id: int | None
    #: team ids when the session is for a list of teams (``audience`` is then empty)
    teams: tuple[int, ...] = ()
    #: learning-resource links attached to its reminders
    resources: tuple[str, ...] = ()

    @property
    def duration(self) -> dt.timedelta:
        """How long the session runs."""
        return self.ends_at - self.starts_at


@dataclass(frozen=True, slots=True)
class Question:
    """A question in a queue, with its upvotes."""

    id: int
    session_id: int
    asker_id: int
    text: str
    status: str
    votes: int
    created_at: dt.datetime
    channel_id: int | None
    message_id: int | None


@dataclass(frozen=True, slots=True)
class Upvote:
    """The result of pressing Upvote: ``added`` False when it withdrew the upvote."""

    question: Question
    added: bool


@dataclass(frozen=True, slots=True)
class CheckIn:
    """A check-in: ``points`` credited (0 when ``team`` is None, when check-ins earn no
    points (``points.qa_checkin = 0``), or when the weekly cap is met)."""

    session: Session
    points: int
    team: str | None
    #: False when the configuration gives no points for a check-in
    points_enabled: bool = True


@dataclass(frozen=True, slots=True)
class Notice:
    """What one reminder, start notice or cancellation must reach."""

    key: str
    what: str  # reminder | start | cancelled
    session: Session
    cohorts: tuple[str, ...]  # audience cohort keys (every cohort when the audience is all)
    rsvp_user_ids: tuple[int, ...]
    #: the members of the audience teams (a session for a team list; no cohort then)
    member_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class NoticePost:
    """One Discord delivery of a notice, in ``locale``: to the channel of ``cohort``
    (mentioning its role), or by DM (``cohort`` None) to a member who RSVP'd."""

    notice: Notice
    locale: str
    cohort: str | None = None


def _session(row: SessionRow) -> Session:
    return Session(
        id=row.id,
        title=row.title,
        kind=row.kind,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        host_id=row.host_id,
        audience=tuple(row.audience),
        status=row.status,
        discord_event_id=row.discord_event_id,
        queue_channel_id=row.queue_channel_id,
        queue_message_id=row.queue_message_id,
        teams=tuple(row.audience_teams or ()),
        resources=tuple(row.resources),
    )


def _question(row: QuestionRow) -> Question:
    return Question(
        id=row.id,
        session_id=row.session_id,
        asker_id=row.asker_id,
        text=row.text,
        status=row.status,
        votes=row.votes,
        created_at=row.created_at,
        channel_id=row.channel_id,
        message_id=row.message_id,
    )


_T = TypeVar("_T")


def _present(row: _T | None, ident: int) -> _T:
    """The row just written (a missing one means it vanished under us)."""
    if row is None:  # pragma: no cover - read back inside the same transaction
        raise SessionNotFound(id=ident)
    return row
