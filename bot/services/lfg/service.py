"""The team finder: free agents' cards, captains browsing them, invites and answers."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.calendar import discord_timestamp
from bot.clock import Clock
from bot.config import CompetitionConfig
from bot.services.lfg.cards import check_card, format_offset, parse_timezone
from bot.services.lfg.errors import (
    AlreadyInvited,
    CardGone,
    HasTeam,
    InviteAnswered,
    InviteExpired,
    InviteVoid,
    NoCard,
    TooManyInvites,
    TrackMismatch,
    UnknownInvite,
)
from bot.services.lfg.models import Card, CardPage, Filters, Invite
from bot.services.names import name_key
from bot.services.teams import (
    MembershipChange,
    NotCaptain,
    NotInTeam,
    RegistrationClosed,
    RegistrationLocked,
    TeamFull,
    TeamService,
    UnknownTrack,
)
from storage.engine import Database
from storage.queries import lfg as q
from storage.queries import teams as team_queries
from storage.queries.teams import DuplicateKey

_Row = TypeVar("_Row")

#: Cards per page of ``/lfg browse`` (five embed fields of at most ~700 characters).
PAGE_SIZE = 5
#: Most autocomplete choices Discord shows.
CHOICES = 25


def _mention(user_id: int) -> str:
    return f"<@{user_id}>"


def _written(row: _Row | None) -> _Row:
    """A row this transaction just wrote (it cannot be missing)."""
    if row is None:  # pragma: no cover - would be a storage bug
        raise RuntimeError("a row vanished inside its own transaction")
    return row


@dataclass(slots=True)
class LfgService:
    """Cards, browsing and invites of the current season's team finder."""

    db: Database
    clock: Clock
    competition: CompetitionConfig
    teams: TeamService

    @property
    def season(self) -> str:
        """The current season's label."""
        return self.competition.competition.season

    # -- cards ---------------------------------------------------------------------------

    async def card(self, user_id: int) -> Card | None:
        """The member's card, or None."""
        async with self.db.read() as conn:
            row = await q.get_card(conn, self.season, user_id)
        return Card.from_row(row) if row else None

    async def check_can_post(self, user_id: int) -> Card | None:
        """Raise HasTeam when the member is in a team; else their current card, if any
        (to fill in the form)."""
        async with self.db.read() as conn:
            team = await team_queries.team_of(conn, self.season, user_id)
            if team is not None:
                raise HasTeam(team=team.name)
            row = await q.get_card(conn, self.season, user_id)
        return Card.from_row(row) if row else None

    async def publish(
        self,
        *,
        user_id: int,
        track: str,
        skills: str,
        languages: str,
        timezone: str,
        looking_for: str,
    ) -> tuple[Card, bool]:
        """Publish or replace the member's card; returns it and whether it is new.

        Raises UnknownTrack, HasTeam or a refusal of the texts (lengths, lists, control
        characters, an unknown timezone); nothing is written then."""
        if track not in self.competition.track_keys:
            raise UnknownTrack(track=track[:30], tracks=", ".join(self.competition.track_keys))
        now = self.clock.now()
        text = check_card(
            skills=skills, languages=languages, timezone=timezone, looking_for=looking_for, now=now
        )
        tags = [("skill", t) for t in text.skill_tags] + [
            ("language", t) for t in text.language_tags
        ]
        async with self.db.write() as conn:
            team = await team_queries.team_of(conn, self.season, user_id)
            if team is not None:
                raise HasTeam(team=team.name)
            created = await q.save_card(
                conn,
                season=self.season,
                user_id=user_id,
                values={
                    "track": track,
                    "skills": text.skills,
                    "languages": text.languages,
                    "timezone": text.timezone,
                    "utc_offset_minutes": text.utc_offset_minutes,
                    "looking_for": text.looking_for,
                },
                tags=tags,
                now=now,
            )
            row = _written(await q.get_card(conn, self.season, user_id))
        return Card.from_row(row), created

    async def remove(self, *, user_id: int) -> None:
        """Take the member's card down. Raises NoCard."""
        async with self.db.write() as conn:
            if not await q.delete_card(conn, self.season, user_id):
                raise NoCard()

    async def member_joined(self, conn: AsyncConnection, user_id: int) -> None:
        """The teams service's hook: a member who joined a team (any way) loses their card,
        and the invites still waiting for them no longer apply."""
        await q.delete_card(conn, self.season, user_id)
        await q.void_pending_for(conn, self.season, user_id, self.clock.now())

    # -- browsing ------------------------------------------------------------------------

    def _filter(self, filters: Filters) -> q.CardFilter:
        if filters.track is not None and filters.track not in self.competition.track_keys:
            raise UnknownTrack(
                track=filters.track[:30], tracks=", ".join(self.competition.track_keys)
            )
        low = high = None
        if filters.timezone is not None:
            _, offset = parse_timezone(filters.timezone, self.clock.now())
            window = self.competition.lfg.timezone_window_hours * 60
            low, high = offset - window, offset + window
        return q.CardFilter(
            track=filters.track,
            skill=name_key(filters.skill)[:40] if filters.skill else None,
            language=name_key(filters.language)[:40] if filters.language else None,
            min_offset=low,
            max_offset=high,
        )

    async def browse(self, filters: Filters, page: int = 0) -> CardPage:
        """The page ``page`` (from 0; clamped to the last) of the cards matching
        ``filters``, newest first. Raises UnknownTrack or UnknownTimezone."""
        wanted = self._filter(filters)
        page = max(page, 0)
        async with self.db.read() as conn:
            rows, total = await q.browse(
                conn, self.season, wanted, limit=PAGE_SIZE, offset=page * PAGE_SIZE
            )
            pages = max(1, math.ceil(total / PAGE_SIZE))
            if page >= pages:
                page = pages - 1
                rows, total = await q.browse(
                    conn, self.season, wanted, limit=PAGE_SIZE, offset=page * PAGE_SIZE
                )
        return CardPage(
            cards=tuple(Card.from_row(r) for r in rows),
            total=total,
            page=page,
            pages=max(1, math.ceil(total / PAGE_SIZE)),
            filters=filters,
        )

    async def tag_choices(self, kind: str, typed: str) -> list[str]:
        """Autocomplete: the skills (``kind`` "skill") or languages ("language") on cards
        starting with what was typed, most used first (at most 25)."""
        async with self.db.read() as conn:
            return await q.tags(conn, self.season, kind, name_key(typed)[:40], CHOICES)

    async def timezone_choices(self, typed: str) -> list[tuple[str, str]]:
        """Autocomplete: (label, value) of the timezones on cards containing what was
        typed, most used first (at most 25)."""
        needle = typed.strip().casefold()
        async with self.db.read() as conn:
            zones = await q.timezones(conn, self.season)
        labels = [
            (zone if zone.startswith("UTC") else f"{zone} ({format_offset(offset)})", zone)
            for zone, offset in zones
        ]
        return [pair for pair in labels if needle in pair[0].casefold()][:CHOICES]

    # -- invites -------------------------------------------------------------------------

    async def _invite_of(self, conn: AsyncConnection, row: q.InviteRow) -> Invite:
        team = await team_queries.get(conn, row.team_id)
        name, track = (team.name, team.track) if team else ("?", "?")
        return Invite.from_row(row, name, track)

    async def invite(self, *, captain_id: int, member_id: int) -> Invite:
        """The captain invites a member with a card into their team; the invite expires
        after ``[lfg] invite_ttl``. Raises RegistrationLocked, RegistrationClosed,
        NotInTeam, NotCaptain, CardGone, TrackMismatch, TeamFull, AlreadyInvited or
        TooManyInvites; nothing is written then."""
        status = await self.teams.registration()
        if status.locked_at is not None:
            raise RegistrationLocked()
        if not status.open and status.deadline is not None:
            raise RegistrationClosed(deadline=discord_timestamp(status.deadline))
        now = self.clock.now()
        settings = self.competition.lfg
        async with self.db.write() as conn:
            await q.expire_invites(conn, now)
            team = await team_queries.team_of(conn, self.season, captain_id)
            if team is None:
                raise NotInTeam()
            if team.captain_id != captain_id:
                raise NotCaptain(team=team.name)
            card = await q.get_card(conn, self.season, member_id)
            if card is None or await team_queries.team_of(conn, self.season, member_id):
                raise CardGone(member=_mention(member_id))
            if card.track != team.track:
                raise TrackMismatch(
                    member=_mention(member_id), wanted=f"`{card.track}`", track=f"`{team.track}`"
                )
            max_size = self.competition.teams.max_size
            if await team_queries.member_count(conn, team.id) >= max_size:
                raise TeamFull(team=team.name, max=max_size)
            existing = await q.pending_invite(conn, team.id, member_id)
            if existing is not None:
                raise AlreadyInvited(
                    member=_mention(member_id), expires=discord_timestamp(existing.expires_at, "R")
                )
            if await q.pending_count(conn, team.id) >= settings.max_pending_invites:
                raise TooManyInvites(max=settings.max_pending_invites)
            expires_at = now + settings.invite_ttl
            try:
                invite_id = await q.insert_invite(
                    conn,
                    season=self.season,
                    team_id=team.id,
                    captain_id=captain_id,
                    user_id=member_id,
                    now=now,
                    expires_at=expires_at,
                )
            except DuplicateKey:
                raise AlreadyInvited(
                    member=_mention(member_id), expires=discord_timestamp(expires_at, "R")
                ) from None
            row = _written(await q.get_invite(conn, invite_id))
        return Invite.from_row(row, team.name, team.track)

    async def _pending(self, conn: AsyncConnection, invite_id: int, user_id: int) -> q.InviteRow:
        """The member's invite if it still waits for their answer, else the refusal."""
        row = await q.get_invite(conn, invite_id)
        if row is None or row.user_id != user_id or row.season != self.season:
            raise UnknownInvite()
        now = self.clock.now()
        if row.status == "expired" or (row.status == q.PENDING and row.expires_at <= now):
            raise InviteExpired(expired=discord_timestamp(row.expires_at, "R"))
        if row.status == "void":
            raise InviteVoid()
        if row.status != q.PENDING:
            raise InviteAnswered()
        team = await team_queries.get(conn, row.team_id)
        if team is None or team.disbanded_at is not None:
            raise InviteVoid()
        return row

    async def accept(self, *, invite_id: int, user_id: int) -> tuple[Invite, MembershipChange]:
        """The invited member accepts: they join the team through the teams service (its
        size limit and registration rules), their card goes and their other invites no
        longer apply. Raises UnknownInvite, InviteExpired, InviteVoid, InviteAnswered, or
        the team's refusal (AlreadyInTeam, TeamFull, RegistrationLocked/Closed)."""
        now = self.clock.now()
        async with self.db.write() as conn:
            row = await self._pending(conn, invite_id, user_id)
            await q.answer_invite(conn, row.id, "accepted", now)
            change = await self.teams.join_in(conn, team_id=row.team_id, user_id=user_id, now=now)
            after = _written(await q.get_invite(conn, row.id))
        return Invite.from_row(after, change.team.name, change.team.track), change

    async def decline(self, *, invite_id: int, user_id: int) -> Invite:
        """The invited member declines. Raises UnknownInvite, InviteExpired, InviteVoid or
        InviteAnswered."""
        async with self.db.write() as conn:
            row = await self._pending(conn, invite_id, user_id)
            await q.answer_invite(conn, row.id, "declined", self.clock.now())
            after = _written(await q.get_invite(conn, row.id))
            return await self._invite_of(conn, after)

    async def pending_invites(self, user_id: int) -> list[Invite]:
        """The member's invites still waiting for an answer, oldest first."""
        async with self.db.read() as conn:
            rows = await q.pending_for(conn, self.season, user_id, self.clock.now())
            return [await self._invite_of(conn, row) for row in rows]
