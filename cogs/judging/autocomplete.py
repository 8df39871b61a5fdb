"""Autocomplete of `/judging` options: contests, rounds, judges, assignments and the
comma-separated list of a judge's conflicting teams."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.i18n import N_
from bot.interactions import interaction_locale
from bot.services.judging import UnknownJudge
from cogs._ui import is_organizer, tr

if TYPE_CHECKING:
    from bot.app import PodiumBot

STATUSES = {
    "draft": N_("draft"),
    "open": N_("open"),
    "closed": N_("closed"),
    "published": N_("published"),
}
CHOICE_LIMIT = 100  # characters of a choice's name and value (Discord's limit)
CHOICES = 25


def _fits(text: str) -> str:
    return text if len(text) <= CHOICE_LIMIT else text[: CHOICE_LIMIT - 1] + "…"


async def contests(
    interaction: discord.Interaction[PodiumBot], current: str
) -> list[app_commands.Choice[str]]:
    """Contests by name, newest first."""
    if not await is_organizer(interaction):
        return []
    found = await interaction.client.services.contests.search(current)
    return [app_commands.Choice(name=_fits(f"#{c.id} {c.name}"), value=str(c.id)) for c in found][
        :CHOICES
    ]


async def rounds(
    interaction: discord.Interaction[PodiumBot], current: str
) -> list[app_commands.Choice[int]]:
    """Rounds by id or name, with their status."""
    if not await is_organizer(interaction):
        return []
    wanted = current.casefold().lstrip("#")
    found = await interaction.client.services.judging.rounds()
    locale = interaction_locale(interaction)
    status = {key: tr(interaction.client, locale, label) for key, label in STATUSES.items()}
    return [
        app_commands.Choice(name=_fits(f"#{r.id} {r.name} ({status[r.status]})"), value=r.id)
        for r in reversed(found)
        if wanted in f"{r.id} {r.name}".casefold()
    ][:CHOICES]


async def judges(
    interaction: discord.Interaction[PodiumBot], current: str
) -> list[app_commands.Choice[int]]:
    """Active judges by id or name."""
    if not await is_organizer(interaction):
        return []
    wanted = current.casefold().lstrip("#")
    found = await interaction.client.services.judging.judges()
    return [
        app_commands.Choice(name=_fits(f"#{j.id} {j.name}"), value=j.id)
        for j in found
        if j.active and wanted in f"{j.id} {j.name}".casefold()
    ][:CHOICES]


async def assignments(
    interaction: discord.Interaction[PodiumBot], current: str
) -> list[app_commands.Choice[int]]:
    """The entries of the judge chosen in ``from_judge`` that are still in an open round."""
    if not await is_organizer(interaction):
        return []
    judge = getattr(interaction.namespace, "from_judge", None)
    if not isinstance(judge, int):
        return []
    wanted = current.casefold().lstrip("#")
    try:
        tasks = await interaction.client.services.judging.queue(judge)
    except UnknownJudge:
        return []
    return [
        app_commands.Choice(
            name=_fits(
                f"#{t.entry.entry_id} {t.entry.title} · {t.entry.team_name} ({t.assignment.status})"
            ),
            value=t.assignment.id,
        )
        for t in tasks
        if wanted in f"{t.entry.entry_id} {t.entry.title} {t.entry.team_name}".casefold()
    ][:CHOICES]


async def teams(
    interaction: discord.Interaction[PodiumBot], current: str
) -> list[app_commands.Choice[str]]:
    """Team ids separated by commas, completed at the last item by team name."""
    if not await is_organizer(interaction):
        return []
    done, _, typing = current.rpartition(",")
    chosen = [p.strip() for p in done.split(",") if p.strip()]
    prefix = ",".join(chosen) + "," if chosen else ""
    found = await interaction.client.services.teams.search(typing.strip())
    choices = []
    for team in found:
        value = prefix + str(team.team_id)
        if str(team.team_id) in chosen or len(value) > CHOICE_LIMIT:
            continue
        choices.append(app_commands.Choice(name=_fits(f"{prefix}{team.name}"), value=value))
    return choices[:CHOICES]
