"""Q&A sessions, expert clinics and alumni sharing (SPEC §3.5).

The database is the truth. A session's reminders and its start notice are scheduled jobs
``qa:<id>:remind:<seconds before>`` and ``qa:<id>:start``, written in the same transaction
as the session, so the scheduler rebuilt at start knows them; a cancellation notice is the
job ``qa:<id>:cancel``. One key is one notice: an edit moves the jobs still pending and
never re-sends one that ran. Sessions are stored as UTC instants computed from the
organizer's local input in the competition timezone, so a 20:00 session stays at 20:00 local
on either side of a daylight-saving change. Reminder offsets are exact durations.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError

from bot.calendar import parse_local_datetime
from bot.clock import Clock
from bot.config import CompetitionConfig
from bot.durations import parse_duration
from bot.errors import InvalidInput, PodiumError
from bot.i18n import N_
from bot.scheduler import Scheduler
from bot.services.audit import AuditService
from bot.services.outbox import OutboxService
from bot.services.points import PointsService
from storage.engine import Database
from storage.queries import jobs as job_queries
from storage.queries import members as member_queries
from storage.queries import qa as q
from storage.queries import teams as team_queries
from storage.queries import whatsapp as wa_queries
from storage.queries.qa import QuestionRow, SessionRow

log = logging.getLogger(__name__)

KINDS = ("official", "expert_clinic", "alumni")
REMINDER_JOB = "qa.reminder"
START_JOB = "qa.start"
CANCEL_JOB = "qa.cancel"
MAX_TITLE = 100
MAX_QUESTION = 300
MAX_DURATION = dt.timedelta(hours=24)
#: Notice kinds, as ``Notice.what``.
REMINDER, START, CANCELLED = "reminder", "start", "cancelled"


class SessionNotFound(PodiumError):
    """No session with that id."""

    message = N_("There is no Q&A session #{id}.")


class SessionCancelled(PodiumError):
    """The session was cancelled."""

    message = N_("Q&A session #{id} was cancelled.")


class SessionOver(PodiumError):
    """The session has ended."""

    message = N_("Q&A session #{id} has already ended.")


class SessionStarted(PodiumError):
    """RSVPs close when the session starts."""

    message = N_("Q&A session #{id} has already started: use its Check-in button instead.")


class StartInPast(PodiumError):
    """A session must start in the future."""

    message = N_("That start time has already passed. Give a time in the future.")


class NothingToEdit(PodiumError):
    """``/qa edit`` without a change."""

    message = N_("Give at least one thing to change: title, start, duration or host.")


class NotHost(PodiumError):
    """Only the host or an organizer may manage the queue."""

    message = N_("Only the session's host or an organizer can do that.")


class QuestionLength(PodiumError):
    """A question is 1 to 300 characters."""

    message = N_("A question is 1 to {max} characters long (yours has {length}).")


class OpenQuestionExists(PodiumError):
    """One open question per member per session."""

    message = N_(
        "You already have an open question (#{question}) in this session. Ask another once "
        "it has been answered."
    )


class QuestionNotFound(PodiumError):
    """No question with that id."""

    message = N_("There is no question #{id}.")


class QuestionAnswered(PodiumError):
    """The question is no longer open."""

    message = N_("Question #{id} has already been answered.")


class OwnQuestion(PodiumError):
    """Members cannot upvote their own question."""

    message = N_("You cannot upvote your own question.")


class CheckInClosed(PodiumError):
    """Check-in is open from start to end only."""

    message = N_("Check-in is open while the session runs, from <t:{start}:t> to <t:{end}:t>.")


class AlreadyCheckedIn(PodiumError):
    """One check-in per member per session."""

    message = N_("You have already checked in to this session.")


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


def reminder_key(session_id: int, offset: dt.timedelta) -> str:
    """``qa:<id>:remind:<seconds before the start>``."""
    return f"qa:{session_id}:remind:{int(offset.total_seconds())}"


def start_key(session_id: int) -> str:
    """``qa:<id>:start``."""
    return f"qa:{session_id}:start"


def cancel_key(session_id: int) -> str:
    """``qa:<id>:cancel``."""
    return f"qa:{session_id}:cancel"


@dataclass(slots=True)
class QAService:
    """Schedules sessions and their notices, keeps question queues, records check-ins."""

    db: Database
    clock: Clock
    competition: CompetitionConfig
    audit: AuditService
    scheduler: Scheduler
    outbox: OutboxService
    points: PointsService

    @property
    def season(self) -> str:
        """The current season label."""
        return self.competition.competition.season

    # -- parsing --------------------------------------------------------------------------
    def parse_audience(self, text: str | None) -> tuple[str, ...]:
        """``all`` (or nothing) → (); else comma-separated cohort keys, in config order."""
        raw = (text or "").strip().lower()
        if raw in ("", "all"):
            return ()
        wanted = {part.strip() for part in raw.replace(";", ",").split(",") if part.strip()}
        known = self.competition.cohort_keys
        unknown = sorted(wanted - set(known))
        if unknown:
            raise InvalidInput(
                field="audience",
                reason=f"unknown cohort {unknown[0]!r}; use all or cohort keys: "
                + ", ".join(known),
            )
        return tuple(key for key in known if key in wanted)

    def _parse_start(self, text: str) -> dt.datetime:
        try:
            start = parse_local_datetime(text, self.competition.competition.tz)
        except ValueError as exc:
            raise InvalidInput(field="start", reason=str(exc)) from exc
        if start <= self.clock.now():
            raise StartInPast()
        return start

    @staticmethod
    def _parse_duration(text: str) -> dt.timedelta:
        try:
            duration = parse_duration(text)
        except ValueError as exc:
            raise InvalidInput(field="duration", reason=str(exc)) from exc
        if duration > MAX_DURATION or duration < dt.timedelta(minutes=1):
            raise InvalidInput(field="duration", reason="from 1m to 24h, e.g. 90m or 2h")
        return duration

    @staticmethod
    def _clean_title(title: str) -> str:
        cleaned = " ".join(title.split())
        if not cleaned or len(cleaned) > MAX_TITLE:
            raise InvalidInput(field="title", reason=f"1 to {MAX_TITLE} characters")
        return cleaned

    # -- scheduling -----------------------------------------------------------------------
    def _notice_plan(
        self, session_id: int, starts_at: dt.datetime
    ) -> list[tuple[str, str, dt.datetime | None]]:
        """(kind, key, run_at) of the reminders and the start notice; run_at None for a
        reminder whose time has already passed."""
        now = self.clock.now()
        plan: list[tuple[str, str, dt.datetime | None]] = []
        for offset in self.competition.reminders.offsets:
            run_at = starts_at - offset
            key = reminder_key(session_id, offset)
            plan.append((REMINDER_JOB, key, run_at if run_at > now else None))
        plan.append((START_JOB, start_key(session_id), starts_at))
        return plan

    async def _write_jobs(
        self, conn: Any, session_id: int, starts_at: dt.datetime
    ) -> tuple[list[tuple[str, str, dt.datetime]], list[str]]:
        """Create or move the session's jobs in the transaction; returns (to arm, to
        withdraw): a reminder whose time has passed is withdrawn if still pending."""
        now = self.clock.now()
        arm: list[tuple[str, str, dt.datetime]] = []
        withdraw: list[str] = []
        for kind, key, run_at in self._notice_plan(session_id, starts_at):
            if run_at is None:
                existing = await job_queries.get_by_key(conn, key)
                if existing is not None and existing.status == job_queries.PENDING:
                    withdraw.append(key)
                continue
            row = await q.put_job(
                conn,
                kind=kind,
                key=key,
                run_at=run_at,
                payload={"session_id": session_id},
                now=now,
            )
            if row.status == job_queries.PENDING:
                arm.append((kind, key, run_at))
        return arm, withdraw

    async def _arm(self, arm: list[tuple[str, str, dt.datetime]], withdraw: list[str]) -> None:
        for kind, key, run_at in arm:
            session_id = int(key.split(":")[1])
            await self.scheduler.schedule(kind, key, run_at, {"session_id": session_id})
        for key in withdraw:
            await self.scheduler.cancel(key)

    async def schedule(
        self,
        *,
        actor_id: int,
        title: str,
        kind: str,
        start: str,
        duration: str,
        host_id: int,
        audience: str | None = None,
    ) -> Session:
        """Create a session with its reminders and start notice (audited).

        ``start``: ``YYYY-MM-DD HH:MM`` in the competition timezone or ISO 8601 with an
        offset, in the future; ``duration`` like ``90m``; ``audience``: ``all`` or
        comma-separated cohort keys. Reminders whose time has already passed are skipped.
        """
        cleaned = self._clean_title(title)
        if kind not in KINDS:
            raise InvalidInput(field="kind", reason="official, expert_clinic or alumni")
        cohorts = self.parse_audience(audience)
        starts_at = self._parse_start(start)
        ends_at = starts_at + self._parse_duration(duration)
        now = self.clock.now()
        async with self.db.write() as conn:
            session_id = await q.create_session(
                conn,
                season=self.season,
                title=cleaned,
                kind=kind,
                starts_at=starts_at,
                ends_at=ends_at,
                host_id=host_id,
                audience=list(cohorts),
                status="scheduled",
                created_by=actor_id,
                created_at=now,
                updated_at=now,
            )
            arm, withdraw = await self._write_jobs(conn, session_id, starts_at)
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="qa.schedule",
                target=f"qa:{session_id}",
                details={
                    "kind": kind,
                    "starts_at": starts_at.isoformat(),
                    "audience": list(cohorts),
                    "host_id": host_id,
                },
            )
            row = await q.get_session(conn, session_id)
        await self._arm(arm, withdraw)
        row = _present(row, session_id)
        log.info("qa session scheduled id=%s starts_at=%s", session_id, starts_at.isoformat())
        return _session(row)

    async def _open_session(self, conn: Any, session_id: int) -> SessionRow:
        row = await q.get_session(conn, session_id, lock=True)
        if row is None or row.season != self.season:
            raise SessionNotFound(id=session_id)
        if row.status == "cancelled":
            raise SessionCancelled(id=session_id)
        if row.ends_at <= self.clock.now():
            raise SessionOver(id=session_id)
        return row

    async def edit(
        self,
        *,
        actor_id: int,
        session_id: int,
        title: str | None = None,
        start: str | None = None,
        duration: str | None = None,
        host_id: int | None = None,
    ) -> Session:
        """Change a session still to come or running (audited). A new start moves the
        reminders and the start notice still pending; one already sent is not sent again."""
        if title is None and start is None and duration is None and host_id is None:
            raise NothingToEdit()
        cleaned = self._clean_title(title) if title is not None else None
        new_start = self._parse_start(start) if start is not None else None
        new_duration = self._parse_duration(duration) if duration is not None else None
        now = self.clock.now()
        arm: list[tuple[str, str, dt.datetime]] = []
        withdraw: list[str] = []
        async with self.db.write() as conn:
            row = await self._open_session(conn, session_id)
            starts_at = new_start or row.starts_at
            ends_at = starts_at + (new_duration or (row.ends_at - row.starts_at))
            values: dict[str, Any] = {"starts_at": starts_at, "ends_at": ends_at, "updated_at": now}
            if cleaned is not None:
                values["title"] = cleaned
            if host_id is not None:
                values["host_id"] = host_id
            await q.update_session(conn, session_id, **values)
            if new_start is not None and new_start != row.starts_at:
                arm, withdraw = await self._write_jobs(conn, session_id, starts_at)
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="qa.edit",
                target=f"qa:{session_id}",
                details={
                    k: (v.isoformat() if isinstance(v, dt.datetime) else v)
                    for k, v in values.items()
                    if k != "updated_at"
                },
            )
            updated = await q.get_session(conn, session_id)
        await self._arm(arm, withdraw)
        return _session(_present(updated, session_id))

    async def cancel(self, *, actor_id: int, session_id: int) -> Session:
        """Cancel a session (audited): its pending notices are withdrawn and a cancellation
        notice is scheduled at once (reminders that went out stay sent)."""
        now = self.clock.now()
        async with self.db.write() as conn:
            row = await self._open_session(conn, session_id)
            await q.update_session(
                conn, session_id, status="cancelled", cancelled_at=now, updated_at=now
            )
            pending = [
                job.key
                for job in await q.jobs_with_prefix(conn, f"qa:{session_id}:")
                if job.status == job_queries.PENDING
            ]
            await q.put_job(
                conn,
                kind=CANCEL_JOB,
                key=cancel_key(session_id),
                run_at=now,
                payload={"session_id": session_id},
                now=now,
            )
            await self.audit.record(
                conn, actor_id=actor_id, action="qa.cancel", target=f"qa:{session_id}"
            )
            updated = await q.get_session(conn, session_id)
        for key in pending:
            await self.scheduler.cancel(key)
        await self.scheduler.schedule(
            CANCEL_JOB, cancel_key(session_id), now, {"session_id": session_id}
        )
        updated = _present(updated, session_id)
        log.info("qa session cancelled id=%s withdrew=%d", row.id, len(pending))
        return _session(updated)

    async def set_discord_event(self, session_id: int, event_id: int | None) -> None:
        """Remember the Discord scheduled event of a session."""
        async with self.db.write() as conn:
            await q.update_session(conn, session_id, discord_event_id=event_id)

    async def set_queue_message(self, session_id: int, channel_id: int, message_id: int) -> None:
        """Remember the live queue message of a session (the newest one is kept current)."""
        async with self.db.write() as conn:
            await q.update_session(
                conn, session_id, queue_channel_id=channel_id, queue_message_id=message_id
            )

    # -- reading --------------------------------------------------------------------------
    async def get(self, session_id: int) -> Session:
        """One session of this season (SessionNotFound otherwise)."""
        async with self.db.read() as conn:
            row = await q.get_session(conn, session_id)
        if row is None or row.season != self.season:
            raise SessionNotFound(id=session_id)
        return _session(row)

    async def upcoming(self, *, limit: int = 25) -> list[Session]:
        """Sessions not cancelled that have not ended yet, soonest first."""
        async with self.db.read() as conn:
            rows = await q.sessions_ending_after(conn, self.season, self.clock.now(), limit=limit)
        return [_session(row) for row in rows]

    async def rsvped(self, user_id: int, session_ids: list[int]) -> set[int]:
        """Which of ``session_ids`` the member RSVP'd to."""
        async with self.db.read() as conn:
            return await q.rsvped_sessions(conn, user_id, session_ids)

    async def search(self, text: str, *, limit: int = 25) -> list[Session]:
        """Upcoming and running sessions whose id or title contains ``text``."""
        wanted = text.strip().casefold().lstrip("#")
        found = [
            s
            for s in await self.upcoming(limit=200)
            if not wanted or wanted in s.title.casefold() or wanted == str(s.id)
        ]
        return found[:limit]

    async def jobs(self, session_id: int) -> dict[str, str]:
        """Status per job key of a session's notices (for organizers and tests)."""
        async with self.db.read() as conn:
            return {j.key: j.status for j in await q.jobs_with_prefix(conn, f"qa:{session_id}:")}

    # -- RSVPs ----------------------------------------------------------------------------
    async def rsvp(self, *, user_id: int, session_id: int) -> tuple[Session, bool]:
        """Toggle the member's RSVP; returns (session, True when now RSVP'd). RSVP'd members
        get each reminder and the start notice by DM. Closed once the session started."""
        now = self.clock.now()
        async with self.db.write() as conn:
            row = await self._open_session(conn, session_id)
            if row.starts_at <= now:
                raise SessionStarted(id=session_id)
            if await q.rsvp_exists(conn, session_id, user_id):
                await q.remove_rsvp(conn, session_id, user_id)
                going = False
            else:
                await q.add_rsvp(conn, session_id, user_id, now)
                going = True
        return _session(row), going

    # -- questions ------------------------------------------------------------------------
    async def ask(self, *, user_id: int, session_id: int, text: str) -> Question:
        """Put a question in the session's queue: 1-300 characters, one open question per
        member per session (also a database constraint)."""
        cleaned = text.strip()
        if not cleaned or len(cleaned) > MAX_QUESTION:
            raise QuestionLength(max=MAX_QUESTION, length=len(cleaned))
        now = self.clock.now()
        try:
            async with self.db.write() as conn:
                await self._open_session(conn, session_id)
                existing = await q.open_question_of(conn, session_id, user_id)
                if existing is not None:
                    raise OpenQuestionExists(question=existing.id)
                question_id = await q.add_question(
                    conn,
                    session_id=session_id,
                    asker_id=user_id,
                    text=cleaned,
                    status="open",
                    created_at=now,
                )
                row = await q.get_question(conn, question_id)
        except IntegrityError:
            async with self.db.read() as conn:
                existing = await q.open_question_of(conn, session_id, user_id)
            raise OpenQuestionExists(question=existing.id if existing else 0) from None
        return _question(_present(row, session_id))

    async def set_question_message(
        self, question_id: int, channel_id: int, message_id: int
    ) -> None:
        """Remember the public message that shows a question."""
        async with self.db.write() as conn:
            await q.update_question(conn, question_id, channel_id=channel_id, message_id=message_id)

    async def question(self, question_id: int) -> Question:
        """One question (QuestionNotFound otherwise)."""
        async with self.db.read() as conn:
            row = await q.get_question(conn, question_id)
        if row is None:
            raise QuestionNotFound(id=question_id)
        return _question(row)

    async def upvote(self, *, user_id: int, question_id: int) -> Upvote:
        """Toggle the member's upvote on an open question (never their own)."""
        now = self.clock.now()
        async with self.db.write() as conn:
            row = await q.get_question(conn, question_id)
            if row is None:
                raise QuestionNotFound(id=question_id)
            if row.status != "open":
                raise QuestionAnswered(id=question_id)
            if row.asker_id == user_id:
                raise OwnQuestion()
            session = await q.get_session(conn, row.session_id)
            if session is None or session.status == "cancelled":
                raise SessionCancelled(id=row.session_id)
            if await q.has_vote(conn, question_id, user_id):
                await q.remove_vote(conn, question_id, user_id)
                added = False
            else:
                await q.add_vote(conn, question_id, user_id, now)
                added = True
            updated = await q.get_question(conn, question_id)
        return Upvote(_question(_present(updated, question_id)), added)

    async def queue(self, session_id: int, *, limit: int | None = 10) -> list[Question]:
        """The session's open questions, most upvoted first, then oldest first."""
        async with self.db.read() as conn:
            rows = await q.open_questions(conn, session_id, limit=limit)
        return [_question(row) for row in rows]

    async def question_counts(self, session_id: int) -> dict[str, int]:
        """Questions of a session per status (open, answered)."""
        async with self.db.read() as conn:
            return await q.count_questions(conn, session_id)

    def _require_host(self, session: SessionRow, actor_id: int, is_organizer: bool) -> None:
        if not is_organizer and session.host_id != actor_id:
            raise NotHost()

    async def host_queue(
        self, *, actor_id: int, is_organizer: bool, session_id: int, limit: int = 10
    ) -> tuple[Session, list[Question]]:
        """``/qa queue``: the top questions, for the host or an organizer."""
        async with self.db.read() as conn:
            row = await q.get_session(conn, session_id)
            if row is None or row.season != self.season:
                raise SessionNotFound(id=session_id)
            if row.status == "cancelled":
                raise SessionCancelled(id=session_id)
            self._require_host(row, actor_id, is_organizer)
            questions = await q.open_questions(conn, session_id, limit=limit)
        return _session(row), [_question(r) for r in questions]

    async def answered(self, *, actor_id: int, is_organizer: bool, question_id: int) -> Question:
        """Mark a question answered (host or organizer); the asker may then ask again."""
        now = self.clock.now()
        async with self.db.write() as conn:
            row = await q.get_question(conn, question_id)
            if row is None:
                raise QuestionNotFound(id=question_id)
            session = await q.get_session(conn, row.session_id)
            if session is None:
                raise QuestionNotFound(id=question_id)
            self._require_host(session, actor_id, is_organizer)
            if row.status != "open":
                raise QuestionAnswered(id=question_id)
            await q.update_question(
                conn, question_id, status="answered", answered_at=now, answered_by=actor_id
            )
            if is_organizer and session.host_id != actor_id:
                await self.audit.record(
                    conn,
                    actor_id=actor_id,
                    action="qa.answered",
                    target=f"qa-question:{question_id}",
                )
            updated = await q.get_question(conn, question_id)
        return _question(_present(updated, question_id))

    async def answerable(
        self, *, actor_id: int, is_organizer: bool, text: str, limit: int = 25
    ) -> list[Question]:
        """Open questions of sessions the actor hosts (all sessions for organizers)."""
        sessions = await self.upcoming(limit=200)
        ids = [s.id for s in sessions if is_organizer or s.host_id == actor_id]
        async with self.db.read() as conn:
            rows = await q.open_questions_for(conn, ids, limit=200)
        wanted = text.strip().casefold().lstrip("#")
        found = [
            _question(r)
            for r in rows
            if not wanted or wanted in r.text.casefold() or wanted == str(r.id)
        ]
        return found[:limit]

    # -- attendance -----------------------------------------------------------------------
    async def check_in(self, *, user_id: int, session_id: int) -> CheckIn:
        """Record attendance while the session runs and credit ``points.qa_checkin`` to the
        member's team once (reference ``qa:<session>:checkin:<user>``, weekly cap applies).
        A member without a team is recorded with no points."""
        now = self.clock.now()
        amount = self.competition.points.qa_checkin
        async with self.db.write() as conn:
            row = await q.get_session(conn, session_id, lock=True)
            if row is None or row.season != self.season:
                raise SessionNotFound(id=session_id)
            if row.status == "cancelled":
                raise SessionCancelled(id=session_id)
            if not row.starts_at <= now < row.ends_at:
                raise CheckInClosed(
                    start=int(row.starts_at.timestamp()), end=int(row.ends_at.timestamp())
                )
            team = await team_queries.team_of(conn, self.season, user_id)
            team_id = team.id if team is not None and team.disbanded_at is None else None
            if not await q.add_attendance(
                conn, session_id=session_id, user_id=user_id, team_id=team_id, points=0, now=now
            ):
                raise AlreadyCheckedIn()
            credited = 0
            if team_id is not None and amount > 0:
                entry = await self.points.credit(
                    conn,
                    team_id=team_id,
                    amount=amount,
                    reason=f"Q&A check-in: {row.title}"[:200],
                    source="qa_attendance",
                    reference=f"qa:{session_id}:checkin:{user_id}",
                    user_id=user_id,
                )
                credited = entry.amount if entry is not None else 0
                if credited:
                    await q.set_attendance_points(conn, session_id, user_id, credited)
        return CheckIn(
            _session(row),
            credited,
            team.name if team is not None and team_id else None,
            points_enabled=amount > 0,
        )

    async def attendance(self, session_id: int) -> int:
        """How many members checked in to the session."""
        async with self.db.read() as conn:
            return await q.attendance_count(conn, session_id)

    # -- notices --------------------------------------------------------------------------
    async def notice(self, *, session_id: int, key: str, what: str) -> Notice | None:
        """What a firing notice job must reach, or None when it must not go out (the
        session was cancelled, or, for a reminder, it already started)."""
        async with self.db.read() as conn:
            row = await q.get_session(conn, session_id)
            rsvps = await q.rsvp_user_ids(conn, session_id) if row is not None else []
        if row is None:
            return None
        now = self.clock.now()
        if what == CANCELLED:
            if row.status != "cancelled":
                return None
        elif row.status == "cancelled":
            return None
        elif what == REMINDER and row.starts_at <= now:
            log.info("qa reminder skipped: session started id=%s key=%s", row.id, key)
            return None
        cohorts = tuple(row.audience) or self.competition.cohort_keys
        return Notice(key, what, _session(row), cohorts, tuple(rsvps))

    async def relay(
        self,
        notice: Notice,
        texts: Mapping[str, str],
        variables: Mapping[str, Mapping[str, Any]],
    ) -> int:
        """Queue the notice for the audience's WhatsApp subscribers (idempotent per job key
        and subscriber); returns rows added."""
        if not notice.session.audience:
            return await self.outbox.enqueue(
                occurrence_key=notice.key, kind="reminder", texts=texts, variables=variables
            )
        added = 0
        for cohort in notice.cohorts:
            added += await self.outbox.enqueue(
                occurrence_key=notice.key,
                kind="reminder",
                texts=texts,
                variables=variables,
                cohort=cohort,
            )
        return added

    async def locales(self, user_ids: list[int]) -> dict[int, str]:
        """The Discord locale the bot last saw for each member (for DMs)."""
        found: dict[int, str] = {}
        async with self.db.read() as conn:
            for user_id in user_ids:
                member = await member_queries.get(conn, user_id)
                if member is not None:
                    found[user_id] = member.locale
        return found

    async def next_for_member(
        self, user_id: int, now: dt.datetime
    ) -> tuple[dt.datetime, str] | None:
        """The next session of this member's cohort (or for everyone): (start, title)."""
        async with self.db.read() as conn:
            cohort = await wa_queries.cohort_of(conn, user_id)
            row = await q.next_session_for_cohort(conn, self.season, cohort, now)
        if row is None:
            return None
        return row.starts_at, f"Q&A: {row.title}"
