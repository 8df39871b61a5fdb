"""`/contest entry-hide`, `entry-disqualify`, `entry-restore` and `reports` (organizers): the
moderation commands of the contest cog (a mixin of ``ContestCog``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.i18n import N_
from bot.interactions import interaction_locale, send_ephemeral
from bot.services.contests import DISQUALIFIED, HIDDEN, ModerationOutcome
from cogs._ui import esc, organizer_only, tr
from cogs.contests.groups import contest
from cogs.contests.notices import apply_moderation
from cogs.contests.queue import DISQUALIFIED_DONE, HID, queue_embed, queue_view

if TYPE_CHECKING:
    from bot.app import PodiumBot

RESTORED_TEXT = N_("Entry #{id} **{title}** is restored: back in the gallery, its votes count.")
STATE_HIDDEN = N_("hidden")
STATE_DISQUALIFIED = N_("disqualified")

_STATES = {HIDDEN: STATE_HIDDEN, DISQUALIFIED: STATE_DISQUALIFIED}


class ModerationCommands(commands.Cog):
    """The moderation subcommands of ``/contest`` (the base of ``ContestCog``, which loads
    them: the ``/contest`` group binds its subcommands to the cog instance)."""

    bot: PodiumBot

    async def _any_entries(
        self, interaction: discord.Interaction[PodiumBot], current: str
    ) -> list[app_commands.Choice[int]]:
        found = await self.bot.services.contests.find_entries(current)
        locale = interaction_locale(interaction)
        choices = []
        for e in found:
            state = f" [{tr(self.bot, locale, _STATES[e.state])}]" if e.state in _STATES else ""
            name = f"#{e.submission_id} {e.title} — {e.team_name} ({e.contest_name}){state}"
            choices.append(app_commands.Choice(name=name[:100], value=e.submission_id))
        return choices[:25]

    async def _report_contests(
        self, interaction: discord.Interaction[PodiumBot], current: str
    ) -> list[app_commands.Choice[str]]:
        found = await self.bot.services.contests.search(current)
        return [app_commands.Choice(name=f"#{c.id} {c.name}"[:100], value=str(c.id)) for c in found]

    async def _done(
        self, interaction: discord.Interaction[PodiumBot], message: str, outcome: ModerationOutcome
    ) -> None:
        text = tr(
            self.bot,
            interaction_locale(interaction),
            message,
            id=outcome.entry.id,
            title=esc(outcome.entry.title),
        )
        await send_ephemeral(interaction, text)
        await apply_moderation(self.bot, outcome)

    @contest.command(name="entry-hide", description="Hide an entry: out of the gallery and votes")
    @app_commands.describe(entry="#id, title or team", reason="why (the team is told)")
    @app_commands.autocomplete(entry=_any_entries)
    @organizer_only
    async def entry_hide(
        self,
        interaction: discord.Interaction[PodiumBot],
        entry: int,
        reason: app_commands.Range[str, 1, 200],
    ) -> None:
        outcome = await self.bot.services.contests.hide(
            actor_id=interaction.user.id, submission_id=entry, reason=reason
        )
        await self._done(interaction, HID, outcome)

    @contest.command(name="entry-disqualify", description="Disqualify an entry; its votes stop")
    @app_commands.describe(entry="#id, title or team", reason="why (the team is told)")
    @app_commands.autocomplete(entry=_any_entries)
    @organizer_only
    async def entry_disqualify(
        self,
        interaction: discord.Interaction[PodiumBot],
        entry: int,
        reason: app_commands.Range[str, 1, 200],
    ) -> None:
        outcome = await self.bot.services.contests.disqualify(
            actor_id=interaction.user.id, submission_id=entry, reason=reason
        )
        await self._done(interaction, DISQUALIFIED_DONE, outcome)

    @contest.command(name="entry-restore", description="Undo a hide or disqualification")
    @app_commands.describe(entry="#id, title or team", reason="optional note to the team")
    @app_commands.autocomplete(entry=_any_entries)
    @organizer_only
    async def entry_restore(
        self,
        interaction: discord.Interaction[PodiumBot],
        entry: int,
        reason: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        outcome = await self.bot.services.contests.restore(
            actor_id=interaction.user.id, submission_id=entry, reason=reason
        )
        await self._done(interaction, RESTORED_TEXT, outcome)

    @contest.command(name="reports", description="Reported entries, to hide, disqualify or dismiss")
    @app_commands.describe(contest="only this contest (default: all of the season's)")
    @app_commands.autocomplete(contest=_report_contests)
    @organizer_only
    async def reports(
        self, interaction: discord.Interaction[PodiumBot], contest: str | None = None
    ) -> None:
        found = await self.bot.services.contests.report_queue(contest)
        locale = interaction_locale(interaction)
        view = queue_view(self.bot, locale, found)
        await send_ephemeral(
            interaction,
            embed=queue_embed(self.bot, locale, found),
            view=view or discord.utils.MISSING,
        )
