"""Autocomplete of `/qa` and `/ask` options, and marking an answered question's message."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.services.qa import Question
from cogs._ui import is_organizer, text_channel
from cogs.qa.views import question_content, question_view

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

CHOICE_LIMIT = 100  # characters of an autocomplete choice's name and value (Discord's limit)


async def sessions(
    interaction: discord.Interaction[PodiumBot], current: str
) -> list[app_commands.Choice[int]]:
    """Sessions that have not ended, by id or title, with their local start."""
    bot = interaction.client
    tz = bot.competition.tz
    return [
        app_commands.Choice(
            name=f"#{s.id} {s.title} · {s.starts_at.astimezone(tz):%Y-%m-%d %H:%M}"[:100],
            value=s.id,
        )
        for s in await bot.services.qa.search(current)
    ]


async def audiences(
    interaction: discord.Interaction[PodiumBot], current: str
) -> list[app_commands.Choice[str]]:
    """``all``, or a comma-separated cohort list completed at its last item."""
    done, _, typing = current.lower().rpartition(",")
    chosen = [p.strip() for p in done.split(",") if p.strip()]
    prefix = ",".join(chosen) + "," if chosen else ""
    keys = [k for k in interaction.client.competition.cohort_keys if k not in chosen]
    values = [] if chosen else ["all"]
    values += [prefix + k for k in keys if k.startswith(typing.strip())]
    # Discord refuses the whole answer when one choice passes 100 characters; a list too
    # long to complete is left for the member to type out.
    fitting = [value for value in values if len(value) <= CHOICE_LIMIT]
    return [app_commands.Choice(name=value, value=value) for value in fitting][:25]


async def questions(
    interaction: discord.Interaction[PodiumBot], current: str
) -> list[app_commands.Choice[int]]:
    """Open questions of the sessions the invoker hosts (every session for organizers)."""
    found = await interaction.client.services.qa.answerable(
        actor_id=interaction.user.id,
        is_organizer=await is_organizer(interaction),
        text=current,
    )
    return [
        app_commands.Choice(name=f"#{q.id} ▲{q.votes} {q.text}"[:100], value=q.id) for q in found
    ]


async def show_answered(bot: PodiumBot, question: Question) -> None:
    """Mark the question's public message answered and remove its Upvote button."""
    channel = text_channel(bot, question.channel_id)
    if question.message_id is None or channel is None:
        return
    session = await bot.services.qa.get(question.session_id)
    locale = bot.competition.competition.default_locale
    try:
        await channel.get_partial_message(question.message_id).edit(
            content=question_content(bot.catalogs, locale, session, question),
            view=question_view(bot.catalogs, locale, question),
            allowed_mentions=discord.AllowedMentions.none(),
        )
    except discord.HTTPException as exc:
        log.info("answered question message not updated id=%s status=%s", question.id, exc.status)
