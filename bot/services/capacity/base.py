"""What every part of the capacity service shares: its collaborators, the track lock and
filling freed places with offers (all inside the caller's transaction)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import Clock
from bot.config import CompetitionConfig
from bot.scheduler import Scheduler
from bot.services.audit import AuditService
from bot.services.capacity.models import DISBANDED, OfferNotice, TeamNotice
from bot.services.publications import Publication
from storage.engine import Database
from storage.queries import capacity as q
from storage.queries import jobs as job_queries
from storage.queries import members as member_queries
from storage.queries import teams as team_queries

log = logging.getLogger("bot.services.capacity")

OFFER_NOTICE_JOB = "capacity.offer_notice"
OFFER_LAPSE_JOB = "capacity.offer_lapse"
CHECKIN_OPEN_JOB = "capacity.checkin_open"
CHECKIN_REMIND_JOB = "capacity.checkin_remind"
CHECKIN_CLOSE_JOB = "capacity.checkin_close"
#: Publication kinds, rendered by the capacity cog.
OFFER_PUBLICATION = "capacity.offer"
NOTICE_PUBLICATION = "capacity.notice"


def offer_notice_key(offer_id: int) -> str:
    """``capacity:offer:<id>:notice``: the job that delivers the offer."""
    return f"capacity:offer:{offer_id}:notice"


def offer_lapse_key(offer_id: int) -> str:
    """``capacity:offer:<id>:lapse``: the job that lapses the offer at its deadline."""
    return f"capacity:offer:{offer_id}:lapse"


@dataclass(slots=True)
class Changes:
    """What one transaction did that needs work after its commit: offers to arm and lapse
    jobs to withdraw."""

    offers: list[tuple[int, dt.datetime]] = field(default_factory=list)
    withdrawn_jobs: list[str] = field(default_factory=list)


@dataclass(slots=True)
class CapacityBase:
    """Collaborators and the shared steps (``CapacityService`` puts the parts together)."""

    db: Database
    clock: Clock
    competition: CompetitionConfig
    audit: AuditService
    scheduler: Scheduler

    @property
    def season(self) -> str:
        """The current season's label."""
        return self.competition.competition.season

    def cap(self, track: str) -> int | None:
        """The track's cap (None: unlimited; an unknown track has none)."""
        for config in self.competition.tracks:
            if config.key == track:
                return config.cap
        return None

    async def _release(
        self, conn: AsyncConnection, entry: q.EntryRow, reason: str, now: dt.datetime
    ) -> Changes:
        """Take the team out (placed, offered or waitlisted) and void its open offer."""
        changes = Changes()
        offer = await q.open_offer_of(conn, entry.team_id)
        if offer is not None:
            await q.close_offer(conn, offer.id, status=q.VOID, now=now)
            changes.withdrawn_jobs.append(offer_lapse_key(offer.id))
        await q.set_entry(
            conn, entry.team_id, status=q.RELEASED, released_at=now, release_reason=reason
        )
        return changes

    async def _fill(
        self, conn: AsyncConnection, track: str, now: dt.datetime, *, sweep: bool = False
    ) -> Changes:
        """With the track locked: offer each free place to the next waitlisted team, in
        order. ``sweep`` first releases entries of teams disbanded without telling us (a
        crash between their commit and ours; run at start). Writes the offers and their
        notice and lapse jobs in the transaction; returns what to arm after the commit."""
        changes = Changes()
        if sweep:
            for team_id in await q.stale_entries(conn, self.season, track):
                entry = await q.get_entry(conn, team_id)
                if entry is not None:
                    released = await self._release(conn, entry, DISBANDED, now)
                    changes.withdrawn_jobs += released.withdrawn_jobs
        cap = self.cap(track)
        counts = await q.counts(conn, self.season, track)
        waiting_count = counts.get(q.WAITLISTED, 0)
        free = (
            waiting_count
            if cap is None
            else cap - counts.get(q.PLACED, 0) - counts.get(q.OFFERED, 0)
        )
        if free <= 0 or waiting_count == 0:
            return changes
        waiting = await q.entries(conn, self.season, track, q.WAITLISTED, limit=free)
        expires = now + self.competition.capacity.offer_window
        for entry in waiting:
            offer_id = await q.insert_offer(
                conn,
                team_id=entry.team_id,
                season=self.season,
                track=track,
                now=now,
                expires_at=expires,
            )
            await q.set_entry(conn, entry.team_id, status=q.OFFERED)
            payload = {"offer_id": offer_id}
            await job_queries.upsert_pending(
                conn,
                kind=OFFER_NOTICE_JOB,
                key=offer_notice_key(offer_id),
                run_at=now,
                payload=payload,
                now=now,
            )
            await job_queries.upsert_pending(
                conn,
                kind=OFFER_LAPSE_JOB,
                key=offer_lapse_key(offer_id),
                run_at=expires,
                payload=payload,
                now=now,
            )
            await self.audit.record(
                conn,
                actor_id=None,
                action="capacity.offer",
                target=f"team:{entry.team_id}",
                details={"offer_id": offer_id, "track": track, "expires_at": expires.isoformat()},
            )
            changes.offers.append((offer_id, expires))
        return changes

    async def _after(self, changes: Changes) -> None:
        """After the commit: arm the new offers' jobs, withdraw lapse jobs no longer needed
        (both idempotent: the rows were written in the transaction)."""
        now = self.clock.now()
        for offer_id, expires in changes.offers:
            payload = {"offer_id": offer_id}
            await self.scheduler.schedule(
                OFFER_NOTICE_JOB, offer_notice_key(offer_id), now, payload
            )
            await self.scheduler.schedule(
                OFFER_LAPSE_JOB, offer_lapse_key(offer_id), expires, payload
            )
        for key in changes.withdrawn_jobs:
            await self.scheduler.cancel(key)

    async def _locale(self, conn: AsyncConnection, user_id: int) -> str:
        member = await member_queries.get(conn, user_id)
        if member is not None and member.locale:
            return str(member.locale)
        return self.competition.competition.default_locale

    async def _offer_notice(self, conn: AsyncConnection, offer: q.OfferRow) -> OfferNotice | None:
        team = await team_queries.get(conn, offer.team_id)
        if team is None or team.disbanded_at is not None:
            return None
        return OfferNotice(
            offer_id=offer.id,
            team_id=team.id,
            team_name=team.name,
            track=offer.track,
            captain_id=team.captain_id,
            expires_at=offer.expires_at,
            locale=await self._locale(conn, team.captain_id),
        )

    async def _team_notice(
        self, conn: AsyncConnection, what: str, team_id: int, at: dt.datetime | None, key: str
    ) -> Publication | None:
        """A DM to the team's captain, journaled under ``key`` (None for a gone team)."""
        team = await team_queries.get(conn, team_id)
        if team is None:
            return None
        notice = TeamNotice(
            what, team.id, team.name, team.captain_id, at, await self._locale(conn, team.captain_id)
        )
        return Publication(key, NOTICE_PUBLICATION, notice, user_id=team.captain_id)

    def _track_keys(self) -> list[str]:
        return [track.key for track in self.competition.tracks]

    def _details(self, **values: Any) -> dict[str, Any]:
        return {key: value for key, value in values.items() if value is not None}
