"""The Discord client: one ``commands.Bot`` subclass, wired in ``setup_hook``."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.config import CompetitionConfig
from bot.discord_i18n import PodiumTranslator
from bot.discord_resources import existing_resources
from bot.heap import settle_heap
from bot.i18n import Catalogs
from bot.interactions import PodiumTree
from bot.jobs import ensure_core_jobs, register_core_jobs
from bot.roles import ALL, Role
from bot.services.registry import Services
from cogs._publisher import DiscordPublisher

log = logging.getLogger(__name__)

#: discord.py's default wait for more servers after READY (see ``_end_ready_wait``).
GUILD_READY_TIMEOUT = 2.0

#: Every cog, one per capability. Each module has ``async def setup(bot)``.
COGS = (
    "cogs.help",
    "cogs.admin",
    "cogs.whatsapp",
    "cogs.broadcast",
    "cogs.teams",
    "cogs.lfg",
    "cogs.capacity",
    "cogs.cohorts",
    "cogs.points",
    "cogs.contests",
    "cogs.qa",
    "cogs.judging",
    "cogs.activity",
    "cogs.survey",
    "cogs.privacy",
    "cogs.calendar",
    "cogs.registration",
    "cogs.results",
    "cogs.progress",
)


def podium_intents() -> discord.Intents:
    """Only what Podium needs.

    guilds: roles and channels in the cache; members (privileged): cohort role sync and
    members leaving; guild_messages (not privileged): messages are counted for activity,
    never read. No message content, no presences.
    """
    intents = discord.Intents.none()
    intents.guilds = True
    intents.members = True
    intents.guild_messages = True
    return intents


class PodiumBot(commands.Bot):
    """Podium's Discord client. Services are built before it and handed in."""

    def __init__(
        self,
        *,
        services: Services,
        competition: CompetitionConfig,
        catalogs: Catalogs,
        guild_id: int,
        role: Role = ALL,
    ) -> None:
        """``role``: what this process runs (``bot.roles``); a worker logs in to Discord's
        REST API only (``login``, never ``connect``)."""
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=podium_intents(),
            tree_cls=PodiumTree,
            allowed_mentions=discord.AllowedMentions.none(),
            # Members arrive through events and on demand; fetching every member of a
            # server with thousands of participants at start would slow start-up for nothing.
            chunk_guilds_at_startup=False,
            guild_ready_timeout=GUILD_READY_TIMEOUT,
            # Members are cached (the start-up cohort repair reads the whole list, and
            # on_member_update fires only for cached members): about 1 KB each in
            # discord.py. Measured by bench/scale_web.py: 232 MB RSS with 100,000 members
            # and 10,000 teams (114 MB with an empty guild; a bare discord.py client
            # holding the same members, 142 MB).
            member_cache_flags=discord.MemberCacheFlags.from_intents(podium_intents()),
            # No message cache: nothing reads it (no on_message_edit/delete listeners), and
            # with guild messages counted it would keep 1,000 Message objects and scan them
            # on every MESSAGE_UPDATE (each gallery count edit is one).
            max_messages=None,
        )
        self.services = services
        self.competition = competition
        self.catalogs = catalogs
        self.guild_id = guild_id
        self.role = role
        self.started_at = time.monotonic()
        self.synced_commands = 0
        self.command_ids: dict[str, int] = {}
        self._background: set[asyncio.Task[Any]] = set()
        self.ready_seconds: float | None = None
        #: called with every interaction as it arrives, synchronously (see ``dispatch``)
        self.interaction_observers: list[Callable[[discord.Interaction[Any]], None]] = []
        #: The one Discord publisher: posts what the scheduled jobs return (feature cogs
        #: register their renderers with it).
        self.publisher = DiscordPublisher(self)
        services.scheduler.set_publisher(self.publisher)

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        """discord.py's event dispatch; interactions also go to ``interaction_observers``
        first. A listener would cost a task per interaction, a tenth of the event loop's
        time per button press in bench/votes.py; an observer is a plain call, so it must be
        quick and never block. One that raises is logged and the event still dispatched."""
        if event_name == "interaction":
            for observe in self.interaction_observers:
                try:
                    observe(args[0])
                except Exception:
                    log.exception("interaction observer failed observer=%r", observe)
        elif event_name in ("guild_available", "guild_join") and args[0].id == self.guild_id:
            self._end_ready_wait()
        elif event_name == "ready":
            self._connection.guild_ready_timeout = GUILD_READY_TIMEOUT
        super().dispatch(event_name, *args, **kwargs)

    def _end_ready_wait(self) -> None:
        """Our server arrived: be ready now. After READY, discord.py waits until no server
        has arrived for ``guild_ready_timeout`` (2 s) before it dispatches ``ready``, for
        bots in many servers; Podium serves one, so the wait ends with it (the event is
        dispatched inside that wait's loop, before its next wait; ``ready`` puts the
        timeout back for a later new session). Any other server still arriving is cached
        as usual."""
        if getattr(self._connection, "_ready_state", None) is not None:
            self._connection.guild_ready_timeout = 0.0

    @property
    def tree(self) -> PodiumTree:
        """The command tree, typed as Podium's."""
        tree = super().tree
        if not isinstance(tree, PodiumTree):  # pragma: no cover - set in __init__
            raise TypeError("PodiumBot needs PodiumTree")
        return tree

    async def setup_hook(self) -> None:
        """Load cogs (their job handlers and renderers); with the gateway, localize and
        sync the commands to the guild; where jobs fire, start the scheduler."""
        await self.tree.set_translator(PodiumTranslator(self.catalogs))
        for extension in COGS:
            await self.load_extension(extension)
        if self.role.gateway:
            guild = discord.Object(id=self.guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            self.synced_commands = len(synced)
            self.command_ids = {command.name: command.id for command in synced}
            log.info("commands synced guild=%s count=%d", self.guild_id, len(synced))
        else:
            await self._load_guild()
        register_core_jobs(self)
        if self.role.jobs:
            await self.services.scheduler.start()
            await ensure_core_jobs(self)

    async def _load_guild(self) -> None:
        """Without the gateway (a worker): fetch the guild over REST (its roles, no
        members, no channels: those are fetched when needed) into the cache, so the code
        that looks it up with ``get_guild`` finds it."""
        try:
            guild = await self.fetch_guild(self.guild_id, with_counts=False)
        except discord.HTTPException as exc:
            log.error("guild not fetched guild=%s status=%s", self.guild_id, exc.status)
            return
        self._connection._add_guild(guild)

    async def wait_until_ready(self) -> None:
        """Without the gateway, ready once logged in (``login`` ran ``setup_hook``)."""
        if self.role.gateway:
            await super().wait_until_ready()

    @property
    def background_tasks(self) -> frozenset[asyncio.Task[Any]]:
        """The tasks ``spawn`` started that have not finished."""
        return frozenset(self._background)

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any]:
        """Run ``coro`` in the background, keeping a reference and logging its failure."""
        task = asyncio.create_task(coro, name=name)
        self._background.add(task)

        def done(finished: asyncio.Task[Any]) -> None:
            self._background.discard(finished)
            if not finished.cancelled() and finished.exception() is not None:
                log.error("background task failed name=%s", name, exc_info=finished.exception())

        task.add_done_callback(done)
        return task

    def command_mention(
        self, command: app_commands.Command[Any, ..., Any] | app_commands.Group
    ) -> str:
        """A clickable mention of the command (``</admin setup:id>``), or ``/name`` before sync."""
        root = command.root_parent or command
        command_id = self.command_ids.get(root.name)
        if command_id is None:
            return f"/{command.qualified_name}"
        return f"</{command.qualified_name}:{command_id}>"

    async def on_ready(self) -> None:
        """Report start-up time and any configured role or channel the server lacks."""
        if self.ready_seconds is None:
            self.ready_seconds = time.monotonic() - self.started_at
            settle_heap()
        log.info("ready user=%s seconds=%.2f", self.user, self.ready_seconds)
        guild = self.get_guild(self.guild_id)
        if guild is None:
            log.error(
                "the bot is not in DISCORD_GUILD_ID=%s: invite it with the link in the README",
                self.guild_id,
            )
            return
        missing = self.services.setup.missing(
            existing_resources(guild), await self.services.setup.resource_ids()
        )
        if missing:
            log.warning(
                "server lacks configured resources, run /admin setup: %s",
                ", ".join(f"{r.kind} '{r.name}'" for r in missing),
            )

    async def close(self) -> None:
        """Stop the scheduler before the connection goes."""
        await self.services.scheduler.shutdown()
        for task in self._background:
            task.cancel()
        await super().close()
