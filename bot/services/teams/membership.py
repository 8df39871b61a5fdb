"""Registration, leaving, captain and organizer actions: every write the team service makes."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.calendar import discord_timestamp
from bot.services.teams.errors import (
    AlreadyInTeam,
    AlreadyInThatTeam,
    BadInviteCode,
    CannotTargetSelf,
    NotCaptain,
    NotInTeam,
    NotTeamMember,
    RegistrationClosed,
    RegistrationLocked,
    SameTeamName,
    TeamFull,
    TeamNameTaken,
    UnknownTeam,
    UnknownTrack,
)
from bot.services.teams.gate import TrackGate
from bot.services.teams.models import Disbanded, MembershipChange, MoveResult, Team, TeamDetails
from bot.services.teams.names import clean_team_name, new_invite_code, normalize_invite_code
from bot.services.teams.roster import TeamRoster
from storage.queries import cohorts as cohort_queries
from storage.queries import teams as team_queries
from storage.queries.teams import DuplicateKey, TeamRow


async def _reload(conn: AsyncConnection, team_id: int) -> TeamRow:
    """The team row just written in this transaction (it cannot be missing)."""
    row = await team_queries.get(conn, team_id)
    if row is None:  # pragma: no cover - would be a storage bug
        raise RuntimeError(f"team {team_id} vanished inside its own transaction")
    return row


def _mention(user_id: int) -> str:
    return f"<@{user_id}>"


#: Called inside the transaction that put a member (the int) in a team, whichever way.
MemberJoinedHook = Callable[[AsyncConnection, int], Awaitable[None]]
log = logging.getLogger(__name__)


class TeamListener(Protocol):
    """Told after the commit when a team is registered or disbanded (capacity places)."""

    async def team_created(self, team: Team) -> None: ...

    async def team_disbanded(self, team: Team) -> None: ...


@dataclass(slots=True)
class TeamService(TeamRoster):
    """Team registration and management for the current season."""

    #: Other features' reactions to a member joining a team (the team finder drops their
    #: card); ``bootstrap`` appends them. They run in the joining transaction.
    member_joined_hooks: list[MemberJoinedHook] = field(default_factory=list, init=False)

    async def _add_member(
        self, conn: AsyncConnection, *, team_id: int, user_id: int, now: dt.datetime
    ) -> None:
        """Put the member in the team and run the joined hooks; raises DuplicateKey."""
        await team_queries.add_member(
            conn, team_id=team_id, user_id=user_id, season=self.season, now=now
        )
        for hook in self.member_joined_hooks:
            await hook(conn, user_id)

    listeners: list[TeamListener] = field(default_factory=list)

    async def _tell(self, team: Team, *, created: bool) -> None:
        """Tell the listeners (after the commit); a listener's failure is logged, since the
        team change itself is done (capacity repairs itself at the next start)."""
        for listener in self.listeners:
            try:
                if created:
                    await listener.team_created(team)
                else:
                    await listener.team_disbanded(team)
            except Exception:
                log.exception("team listener failed team=%s created=%s", team.id, created)

    async def disbanded_elsewhere(self, team: Team) -> None:
        """Another service's transaction disbanded ``team`` (an erasure): tell the
        listeners, after its commit."""
        await self._tell(team, created=False)

    #: Asked before a team enters a track (eligibility); None lets every member in.
    gate: TrackGate | None = None

    async def _check_track_entry(
        self, conn: AsyncConnection, track: str, user_ids: list[int]
    ) -> None:
        if self.gate is not None:
            await self.gate.check_entry(conn, track=track, user_ids=user_ids)

    # -- registration --------------------------------------------------------------------

    async def _check_open(self, conn: AsyncConnection) -> None:
        if await team_queries.registration_lock(conn, self.season) is not None:
            raise RegistrationLocked()
        deadline = self.competition.teams.registration_deadline
        if deadline is not None and self.clock.now() >= deadline:
            raise RegistrationClosed(deadline=discord_timestamp(deadline))

    async def create(self, *, user_id: int, name: str, track: str) -> Team:
        """Register a team with the member as captain and only member.

        Raises UnknownTrack, a TeamName* error, TeamNameTaken, AlreadyInTeam,
        RegistrationLocked or RegistrationClosed; nothing is written then."""
        if track not in self.competition.track_keys:
            raise UnknownTrack(track=track[:30], tracks=", ".join(self.competition.track_keys))
        clean, key = clean_team_name(name)
        now = self.clock.now()
        async with self.db.write() as conn:
            await self._check_open(conn)
            current = await team_queries.team_of(conn, self.season, user_id)
            if current is not None:
                raise AlreadyInTeam(team=current.name)
            if await team_queries.by_name_key(conn, self.season, key) is not None:
                raise TeamNameTaken(name=clean)
            await self._check_track_entry(conn, track, [user_id])
            try:
                team_id = await team_queries.insert_team(
                    conn,
                    season=self.season,
                    name=clean,
                    name_key=key,
                    track=track,
                    captain_id=user_id,
                    invite_code=new_invite_code(),
                    now=now,
                )
            except DuplicateKey:
                raise TeamNameTaken(name=clean) from None
            try:
                await self._add_member(conn, team_id=team_id, user_id=user_id, now=now)
            except DuplicateKey:
                raise AlreadyInTeam(team="?") from None
            row = await _reload(conn, team_id)
        self._indexed(row.id, row.name)
        await self._tell(Team.from_row(row), created=True)
        return Team.from_row(row)

    async def join(self, *, user_id: int, code: str) -> MembershipChange:
        """Join the team with this invite code.

        Raises BadInviteCode, AlreadyInTeam, TeamFull, RegistrationLocked or
        RegistrationClosed. Of two members taking the last seat at once, exactly one gets it.
        """
        wanted = normalize_invite_code(code)
        now = self.clock.now()
        async with self.db.write() as conn:
            await self._check_open(conn)
            found = await team_queries.by_invite_code(conn, wanted) if wanted else None
            if found is None or found.season != self.season:
                raise BadInviteCode(code=f"`{wanted[:20] or '?'}`")
            return await self._join(conn, team_id=found.id, user_id=user_id, now=now)

    async def join_in(
        self, conn: AsyncConnection, *, team_id: int, user_id: int, now: dt.datetime
    ) -> MembershipChange:
        """Join the team ``team_id`` inside another service's transaction (an accepted
        team-finder invite) by the rules of ``join``: raises RegistrationLocked,
        RegistrationClosed, UnknownTeam, AlreadyInTeam or TeamFull."""
        await self._check_open(conn)
        team = await team_queries.get(conn, team_id)
        if team is None or team.disbanded_at is not None or team.season != self.season:
            raise UnknownTeam(team=str(team_id))
        return await self._join(conn, team_id=team_id, user_id=user_id, now=now)

    async def _join(
        self, conn: AsyncConnection, *, team_id: int, user_id: int, now: dt.datetime
    ) -> MembershipChange:
        """Put a member without a team in an active team that has a free seat."""
        current = await team_queries.team_of(conn, self.season, user_id)
        if current is not None:
            raise AlreadyInTeam(team=current.name)
        await team_queries.lock_team(conn, team_id)
        team = await _reload(conn, team_id)
        if await team_queries.member_count(conn, team.id) >= self.competition.teams.max_size:
            raise TeamFull(team=team.name, max=self.competition.teams.max_size)
        members = await team_queries.member_ids(conn, team.id)
        await self._check_track_entry(conn, team.track, [*members, user_id])
        try:
            await self._add_member(conn, team_id=team.id, user_id=user_id, now=now)
        except DuplicateKey:
            raise AlreadyInTeam(team=team.name) from None
        remaining = await team_queries.member_ids(conn, team.id)
        return MembershipChange(
            team=Team.from_row(team), user_id=user_id, joined=True, remaining=tuple(remaining)
        )

    # -- leaving -------------------------------------------------------------------------

    async def remove_member_in(
        self, conn: AsyncConnection, row: TeamRow, user_id: int, now: dt.datetime
    ) -> MembershipChange:
        """Take ``user_id`` out of ``row``'s team inside another service's transaction (the
        erasure of a member's data) by the same rules as leaving: captaincy passes to the
        longest-standing member; a team left empty is disbanded. After the commit, call
        :meth:`forget_disbanded` when the change disbanded the team."""
        return await self._remove(conn, row, user_id, now)

    async def _remove(
        self, conn: AsyncConnection, row: TeamRow, user_id: int, now: dt.datetime
    ) -> MembershipChange:
        """Take ``user_id`` out of ``row``'s team inside the caller's transaction: captaincy
        passes to the longest-standing member; a team left empty is disbanded."""
        await team_queries.lock_team(conn, row.id)
        await team_queries.remove_member(conn, row.id, user_id)
        remaining = await team_queries.member_ids(conn, row.id)
        if not remaining:
            await team_queries.disband(conn, row.id, now)
            after = await _reload(conn, row.id)
            return MembershipChange(Team.from_row(after), user_id, joined=False, disbanded=True)
        new_captain = None
        if row.captain_id == user_id:
            new_captain = remaining[0]
            await team_queries.update_team(conn, row.id, captain_id=new_captain)
        after = await _reload(conn, row.id)
        return MembershipChange(
            Team.from_row(after),
            user_id,
            joined=False,
            new_captain_id=new_captain,
            remaining=tuple(remaining),
        )

    async def leave(self, *, user_id: int) -> MembershipChange:
        """Leave one's team. Raises NotInTeam. The last member leaving disbands the team."""
        now = self.clock.now()
        async with self.db.write() as conn:
            row = await team_queries.team_of(conn, self.season, user_id)
            if row is None:
                raise NotInTeam()
            change = await self._remove(conn, row, user_id, now)
        if change.disbanded:
            self._indexed(row.id, None)
            await self._tell(change.team, created=False)
        return change

    async def member_left_server(self, *, user_id: int) -> MembershipChange | None:
        """The member left the Discord server: they leave their team (audited) and are
        marked as gone. Returns the team change, or None when they were in no team.
        Idempotent: a second call finds no team and changes nothing."""
        now = self.clock.now()
        async with self.db.write() as conn:
            await cohort_queries.mark_left(conn, user_id, now)
            row = await team_queries.team_of(conn, self.season, user_id)
            if row is None:
                return None
            change = await self._remove(conn, row, user_id, now)
            await self.audit.record(
                conn,
                actor_id=None,
                action="team.member_left_server",
                target=f"team:{row.id}",
                details={
                    "user_id": user_id,
                    "team": row.name,
                    "new_captain_id": change.new_captain_id,
                    "disbanded": change.disbanded,
                },
            )
        if change.disbanded:
            self._indexed(row.id, None)
            await self._tell(change.team, created=False)
        return change

    # -- captain actions -----------------------------------------------------------------

    async def _captains_team(self, conn: AsyncConnection, user_id: int) -> TeamRow:
        row = await team_queries.team_of(conn, self.season, user_id)
        if row is None:
            raise NotInTeam()
        if row.captain_id != user_id:
            raise NotCaptain(team=row.name)
        return row

    async def kick(self, *, captain_id: int, member_id: int) -> MembershipChange:
        """The captain removes a member. Raises NotInTeam, NotCaptain, CannotTargetSelf
        (use /team leave) or NotTeamMember."""
        now = self.clock.now()
        async with self.db.write() as conn:
            row = await self._captains_team(conn, captain_id)
            if member_id == captain_id:
                raise CannotTargetSelf()
            if member_id not in await team_queries.member_ids(conn, row.id):
                raise NotTeamMember(member=_mention(member_id), team=row.name)
            return await self._remove(conn, row, member_id, now)

    async def transfer(self, *, captain_id: int, member_id: int) -> Team:
        """The captain hands captaincy to another member of the team. Raises NotInTeam,
        NotCaptain, CannotTargetSelf or NotTeamMember."""
        async with self.db.write() as conn:
            row = await self._captains_team(conn, captain_id)
            if member_id == captain_id:
                raise CannotTargetSelf()
            if member_id not in await team_queries.member_ids(conn, row.id):
                raise NotTeamMember(member=_mention(member_id), team=row.name)
            await team_queries.update_team(conn, row.id, captain_id=member_id)
            after = await _reload(conn, row.id)
        return Team.from_row(after)

    async def rename(self, *, captain_id: int, name: str) -> tuple[Team, str]:
        """The captain renames the team; returns the team and its old name. Raises
        NotInTeam, NotCaptain, a TeamName* error, SameTeamName or TeamNameTaken."""
        clean, key = clean_team_name(name)
        async with self.db.write() as conn:
            row = await self._captains_team(conn, captain_id)
            if clean == row.name:
                raise SameTeamName(name=clean)
            other = await team_queries.by_name_key(conn, self.season, key)
            if other is not None and other.id != row.id:
                raise TeamNameTaken(name=clean)
            try:
                await team_queries.update_team(conn, row.id, name=clean, name_key=key)
            except DuplicateKey:
                raise TeamNameTaken(name=clean) from None
            after = await _reload(conn, row.id)
        self._indexed(after.id, after.name)
        return Team.from_row(after), row.name

    async def invite(self, *, captain_id: int, rotate: bool = False) -> Team:
        """The captain's team with its invite code; ``rotate`` replaces the code first (the
        old one stops working at once). Raises NotInTeam or NotCaptain."""
        async with self.db.write() as conn:
            row = await self._captains_team(conn, captain_id)
            if rotate:
                await team_queries.update_team(conn, row.id, invite_code=new_invite_code())
                after = await _reload(conn, row.id)
                row = after
        return Team.from_row(row)

    async def disband_preview(
        self, *, actor_id: int, team_id: int | None = None, as_organizer: bool = False
    ) -> TeamDetails:
        """The team ``disband`` would disband, checked the same way, changing nothing.

        Raises NotInTeam, NotCaptain or UnknownTeam."""
        async with self.db.read() as conn:
            if team_id is None:
                row = await team_queries.team_of(conn, self.season, actor_id)
                if row is None:
                    raise NotInTeam()
            else:
                row = await team_queries.get(conn, team_id)
                if row is None or row.disbanded_at is not None or row.season != self.season:
                    raise UnknownTeam(team=str(team_id))
            if row.captain_id != actor_id and not as_organizer:
                raise NotCaptain(team=row.name)
            members = await team_queries.memberships(conn, row.id)
        return self._details(row, members)

    async def disband(
        self, *, actor_id: int, team_id: int | None = None, as_organizer: bool = False
    ) -> Disbanded:
        """Disband a team: the actor's own (captain only) or, for an organizer, any team.

        Raises NotInTeam, NotCaptain or UnknownTeam. Organizer disbands are audited."""
        now = self.clock.now()
        async with self.db.write() as conn:
            if team_id is None:
                row = await team_queries.team_of(conn, self.season, actor_id)
                if row is None:
                    raise NotInTeam()
            else:
                row = await team_queries.get(conn, team_id)
                if row is None or row.disbanded_at is not None or row.season != self.season:
                    raise UnknownTeam(team=str(team_id))
            if row.captain_id != actor_id and not as_organizer:
                raise NotCaptain(team=row.name)
            await team_queries.lock_team(conn, row.id)
            members = await team_queries.disband(conn, row.id, now)
            if row.captain_id != actor_id:
                await self.audit.record(
                    conn,
                    actor_id=actor_id,
                    action="team.admin_disband",
                    target=f"team:{row.id}",
                    details={"team": row.name, "members": members},
                )
            after = await _reload(conn, row.id)
        self._indexed(row.id, None)
        await self._tell(Team.from_row(after), created=False)
        return Disbanded(Team.from_row(after), tuple(members))

    async def set_channel(self, *, team_id: int, channel_id: int | None) -> None:
        """Record the team's private channel (created or deleted by the Discord side)."""
        async with self.db.write() as conn:
            await team_queries.update_team(conn, team_id, channel_id=channel_id)

    # -- organizer actions ---------------------------------------------------------------

    async def admin_move(self, *, actor_id: int, member_id: int, team_id: int) -> MoveResult:
        """Move a member into a team, out of their current one if any (captaincy passes on,
        an emptied team is disbanded). Ignores the registration lock and deadline, not the
        size limit. Raises UnknownTeam, AlreadyInThatTeam or TeamFull. Audited."""
        now = self.clock.now()
        async with self.db.write() as conn:
            target = await team_queries.lock_team(conn, team_id)
            if target is None or target.disbanded_at is not None or target.season != self.season:
                raise UnknownTeam(team=str(team_id))
            current = await team_queries.team_of(conn, self.season, member_id)
            if current is not None and current.id == target.id:
                raise AlreadyInThatTeam(member=_mention(member_id), team=target.name)
            if await team_queries.member_count(conn, target.id) >= self.competition.teams.max_size:
                raise TeamFull(team=target.name, max=self.competition.teams.max_size)
            members = await team_queries.member_ids(conn, target.id)
            await self._check_track_entry(conn, target.track, [*members, member_id])
            left = None
            if current is not None:
                left = await self._remove(conn, current, member_id, now)
            await self._add_member(conn, team_id=target.id, user_id=member_id, now=now)
            remaining = await team_queries.member_ids(conn, target.id)
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="team.admin_move",
                target=f"user:{member_id}",
                details={
                    "from_team": current.id if current else None,
                    "to_team": target.id,
                    "to_team_name": target.name,
                },
            )
        if left is not None and left.disbanded:
            self._indexed(left.team.id, None)
            await self._tell(left.team, created=False)
        joined = MembershipChange(
            Team.from_row(target), member_id, joined=True, remaining=tuple(remaining)
        )
        return MoveResult(left=left, joined=joined)

    async def lock_registration(self, *, actor_id: int) -> bool:
        """Stop team creation and joining for the season; False if already locked. Audited."""
        async with self.db.write() as conn:
            changed = await team_queries.lock_registration(
                conn, season=self.season, now=self.clock.now(), actor_id=actor_id
            )
            if changed:
                await self.audit.record(
                    conn, actor_id=actor_id, action="team.admin_lock", target=self.season
                )
        return changed

    async def unlock_registration(self, *, actor_id: int) -> bool:
        """Allow team creation and joining again (the deadline still applies); False if it
        was not locked. Audited."""
        async with self.db.write() as conn:
            changed = await team_queries.unlock_registration(conn, self.season)
            if changed:
                await self.audit.record(
                    conn, actor_id=actor_id, action="team.admin_unlock", target=self.season
                )
        return changed
