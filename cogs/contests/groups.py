"""The ``/contest`` command group, shared by the contest cog and its moderation commands."""

from __future__ import annotations

from discord import app_commands

from cogs._ui import ORGANIZER_ONLY

#: ``/contest …`` (organizers): its subcommands live in ``cog.py`` and ``moderation.py``.
contest = app_commands.Group(
    name="contest", description="UGC contests", guild_only=True, extras=ORGANIZER_ONLY
)
