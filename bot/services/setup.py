"""Server setup: which roles and channels the config names, and which the server lacks.

The config names roles and channels by name; organizers never copy ids by hand. This
service compares the configured resources with what the server has (matching a recorded
id first, so a renamed channel stays matched, then the name), says what must be created,
and records the ids once the Discord side has created them. It never talks to Discord.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from bot.clock import Clock
from bot.config import CompetitionConfig
from bot.services.audit import AuditService
from storage.engine import Database
from storage.queries import guild_resources as resource_queries

ROLE = "role"
CATEGORY = "category"
CHANNEL = "channel"

ORGANIZER_ROLE = "role:organizer"
ALUMNI_ROLE = "role:alumni"
MAIN_CATEGORY = "category:main"
TEAMS_CATEGORY = "category:teams"


@dataclass(frozen=True, slots=True)
class DesiredResource:
    """A role, category or text channel the competition needs.

    ``visible_to`` lists role keys allowed to see a private channel (empty: everyone);
    ``read_only`` channels are written by the bot (and organizers) only; a ``mentionable``
    role is one the bot pings (the cohort roles: Q&A notices), so a mention notifies even
    when the bot lacks the Mention Everyone permission.
    """

    kind: str
    key: str
    name: str
    parent_key: str | None = None
    visible_to: tuple[str, ...] = ()
    read_only: bool = False
    mentionable: bool = False


@dataclass(frozen=True, slots=True)
class ExistingResource:
    """A role, category or channel the server has now."""

    kind: str
    name: str
    discord_id: int


@dataclass(slots=True)
class SetupPlan:
    """What exists already (with its id) and what must be created, in creation order."""

    found: list[tuple[DesiredResource, int]] = field(default_factory=list)
    to_create: list[DesiredResource] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SetupReport:
    """The outcome of a setup run, for the reply."""

    created: list[DesiredResource]
    found: list[DesiredResource]
    failed: list[tuple[DesiredResource, str]]


def _normalize(kind: str, name: str) -> str:
    name = name.strip().casefold()
    # Discord lowercases text channel names and turns spaces into hyphens.
    return name.replace(" ", "-") if kind == CHANNEL else name


def cohort_role_key(cohort_key: str) -> str:
    """The resource key of a cohort's role."""
    return f"role:cohort:{cohort_key}"


@dataclass(slots=True)
class GuildSetupService:
    """Plans and records `/admin setup` (SPEC §3.8)."""

    db: Database
    clock: Clock
    competition: CompetitionConfig
    audit: AuditService
    guild_id: int

    def desired(self) -> list[DesiredResource]:
        """Every resource the config names, parents before children."""
        cfg = self.competition
        wanted: list[DesiredResource] = [
            DesiredResource(ROLE, ORGANIZER_ROLE, cfg.roles.organizer),
            DesiredResource(ROLE, ALUMNI_ROLE, cfg.roles.alumni),
        ]
        wanted += [
            DesiredResource(ROLE, cohort_role_key(cohort.key), cohort.role, mentionable=True)
            for cohort in cfg.cohorts
        ]
        wanted.append(DesiredResource(CATEGORY, MAIN_CATEGORY, cfg.channels.category))
        if cfg.teams.private_channels:
            wanted.append(DesiredResource(CATEGORY, TEAMS_CATEGORY, cfg.teams.channel_category))
        channels = cfg.channels
        wanted += [
            DesiredResource(
                CHANNEL,
                "channel:organizers",
                channels.organizers,
                MAIN_CATEGORY,
                visible_to=(ORGANIZER_ROLE,),
            ),
            DesiredResource(
                CHANNEL,
                "channel:announcements",
                channels.announcements,
                MAIN_CATEGORY,
                read_only=True,
            ),
            DesiredResource(
                CHANNEL, "channel:leaderboard", channels.leaderboard, MAIN_CATEGORY, read_only=True
            ),
            DesiredResource(
                CHANNEL, "channel:gallery", channels.gallery, MAIN_CATEGORY, read_only=True
            ),
            DesiredResource(
                CHANNEL,
                "channel:alumni",
                channels.alumni,
                MAIN_CATEGORY,
                visible_to=(ALUMNI_ROLE, ORGANIZER_ROLE),
            ),
        ]
        seen = {_normalize(CHANNEL, r.name) for r in wanted if r.kind == CHANNEL}
        for cohort in cfg.cohorts:
            for index, name in enumerate(cohort.channels):
                if _normalize(CHANNEL, name) in seen:
                    continue
                seen.add(_normalize(CHANNEL, name))
                wanted.append(
                    DesiredResource(
                        CHANNEL,
                        f"channel:cohort:{cohort.key}:{index}",
                        name,
                        MAIN_CATEGORY,
                        visible_to=(cohort_role_key(cohort.key), ORGANIZER_ROLE),
                    )
                )
        return wanted

    async def plan(self, existing: list[ExistingResource]) -> SetupPlan:
        """Match the configured resources against the server's; list what is missing."""
        async with self.db.read() as conn:
            recorded = {
                (row.kind, row.key): row.discord_id
                for row in await resource_queries.all_for_guild(conn, self.guild_id)
            }
        ids_by_kind: dict[str, set[int]] = {}
        by_name: dict[tuple[str, str], int] = {}
        for resource in existing:
            ids_by_kind.setdefault(resource.kind, set()).add(resource.discord_id)
            # The first of several same-named resources wins, like Discord's own lookup.
            by_name.setdefault(
                (resource.kind, _normalize(resource.kind, resource.name)), resource.discord_id
            )
        plan = SetupPlan()
        for wanted in self.desired():
            known = recorded.get((wanted.kind, wanted.key))
            if known is not None and known in ids_by_kind.get(wanted.kind, set()):
                plan.found.append((wanted, known))
                continue
            match = by_name.get((wanted.kind, _normalize(wanted.kind, wanted.name)))
            if match is not None:
                plan.found.append((wanted, match))
            else:
                plan.to_create.append(wanted)
        return plan

    async def record(
        self,
        *,
        actor_id: int | None,
        found: list[tuple[DesiredResource, int]],
        created: list[tuple[DesiredResource, int]],
        failed: list[tuple[DesiredResource, str]],
    ) -> SetupReport:
        """Store the ids of found and created resources and audit the run, in one transaction."""
        now = self.clock.now()
        async with self.db.write() as conn:
            for resource, discord_id in [*found, *created]:
                await resource_queries.upsert(
                    conn,
                    guild_id=self.guild_id,
                    kind=resource.kind,
                    key=resource.key,
                    name=resource.name,
                    discord_id=discord_id,
                    created_by_bot=any(resource is c for c, _ in created),
                    now=now,
                )
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="admin.setup",
                target=str(self.guild_id),
                details={
                    "created": [f"{r.kind}:{r.name}" for r, _ in created],
                    "found": len(found),
                    "failed": [f"{r.kind}:{r.name}: {why}" for r, why in failed],
                },
            )
        return SetupReport(
            created=[r for r, _ in created], found=[r for r, _ in found], failed=failed
        )

    async def resource_ids(self) -> dict[str, int]:
        """Recorded Discord ids by resource key (e.g. ``channel:leaderboard``)."""
        async with self.db.read() as conn:
            rows = await resource_queries.all_for_guild(conn, self.guild_id)
        return {row.key: row.discord_id for row in rows}

    async def organizer_role_id(self) -> int | None:
        """The organizer role's id as `/admin setup` recorded it, or None before setup."""
        return (await self.resource_ids()).get(ORGANIZER_ROLE)

    async def is_organizer(self, *, role_ids: Collection[int], manages_server: bool) -> bool:
        """Who is an organizer: a member with the Manage Server (or Administrator)
        permission, or one holding the role whose id `/admin setup` recorded. A role's name
        never counts: anyone with Manage Roles can make a role called "organizer". Before
        setup has recorded the role, only Manage Server counts."""
        if manages_server:
            return True
        organizer_id = await self.organizer_role_id()
        return organizer_id is not None and organizer_id in role_ids

    def missing(
        self, existing: list[ExistingResource], recorded: dict[str, int]
    ) -> list[DesiredResource]:
        """Configured resources the server lacks right now (for the start-up report)."""
        present = {(r.kind, _normalize(r.kind, r.name)) for r in existing}
        ids = {r.discord_id for r in existing}
        return [
            wanted
            for wanted in self.desired()
            if recorded.get(wanted.key) not in ids
            and (wanted.kind, _normalize(wanted.kind, wanted.name)) not in present
        ]
