"""Check-in: captains confirm their placed team in the configured window; a reminder goes
to unconfirmed captains before it closes, and at the close unconfirmed teams lose their
place to the waitlist. The three jobs have one key per season, so each runs once."""

from __future__ import annotations

import datetime as dt

from bot.calendar import discord_timestamp
from bot.scheduler import Job, JobResult
from bot.services.capacity.base import (
    CHECKIN_CLOSE_JOB,
    CHECKIN_OPEN_JOB,
    CHECKIN_REMIND_JOB,
    Changes,
    log,
)
from bot.services.capacity.errors import (
    AlreadyCheckedIn,
    CheckinClosed,
    CheckinNeedsPlace,
    CheckinNotConfigured,
    CheckinNotOpen,
)
from bot.services.capacity.models import (
    NO_CHECKIN,
    NOTICE_CHECKIN_OPEN,
    NOTICE_CHECKIN_REMINDER,
    NOTICE_NO_CHECKIN,
)
from bot.services.capacity.places import CapacityPlaces
from bot.services.publications import Publication
from bot.services.teams import NotCaptain, NotInTeam, Team
from storage.queries import capacity as q
from storage.queries import teams as team_queries


class CapacityCheckin(CapacityPlaces):
    """The check-in window and its jobs."""

    __slots__ = ()

    def checkin_key(self, what: str) -> str:
        """``capacity:<season>:checkin:<open|remind|close>``."""
        return f"capacity:{self.season}:checkin:{what}"

    def checkin_plan(self) -> list[tuple[str, str, dt.datetime]]:
        """(kind, key, when) of the season's check-in jobs; empty without a window."""
        config = self.competition.capacity
        if config.checkin_opens is None or config.checkin_closes is None:
            return []
        remind_at = max(config.checkin_closes - config.checkin_reminder, config.checkin_opens)
        return [
            (CHECKIN_OPEN_JOB, self.checkin_key("open"), config.checkin_opens),
            (CHECKIN_REMIND_JOB, self.checkin_key("remind"), remind_at),
            (CHECKIN_CLOSE_JOB, self.checkin_key("close"), config.checkin_closes),
        ]

    async def checkin(self, *, user_id: int) -> Team:
        """The captain confirms the team in the window. Raises CheckinNotConfigured,
        NotInTeam, NotCaptain, CheckinNotOpen, CheckinClosed, CheckinNeedsPlace or
        AlreadyCheckedIn. Audited."""
        config = self.competition.capacity
        if config.checkin_opens is None or config.checkin_closes is None:
            raise CheckinNotConfigured()
        now = self.clock.now()
        async with self.db.write() as conn:
            row = await team_queries.team_of(conn, self.season, user_id)
            if row is None:
                raise NotInTeam()
            if row.captain_id != user_id:
                raise NotCaptain(team=row.name)
            if now < config.checkin_opens:
                raise CheckinNotOpen(opens=discord_timestamp(config.checkin_opens, "f"))
            closed_at = await q.lock_track(conn, self.season, row.track)
            if now >= config.checkin_closes or closed_at is not None:
                raise CheckinClosed(closes=discord_timestamp(config.checkin_closes, "f"))
            entry = await q.get_entry(conn, row.id)
            if entry is None or entry.status != q.PLACED:
                raise CheckinNeedsPlace(team=row.name)
            if entry.checked_in_at is not None:
                raise AlreadyCheckedIn(
                    team=row.name, at=discord_timestamp(entry.checked_in_at, "f")
                )
            await q.set_entry(conn, row.id, checked_in_at=now, checked_in_by=user_id)
            await self.audit.record(
                conn, actor_id=user_id, action="capacity.checkin", target=f"team:{row.id}"
            )
        return Team.from_row(row)

    async def _captain_notices(
        self, what: str, *, unconfirmed_only: bool
    ) -> tuple[Publication, ...]:
        config = self.competition.capacity
        at = config.checkin_closes
        posts: list[Publication] = []
        async with self.db.read() as conn:
            for entry in await q.entries(conn, self.season, status=q.PLACED):
                if unconfirmed_only and entry.checked_in_at is not None:
                    continue
                notice = await self._team_notice(
                    conn, what, entry.team_id, at, f"{self.checkin_key(what)}:team:{entry.team_id}"
                )
                if notice is not None:
                    posts.append(notice)
        return tuple(posts)

    async def run_checkin_open(self, job: Job) -> JobResult:
        """Each placed team's captain gets the Check in button by DM."""
        return JobResult(
            publications=await self._captain_notices(NOTICE_CHECKIN_OPEN, unconfirmed_only=False)
        )

    async def run_checkin_remind(self, job: Job) -> JobResult:
        """Captains of placed teams that have not checked in are reminded."""
        return JobResult(
            publications=await self._captain_notices(NOTICE_CHECKIN_REMINDER, unconfirmed_only=True)
        )

    async def close_checkin(self) -> tuple[Publication, ...]:
        """Release every placed team that did not check in, tell its captain, and offer the
        places to the waitlist. Once per track (recorded on the track row); a call before
        the close time or without a window changes nothing."""
        closes = self.competition.capacity.checkin_closes
        now = self.clock.now()
        if closes is None or now < closes:
            return ()
        posts: list[Publication] = []
        changes = Changes()
        for track in self._track_keys():
            async with self.db.write() as conn:
                if await q.lock_track(conn, self.season, track) is not None:
                    continue
                for entry in await q.entries(conn, self.season, track, q.PLACED):
                    if entry.checked_in_at is not None:
                        continue
                    released = await self._release(conn, entry, NO_CHECKIN, now)
                    changes.withdrawn_jobs += released.withdrawn_jobs
                    await self.audit.record(
                        conn,
                        actor_id=None,
                        action="capacity.released",
                        target=f"team:{entry.team_id}",
                        details={"reason": NO_CHECKIN, "was": entry.status, "track": track},
                    )
                    told = await self._team_notice(
                        conn,
                        NOTICE_NO_CHECKIN,
                        entry.team_id,
                        closes,
                        f"{self.checkin_key('close')}:team:{entry.team_id}",
                    )
                    if told is not None:
                        posts.append(told)
                await q.mark_checkin_closed(conn, self.season, track, now)
                filled = await self._fill(conn, track, now)
            changes.offers += filled.offers
            changes.withdrawn_jobs += filled.withdrawn_jobs
        await self._after(changes)
        log.info("capacity check-in closed released=%d offers=%d", len(posts), len(changes.offers))
        return tuple(posts)

    async def run_checkin_close(self, job: Job) -> JobResult:
        """The check-in close job (see ``close_checkin``)."""
        return JobResult(publications=await self.close_checkin())
