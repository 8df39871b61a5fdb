"""Places and the waitlist: enrolling new teams, withdrawing, disbanding, and the offers of
freed places (accept, decline, lapse). Every change runs under its track's lock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.calendar import discord_timestamp
from bot.scheduler import Job, JobResult
from bot.services.capacity.base import (
    OFFER_PUBLICATION,
    CapacityBase,
    Changes,
    log,
    offer_lapse_key,
)
from bot.services.capacity.errors import NoPlaceToWithdraw, OfferExpired, OfferNotOpen
from bot.services.capacity.models import (
    DECLINED,
    DISBANDED,
    LAPSED,
    NOTICE_LAPSED,
    WITHDRAWN,
    OfferNotice,
    Standing,
)
from bot.services.posts import target_key
from bot.services.publications import Publication
from bot.services.teams import NotCaptain, NotInTeam, Team
from storage.queries import capacity as q
from storage.queries import outbox as outbox_queries
from storage.queries import teams as team_queries

#: What an offer says on WhatsApp: its texts and template variables, per language.
OfferWording = Callable[[OfferNotice], tuple[Mapping[str, str], Mapping[str, Mapping[str, Any]]]]


def _team(row: team_queries.TeamRow | None) -> Team:
    if row is None:  # pragma: no cover - a team row is never deleted
        raise RuntimeError("the offer's team vanished inside its own transaction")
    return Team.from_row(row)


class CapacityPlaces(CapacityBase):
    """Enrolment, withdrawal and offers."""

    __slots__ = ()

    # -- reads ---------------------------------------------------------------------------

    async def _standing(self, conn: AsyncConnection, entry: q.EntryRow) -> Standing:
        position = None
        if entry.status == q.WAITLISTED:
            position = await q.waitlist_position(conn, entry)
        offer = await q.open_offer_of(conn, entry.team_id) if entry.status == q.OFFERED else None
        return Standing(
            team_id=entry.team_id,
            track=entry.track,
            status=entry.status,
            cap=self.cap(entry.track),
            position=position,
            offer_id=offer.id if offer else None,
            offer_expires_at=offer.expires_at if offer else None,
            checked_in_at=entry.checked_in_at,
            release_reason=entry.release_reason,
        )

    async def standing(self, team_id: int) -> Standing | None:
        """Where the team stands, or None when it has no entry (not enrolled yet)."""
        async with self.db.read() as conn:
            entry = await q.get_entry(conn, team_id)
            return await self._standing(conn, entry) if entry else None

    # -- enrolment -----------------------------------------------------------------------

    async def _enroll(self, conn: AsyncConnection, team_id: int, track: str) -> Changes:
        now = self.clock.now()
        closed_at = await q.lock_track(conn, self.season, track)
        if await q.get_entry(conn, team_id) is not None:
            return Changes()
        cap = self.cap(track)
        counts = await q.counts(conn, self.season, track)
        full = cap is not None and (
            counts.get(q.WAITLISTED, 0) > 0
            or counts.get(q.PLACED, 0) + counts.get(q.OFFERED, 0) >= cap
        )
        await q.insert_entry(
            conn,
            team_id=team_id,
            season=self.season,
            track=track,
            status=q.WAITLISTED if full else q.PLACED,
            now=now,
            placed=not full,
            # After the check-in closed there is nothing left to confirm.
            checked_in=not full and closed_at is not None,
        )
        if full:
            await self.audit.record(
                conn,
                actor_id=None,
                action="capacity.waitlisted",
                target=f"team:{team_id}",
                details={"track": track},
            )
        return await self._fill(conn, track, now)

    async def enroll(self, team: Team) -> Standing | None:
        """Give a new team its place, or put it at the end of its track's waitlist when the
        track is full or others wait. Idempotent; None for a team disbanded meanwhile."""
        async with self.db.write() as conn:
            row = await team_queries.get(conn, team.id)
            if row is None or row.disbanded_at is not None:
                return None
            changes = await self._enroll(conn, row.id, row.track)
            entry = await q.get_entry(conn, row.id)
            standing = await self._standing(conn, entry) if entry else None
        await self._after(changes)
        return standing

    async def team_created(self, team: Team) -> None:
        """TeamService listener: a team was registered (after its commit)."""
        await self.enroll(team)

    async def team_disbanded(self, team: Team) -> None:
        """TeamService listener: a team was disbanded; its place goes to the waitlist."""
        await self.release(team.id, reason=DISBANDED, actor_id=None)

    # -- leaving -------------------------------------------------------------------------

    async def release(self, team_id: int, *, reason: str, actor_id: int | None) -> bool:
        """Take the team out of its place or the waitlist and offer a freed place to the
        next team. False when it held nothing (idempotent). Audited."""
        now = self.clock.now()
        async with self.db.write() as conn:
            entry = await q.get_entry(conn, team_id)
            if entry is None:
                return False
            await q.lock_track(conn, entry.season, entry.track)
            entry = await q.get_entry(conn, team_id)
            if entry is None or entry.status == q.RELEASED:
                return False
            changes = await self._release(conn, entry, reason, now)
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="capacity.released",
                target=f"team:{team_id}",
                details={"reason": reason, "was": entry.status, "track": entry.track},
            )
            filled = await self._fill(conn, entry.track, now)
        changes.offers += filled.offers
        changes.withdrawn_jobs += filled.withdrawn_jobs
        await self._after(changes)
        return True

    async def withdraw_preview(
        self, *, captain_id: int, team_id: int | None = None
    ) -> tuple[Team, Standing]:
        """The captain's team and its standing, checked as ``withdraw`` checks them;
        ``team_id``: the team the confirmation was asked for (it must still be theirs).

        Raises NotInTeam, NotCaptain or NoPlaceToWithdraw."""
        async with self.db.read() as conn:
            row = await team_queries.team_of(conn, self.season, captain_id)
            if row is None:
                raise NotInTeam()
            if row.captain_id != captain_id or (team_id is not None and row.id != team_id):
                asked = await team_queries.get(conn, team_id) if team_id is not None else None
                raise NotCaptain(team=(asked or row).name)
            entry = await q.get_entry(conn, row.id)
            if entry is None or entry.status == q.RELEASED:
                raise NoPlaceToWithdraw(team=row.name)
            standing = await self._standing(conn, entry)
        return Team.from_row(row), standing

    async def withdraw(self, *, captain_id: int, team_id: int | None = None) -> Team:
        """The captain gives up the team's place or waitlist entry (the team stays, without a
        place); ``team_id`` as for ``withdraw_preview``. Raises NotInTeam, NotCaptain or
        NoPlaceToWithdraw. Audited."""
        team, _standing = await self.withdraw_preview(captain_id=captain_id, team_id=team_id)
        if not await self.release(team.id, reason=WITHDRAWN, actor_id=captain_id):
            raise NoPlaceToWithdraw(team=team.name)
        return team

    # -- offers --------------------------------------------------------------------------

    async def _answerable(
        self, conn: AsyncConnection, offer_id: int, user_id: int
    ) -> tuple[q.OfferRow, q.EntryRow]:
        offer = await q.get_offer(conn, offer_id)
        if offer is None:
            raise OfferNotOpen()
        await q.lock_track(conn, offer.season, offer.track)
        offer = await q.get_offer(conn, offer_id)
        entry = await q.get_entry(conn, offer.team_id) if offer else None
        if offer is None or entry is None or offer.status != q.OPEN:
            raise OfferNotOpen()
        team = await team_queries.get(conn, offer.team_id)
        if team is None or team.disbanded_at is not None:
            raise OfferNotOpen()
        if team.captain_id != user_id:
            raise NotCaptain(team=team.name)
        return offer, entry

    async def accept(self, *, offer_id: int, user_id: int) -> Team:
        """The team's captain takes the offered place (accepting also checks the team in).

        Raises OfferNotOpen, NotCaptain, or OfferExpired (the lapse is then applied at
        once). Of an accept and the lapse job racing, exactly one wins. Audited."""
        now = self.clock.now()
        expired: dt.datetime | None = None
        async with self.db.write() as conn:
            offer, entry = await self._answerable(conn, offer_id, user_id)
            if now >= offer.expires_at:
                expired = offer.expires_at
                changes = await self._lapse_in(conn, offer, entry, now)
            else:
                await q.close_offer(conn, offer.id, status=q.ACCEPTED, now=now, by=user_id)
                await q.set_entry(
                    conn,
                    entry.team_id,
                    status=q.PLACED,
                    placed_at=now,
                    checked_in_at=now,
                    checked_in_by=user_id,
                )
                await self.audit.record(
                    conn,
                    actor_id=user_id,
                    action="capacity.accepted",
                    target=f"team:{entry.team_id}",
                    details={"offer_id": offer.id, "track": offer.track},
                )
                changes = Changes(withdrawn_jobs=[offer_lapse_key(offer.id)])
            team = await team_queries.get(conn, offer.team_id)
        await self._after(changes)
        if expired is not None:
            raise OfferExpired(deadline=discord_timestamp(expired, "f"))
        return _team(team)

    async def decline(self, *, offer_id: int, user_id: int) -> Team:
        """The team's captain turns the offer down: the team leaves the waitlist and the
        place is offered to the next team. Raises OfferNotOpen or NotCaptain. Audited."""
        now = self.clock.now()
        async with self.db.write() as conn:
            offer, entry = await self._answerable(conn, offer_id, user_id)
            await q.close_offer(conn, offer.id, status=q.DECLINED, now=now, by=user_id)
            await q.set_entry(
                conn, entry.team_id, status=q.RELEASED, released_at=now, release_reason=DECLINED
            )
            await self.audit.record(
                conn,
                actor_id=user_id,
                action="capacity.declined",
                target=f"team:{entry.team_id}",
                details={"offer_id": offer.id, "track": offer.track},
            )
            changes = await self._fill(conn, offer.track, now)
            changes.withdrawn_jobs.append(offer_lapse_key(offer.id))
            team = await team_queries.get(conn, offer.team_id)
        await self._after(changes)
        return _team(team)

    async def _lapse_in(
        self, conn: AsyncConnection, offer: q.OfferRow, entry: q.EntryRow, now: dt.datetime
    ) -> Changes:
        await q.close_offer(conn, offer.id, status=q.LAPSED, now=now)
        await q.set_entry(
            conn, entry.team_id, status=q.RELEASED, released_at=now, release_reason=LAPSED
        )
        await self.audit.record(
            conn,
            actor_id=None,
            action="capacity.lapsed",
            target=f"team:{entry.team_id}",
            details={"offer_id": offer.id, "track": offer.track},
        )
        changes = await self._fill(conn, offer.track, now)
        changes.withdrawn_jobs.append(offer_lapse_key(offer.id))
        return changes

    async def lapse(self, offer_id: int) -> tuple[Publication, ...]:
        """Lapse the offer if it is still open and past its deadline (idempotent): the team
        leaves the waitlist, is told, and the place goes to the next team."""
        now = self.clock.now()
        async with self.db.write() as conn:
            offer = await q.get_offer(conn, offer_id)
            if offer is None:
                return ()
            await q.lock_track(conn, offer.season, offer.track)
            offer = await q.get_offer(conn, offer_id)
            entry = await q.get_entry(conn, offer.team_id) if offer else None
            if offer is None or entry is None or offer.status != q.OPEN:
                return ()
            if now < offer.expires_at:
                return ()
            changes = await self._lapse_in(conn, offer, entry, now)
            told = await self._team_notice(
                conn,
                NOTICE_LAPSED,
                offer.team_id,
                offer.expires_at,
                f"capacity:offer:{offer.id}:lapsed",
            )
        # The lapse job itself is running: only the new offers need arming.
        changes.withdrawn_jobs = [
            k for k in changes.withdrawn_jobs if k != offer_lapse_key(offer_id)
        ]
        await self._after(changes)
        log.info("capacity offer lapsed offer=%s team=%s", offer_id, offer.team_id)
        return (told,) if told is not None else ()

    async def run_lapse(self, job: Job) -> JobResult:
        """The lapse job of one offer."""
        return JobResult(publications=await self.lapse(int(job.payload["offer_id"])))

    async def offer_delivery(self, offer_id: int, wording: OfferWording) -> tuple[Publication, ...]:
        """Deliver an open offer: queue it for the team's linked WhatsApp numbers and return
        the DM to its captain. Idempotent per offer (outbox occurrence, journal key)."""
        async with self.db.write() as conn:
            offer = await q.get_offer(conn, offer_id)
            if offer is None or offer.status != q.OPEN:
                return ()
            notice = await self._offer_notice(conn, offer)
            if notice is None:
                return ()
            texts, variables = wording(notice)
            queued = await outbox_queries.enqueue(
                conn,
                occurrence_key=f"capacity:offer:{offer.id}",
                kind="broadcast",
                texts=texts,
                variables=variables,
                audience=q.team_subscribers(offer.team_id, self.season),
                now=self.clock.now(),
            )
        log.info("capacity offer delivered offer=%s whatsapp_rows=%d", offer_id, queued)
        key = target_key(f"capacity:offer:{offer.id}", f"dm:{notice.captain_id}")
        return (Publication(key, OFFER_PUBLICATION, notice, user_id=notice.captain_id),)

    async def run_offer_notice(self, job: Job, wording: OfferWording) -> JobResult:
        """The notice job of one offer (see ``offer_delivery``)."""
        return JobResult(
            publications=await self.offer_delivery(int(job.payload["offer_id"]), wording)
        )
