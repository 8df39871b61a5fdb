"""Q&A attendance: RSVPs before a session and check-ins while it runs (with their points)."""

from __future__ import annotations

from bot.services.qa.base import QABase
from bot.services.qa.errors import (
    AlreadyCheckedIn,
    CheckInClosed,
    SessionCancelled,
    SessionNotFound,
    SessionStarted,
)
from bot.services.qa.models import CheckIn, Session, _session
from storage.queries import qa as q
from storage.queries import teams as team_queries


class QAAttendance(QABase):
    """Records who is coming (RSVPs) and who came (check-ins)."""

    __slots__ = ()

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

    async def rsvped(self, user_id: int, session_ids: list[int]) -> set[int]:
        """Which of ``session_ids`` the member RSVP'd to."""
        async with self.db.read() as conn:
            return await q.rsvped_sessions(conn, user_id, session_ids)

    # -- check-ins ------------------------------------------------------------------------
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
