"""``CapacityService``: places, the waitlist, offers and check-in put together, with the
organizers' figures and the catch-up run at start."""

from __future__ import annotations

from bot.services.capacity.checkin import CapacityCheckin
from bot.services.capacity.models import CapacityStatus, TrackCapacity
from bot.services.capacity.places import OfferWording
from bot.services.publications import Publication
from storage.queries import capacity as q


class CapacityService(CapacityCheckin):
    """Caps per track, the waitlist, offers of freed places and the check-in."""

    __slots__ = ()

    async def status(self) -> CapacityStatus:
        """Per track: cap, places taken, waitlist, open offers, checked-in teams."""
        tracks = []
        async with self.db.read() as conn:
            for track in self._track_keys():
                counts = await q.counts(conn, self.season, track)
                tracks.append(
                    TrackCapacity(
                        track=track,
                        cap=self.cap(track),
                        placed=counts.get(q.PLACED, 0),
                        offered=counts.get(q.OFFERED, 0),
                        waitlisted=counts.get(q.WAITLISTED, 0),
                        checked_in=await q.checked_in_count(conn, self.season, track),
                        released=counts.get(q.RELEASED, 0),
                    )
                )
        config = self.competition.capacity
        return CapacityStatus(tuple(tracks), config.checkin_opens, config.checkin_closes)

    async def ensure_jobs(self) -> None:
        """Schedule the check-in jobs still ahead (idempotent, run at start)."""
        now = self.clock.now()
        for kind, key, when in self.checkin_plan():
            if when > now:
                await self.scheduler.schedule(kind, key, when)

    async def catch_up(self, wording: OfferWording) -> tuple[Publication, ...]:
        """At start, repair what a crash or a long downtime left behind (idempotent): enrol
        teams created without an entry, release disbanded teams' places, run a check-in
        close and lapses that were due, and deliver every open offer again (the outbox and
        the journal of posts send each once). Returns the posts to make."""
        posts: list[Publication] = []
        async with self.db.read() as conn:
            missing = await q.teams_without_entry(conn, self.season)
        for team_id, track in missing:
            async with self.db.write() as conn:
                changes = await self._enroll(conn, team_id, track)
            await self._after(changes)
        for track in self._track_keys():
            async with self.db.write() as conn:
                await q.lock_track(conn, self.season, track)
                changes = await self._fill(conn, track, self.clock.now(), sweep=True)
            await self._after(changes)
        posts += await self.close_checkin()
        async with self.db.read() as conn:
            offers = await q.open_offers(conn, self.season)
        now = self.clock.now()
        for offer in offers:
            if offer.expires_at <= now:
                posts += await self.lapse(offer.id)
        async with self.db.read() as conn:
            offers = await q.open_offers(conn, self.season)
        for offer in offers:
            posts += await self.offer_delivery(offer.id, wording)
        return tuple(posts)
