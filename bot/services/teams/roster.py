"""Who is in which team: the team service's reads and its autocomplete index."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bot.clock import Clock
from bot.config import CompetitionConfig
from bot.services.audit import AuditService
from bot.services.names import name_key
from bot.services.team_search import TeamChoice, TeamSearchIndex
from bot.services.teams.errors import NotInTeam, UnknownTeam
from bot.services.teams.models import RegistrationStatus, Team, TeamDetails, TeamMember
from storage.engine import Database
from storage.queries import teams as team_queries
from storage.queries.teams import TeamRow

#: How long another process's team writes may stay invisible to autocomplete.
INDEX_TTL = dt.timedelta(minutes=1)


@dataclass(slots=True)
class TeamRoster:
    """The reads of :class:`TeamService`: teams, members, registration, autocomplete."""

    db: Database
    clock: Clock
    competition: CompetitionConfig
    audit: AuditService
    _index: TeamSearchIndex | None = field(default=None, init=False)
    _index_loaded: dt.datetime | None = field(default=None, init=False)

    @property
    def season(self) -> str:
        """The current season's label."""
        return self.competition.competition.season

    # -- reads ---------------------------------------------------------------------------

    async def registration(self) -> RegistrationStatus:
        """Whether registration is open now (deadline from the config, organizer lock)."""
        async with self.db.read() as conn:
            locked_at = await team_queries.registration_lock(conn, self.season)
        deadline = self.competition.teams.registration_deadline
        passed = deadline is not None and self.clock.now() >= deadline
        return RegistrationStatus(
            open=locked_at is None and not passed, deadline=deadline, locked_at=locked_at
        )

    async def team_of(self, user_id: int) -> Team | None:
        """The member's team this season, or None."""
        async with self.db.read() as conn:
            row = await team_queries.team_of(conn, self.season, user_id)
        return Team.from_row(row) if row else None

    async def get(self, team_id: int) -> Team | None:
        """A team by id (disbanded ones too)."""
        async with self.db.read() as conn:
            row = await team_queries.get(conn, team_id)
        return Team.from_row(row) if row else None

    async def details(self, team_id: int) -> TeamDetails:
        """The team with its members. Raises UnknownTeam for an unknown or disbanded team."""
        async with self.db.read() as conn:
            row = await team_queries.get(conn, team_id)
            if row is None or row.disbanded_at is not None or row.season != self.season:
                raise UnknownTeam(team=str(team_id))
            members = await team_queries.memberships(conn, team_id)
        return self._details(row, members)

    async def details_of_member(self, user_id: int) -> TeamDetails:
        """The member's own team with its members. Raises NotInTeam."""
        async with self.db.read() as conn:
            row = await team_queries.team_of(conn, self.season, user_id)
            if row is None:
                raise NotInTeam()
            members = await team_queries.memberships(conn, row.id)
        return self._details(row, members)

    def _details(self, row: TeamRow, members: list[team_queries.MembershipRow]) -> TeamDetails:
        return TeamDetails(
            team=Team.from_row(row),
            members=tuple(TeamMember(m.user_id, m.joined_at) for m in members),
            min_size=self.competition.teams.min_size,
            max_size=self.competition.teams.max_size,
        )

    async def resolve(self, text: str) -> Team:
        """The active team an option value names: an id from autocomplete, else a name.

        Raises UnknownTeam."""
        value = text.strip()
        async with self.db.read() as conn:
            row = None
            if value.isdigit():
                row = await team_queries.get(conn, int(value))
                if row is not None and (row.disbanded_at is not None or row.season != self.season):
                    row = None
            if row is None:
                row = await team_queries.by_name_key(conn, self.season, name_key(value))
        if row is None:
            raise UnknownTeam(team=value[:40])
        return Team.from_row(row)

    async def search(self, query: str, limit: int = 25) -> list[TeamChoice]:
        """Autocomplete: at most ``limit`` (≤ 25) active teams matching ``query`` by prefix,
        substring or a typo. Served from memory; reloaded at most every minute so writes
        made by another process show up."""
        index, loaded = self._index, self._index_loaded
        if index is None or loaded is None or self.clock.now() - loaded > INDEX_TTL:
            index = await self.reload_index()
        return index.search(query[:100], min(limit, 25))

    async def reload_index(self) -> TeamSearchIndex:
        """Rebuild the autocomplete index from the database."""
        async with self.db.read() as conn:
            rows = await team_queries.names(conn, self.season)
        self._index = TeamSearchIndex((r.id, r.name, r.name_key) for r in rows)
        self._index_loaded = self.clock.now()
        return self._index

    def forget_disbanded(self, team_id: int) -> None:
        """Drop a disbanded team from the in-memory search index (after the commit)."""
        self._indexed(team_id, None)

    def _indexed(self, team_id: int, name: str | None) -> None:
        if self._index is None:
            return
        if name is None:
            self._index.remove(team_id)
        else:
            self._index.add(team_id, name, name_key(name))
