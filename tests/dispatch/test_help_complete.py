"""`/help` shows every command a member may use, whole, in both languages.

The expected lines are computed from the bot's own command tree (every leaf command, its
clickable mention and its localized description; organizer-only ones from the
``organizer`` extra, inherited by subcommands), so a command added later is checked too.
"""

from __future__ import annotations

from typing import Any

import discord
import pytest
from discord import app_commands

from cogs.help.cog import FOOTER
from tests.dispatch.conftest import ORGANIZER_ID, PARTICIPANT_ID, Harness
from tests.fakes.discord import InteractionResult, wait_for


def leaf_commands(
    command: app_commands.Command[Any, ..., Any] | app_commands.Group, organizer: bool = False
) -> list[tuple[app_commands.Command[Any, ..., Any], bool]]:
    organizer = organizer or bool(command.extras.get("organizer"))
    if isinstance(command, app_commands.Group):
        return [leaf for child in command.commands for leaf in leaf_commands(child, organizer)]
    return [(command, organizer)]


def expected_lines(harness: Harness, locale: str) -> tuple[set[str], set[str]]:
    """(participant lines, organizer-only lines) as /help must show them."""
    bot = harness.bot
    ids = {c["name"]: c["id"] for c in harness.fake.commands}
    participant: set[str] = set()
    organizer: set[str] = set()
    for top in bot.tree.get_commands(guild=discord.Object(bot.guild_id)):
        assert isinstance(top, app_commands.Command | app_commands.Group)
        for command, organizer_only in leaf_commands(top):
            description = bot.catalogs.gettext(locale, command.description)
            line = f"</{command.qualified_name}:{ids[top.name]}> — {description}"
            (organizer if organizer_only else participant).add(line)
    return participant, organizer


async def help_pages(harness: Harness, user_id: int, locale: str) -> list[dict[str, Any]]:
    """Every message /help sent: the response, then its followups, until the footer came."""
    result: InteractionResult = await harness.fake.invoke("help", user_id=user_id, locale=locale)
    footer = harness.bot.catalogs.gettext(locale, FOOTER)

    def messages() -> list[dict[str, Any]]:
        assert result.response is not None
        return [result.response["data"], *result.followups]

    def finished() -> bool:
        return any(
            (e.get("footer") or {}).get("text") == footer
            for m in messages()
            for e in m.get("embeds") or []
        )

    await wait_for(finished)
    assert result.ephemeral
    assert all(int(m.get("flags") or 0) & discord.MessageFlags.ephemeral.flag for m in messages())
    return messages()


def shown_lines(pages: list[dict[str, Any]]) -> list[str]:
    return [
        line
        for page in pages
        for embed in page.get("embeds") or []
        for item in embed.get("fields") or []
        for line in item["value"].split("\n")
    ]


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
async def test_help_shows_a_participant_every_participant_command_as_a_whole_line(
    harness: Harness, locale: str
):
    participant, organizer = expected_lines(harness, locale)
    shown = shown_lines(await help_pages(harness, PARTICIPANT_ID, locale))
    assert len(participant) > 20
    assert sorted(participant - set(shown)) == []
    assert not organizer & set(shown)
    assert len(shown) == len(participant)


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
async def test_help_shows_an_organizer_every_command_as_a_whole_line(harness: Harness, locale: str):
    participant, organizer = expected_lines(harness, locale)
    shown = shown_lines(await help_pages(harness, ORGANIZER_ID, locale))
    assert len(organizer) > 20
    assert sorted((participant | organizer) - set(shown)) == []
    assert len(shown) == len(participant | organizer)
