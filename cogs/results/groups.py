"""The ``/results`` command group, shared by the store-results command modules."""

from __future__ import annotations

from discord import app_commands

#: ``/results …``: imports, flags and the board are for organizers (checked per command);
#: ``/results show`` lets a team see its own numbers. Subcommands live in this package's
#: modules, each a ``commands.Cog`` mixin that ``cog.py``'s ``ResultsCog`` inherits.
results = app_commands.Group(name="results", description="Store results", guild_only=True)
