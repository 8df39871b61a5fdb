"""`/results flagged`, `/results flags-bulk` and `/results scan` (organizers): the fraud
checks' queue, bulk decisions by rule or team, and a scan on demand (a mixin of
``ResultsCog``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.i18n import N_
from bot.interactions import interaction_locale, send_ephemeral
from bot.services.fraud import CLEARED, CONFIRMED, RULES
from bot.services.fraud.texts import RULE_NAMES
from cogs._ui import organizer_only, tr
from cogs.results.flag_views import queue_embed, queue_view
from cogs.results.groups import results

if TYPE_CHECKING:
    from bot.app import PodiumBot

SCANNED = N_(
    "Scan done: {new} new flags, {reopened} reopened by new evidence, {withdrawn} withdrawn. "
    "{open} flags are open; see /results flagged."
)
BULK_DONE = N_("{count} open flags {decision}.")
DECISION_CLEARED = N_("cleared: their orders count again")
DECISION_CONFIRMED = N_("confirmed: their orders are left out for good")
TEAM_CHOICE = N_("{team} ({count} open)")

#: Rule choices (the names are extracted and translated with the command).
RULE_CHOICES = [app_commands.Choice(name=RULE_NAMES[rule], value=rule) for rule in RULES]
DECISION_CHOICES = [
    app_commands.Choice(name="Clear (counts again)", value=CLEARED),
    app_commands.Choice(name="Confirm (fake: left out)", value=CONFIRMED),
]


class FraudCommands(commands.Cog):
    """The fraud-check subcommands of ``/results`` (a base of ``ResultsCog``)."""

    bot: PodiumBot

    async def _flagged_teams(
        self, interaction: discord.Interaction[PodiumBot], current: str
    ) -> list[app_commands.Choice[str]]:
        found = await self.bot.services.fraud.flagged_teams(current)
        locale = interaction_locale(interaction)
        return [
            app_commands.Choice(
                name=tr(self.bot, locale, TEAM_CHOICE, team=name, count=count)[:100],
                value=str(team_id),
            )
            for team_id, name, count in found
        ][:25]

    @results.command(name="flagged", description="Open fraud flags, to clear or confirm")
    @app_commands.describe(
        rule="only this rule", team="only this team", page="page of the list (default 1)"
    )
    @app_commands.choices(rule=RULE_CHOICES)
    @app_commands.autocomplete(team=_flagged_teams)
    @organizer_only
    async def flagged(
        self,
        interaction: discord.Interaction[PodiumBot],
        rule: app_commands.Choice[str] | None = None,
        team: str | None = None,
        page: app_commands.Range[int, 1, 100_000] = 1,
    ) -> None:
        found = await self.bot.services.fraud.flagged(
            page=page, rule=rule.value if rule else None, team_id=_team_id(team)
        )
        locale = interaction_locale(interaction)
        view = queue_view(self.bot, locale, found)
        await send_ephemeral(
            interaction,
            embed=queue_embed(self.bot, locale, found),
            view=view or discord.utils.MISSING,
        )

    @results.command(
        name="flags-bulk", description="Clear or confirm every open flag of a rule or team"
    )
    @app_commands.describe(
        decision="clear or confirm", rule="this rule's flags", team="this team's flags"
    )
    @app_commands.choices(decision=DECISION_CHOICES, rule=RULE_CHOICES)
    @app_commands.autocomplete(team=_flagged_teams)
    @organizer_only
    async def flags_bulk(
        self,
        interaction: discord.Interaction[PodiumBot],
        decision: app_commands.Choice[str],
        rule: app_commands.Choice[str] | None = None,
        team: str | None = None,
    ) -> None:
        done = await self.bot.services.fraud.decide_open(
            actor_id=interaction.user.id,
            decision=decision.value,
            rule=rule.value if rule else None,
            team_id=_team_id(team),
        )
        locale = interaction_locale(interaction)
        what = DECISION_CLEARED if done.decision == CLEARED else DECISION_CONFIRMED
        text = tr(
            self.bot, locale, BULK_DONE, count=done.count, decision=tr(self.bot, locale, what)
        )
        await send_ephemeral(interaction, text)

    @results.command(name="scan", description="Run the fraud checks over every team now")
    @organizer_only
    async def scan(self, interaction: discord.Interaction[PodiumBot]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        done = await self.bot.services.fraud.scan_now(actor_id=interaction.user.id)
        text = tr(
            self.bot,
            interaction_locale(interaction),
            SCANNED,
            new=done.new,
            reopened=done.reopened,
            withdrawn=done.withdrawn,
            open=done.open_total,
        )
        await send_ephemeral(interaction, text)


def _team_id(team: str | None) -> int | None:
    """The team id an autocomplete choice carries (typed text that is no id: no team)."""
    if team is None or not team.strip():
        return None
    text = team.strip().removeprefix("#")
    return int(text) if text.isdigit() else -1
