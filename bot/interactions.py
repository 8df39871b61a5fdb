"""Replying to interactions: locale, ephemeral replies and the one error handler.

Every reply that goes to the person who acted is ephemeral and in their Discord locale.
Errors from anywhere in a command or a component end up in ``reply_error``: a
``PodiumError`` becomes its localized message; a failed check says what is needed;
anything else is logged with a short id the user can quote, and the user gets a generic
apology with that id, never a traceback.
"""

from __future__ import annotations

import logging
import re
import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.errors import MissingBotPermissions, NotOrganizer, PodiumError
from bot.i18n import N_, Catalogs

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

UNEXPECTED = N_(
    "Something went wrong on our side. Nothing was changed. If it keeps happening, tell an "
    "organizer and quote error {error_id}."
)
NO_PERMISSION = N_("You don't have permission to use this command.")
COOLDOWN = N_("Slow down a little: try again in {seconds} seconds.")
BOT_MISSING_PERMISSIONS = MissingBotPermissions.message


#: The name of a field that continues the list of the field before it.
CONTINUED = N_("{section} (continued)")


def pack_lines(lines: list[str], limit: int) -> list[str]:
    """``lines`` joined with newlines into as few chunks of at most ``limit`` characters as
    fit, in order, never splitting a line between chunks (only a single line longer than
    ``limit`` on its own is cut, which no list we show has)."""
    chunks: list[str] = []
    current = ""
    for raw in lines:
        line = raw[:limit]
        if current and len(current) + 1 + len(line) > limit:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        chunks.append(current)
    return chunks


def fit_name(
    render: Callable[[str], str], name: str, escape: Callable[[str], str], limit: int
) -> str:
    """``render(escape(name))`` within ``limit`` characters. When it is too long the name is
    shortened (ending in "…") before it is escaped, so an escape is never cut in half and
    the text around the name is kept whole."""
    keep = len(name)
    while True:
        shown = name if keep == len(name) else name[:keep].rstrip() + "…"
        text = render(escape(shown))
        if len(text) <= limit or keep == 0:
            return text[:limit]
        # Escaping at most doubles a character, so this never shortens more than needed
        # by more than half the excess.
        keep = max(0, keep - max(1, (len(text) - limit) // 2))


class DomainCheckFailure(app_commands.CheckFailure):
    """A command check refused with a domain error (checks must raise CheckFailure)."""

    def __init__(self, error: PodiumError) -> None:
        super().__init__(str(error))
        self.error = error


def interaction_locale(interaction: discord.Interaction[Any]) -> str:
    """The locale to answer ``interaction`` in (the user's Discord language)."""
    return str(interaction.locale)


async def send_ephemeral(
    interaction: discord.Interaction[Any], content: str | None = None, **kwargs: Any
) -> None:
    """Answer privately: a response if none was sent yet, else a followup. Never pings."""
    kwargs.setdefault("allowed_mentions", discord.AllowedMentions.none())
    if interaction.response.is_done():
        await interaction.followup.send(content or discord.utils.MISSING, ephemeral=True, **kwargs)
    else:
        await interaction.response.send_message(content, ephemeral=True, **kwargs)


def error_message(
    catalogs: Catalogs, locale: str, error: Exception, *, organizer_role: str
) -> tuple[str, str | None]:
    """The localized text for ``error``, and an error id when it was unexpected (log it)."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, DomainCheckFailure):
        error = error.error
    if isinstance(error, NotOrganizer):
        return catalogs.gettext(locale, error.message, role=organizer_role, **error.params), None
    if isinstance(error, PodiumError):
        return catalogs.gettext(locale, error.message, **error.params), None
    if isinstance(error, app_commands.CommandOnCooldown):
        return catalogs.gettext(locale, COOLDOWN, seconds=round(error.retry_after)), None
    if isinstance(error, app_commands.BotMissingPermissions):
        perms = ", ".join(error.missing_permissions)
        return catalogs.gettext(locale, BOT_MISSING_PERMISSIONS, permissions=perms), None
    if isinstance(error, discord.Forbidden):
        perms = "Manage Roles / Manage Channels"
        return catalogs.gettext(locale, BOT_MISSING_PERMISSIONS, permissions=perms), None
    if isinstance(error, app_commands.CheckFailure):
        return catalogs.gettext(locale, NO_PERMISSION), None
    error_id = secrets.token_hex(4)
    return catalogs.gettext(locale, UNEXPECTED, error_id=error_id), error_id


async def reply_error(
    bot: PodiumBot, interaction: discord.Interaction[Any], error: Exception
) -> None:
    """Tell the user what went wrong, privately and in their language; log the unexpected."""
    text, error_id = error_message(
        bot.catalogs,
        interaction_locale(interaction),
        error,
        organizer_role=bot.competition.roles.organizer,
    )
    command = interaction.command.qualified_name if interaction.command else None
    if error_id is None:
        log.info(
            "interaction refused user=%s command=%s error=%s", interaction.user.id, command, error
        )
    else:
        original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        log.error(
            "interaction failed error_id=%s user=%s command=%s custom_id=%s",
            error_id,
            interaction.user.id,
            command,
            interaction.data.get("custom_id") if interaction.data else None,
            exc_info=original,
        )
    try:
        await send_ephemeral(interaction, text)
    except discord.HTTPException:
        log.warning("could not deliver the error reply interaction=%s", interaction.id)


class PodiumTree(app_commands.CommandTree["PodiumBot"]):
    """The command tree: records who acted, and routes every error to ``reply_error``."""

    async def interaction_check(self, interaction: discord.Interaction[PodiumBot]) -> bool:
        """Record the member (name, locale, join time) before the command runs."""
        user = interaction.user
        await self.client.services.members.seen(
            user_id=user.id,
            display_name=user.display_name,
            locale=str(interaction.locale),
            account_created_at=user.created_at,
            joined_guild_at=getattr(user, "joined_at", None),
        )
        return True

    async def on_error(
        self, interaction: discord.Interaction[PodiumBot], error: app_commands.AppCommandError
    ) -> None:
        """Turn any command error into a localized ephemeral reply (see module docstring)."""
        await reply_error(self.client, interaction, error)


class PodiumView(discord.ui.View):
    """Base for the bot's views, so component errors get the same handling as commands."""

    def __init__(self, bot: PodiumBot, *, timeout: float | None = 180) -> None:
        super().__init__(timeout=timeout)
        self.bot = bot

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        """Reply privately and in the user's language instead of failing silently."""
        await reply_error(self.bot, interaction, error)


class PersistentButton(discord.ui.DynamicItem[discord.ui.Button[Any]], ABC, template=r"(?!)"):
    """Base of Podium's buttons that keep working after a restart.

    The custom id carries everything a press needs (``template`` names its parts); a
    subclass says how to rebuild itself from them (``from_match``) and what a press does
    (``pressed``). Any error a press raises becomes the localized ephemeral reply of
    ``reply_error``, so a button never fails silently or shows a traceback. Register each
    subclass with ``bot.add_dynamic_items`` in its cog's ``cog_load``.
    """

    def __init_subclass__(cls, *, template: str) -> None:
        super().__init_subclass__(template=template)

    def __init__(
        self,
        *,
        custom_id: str,
        label: str,
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        emoji: str | None = None,
        row: int | None = None,
    ) -> None:
        super().__init__(
            discord.ui.Button(label=label, style=style, emoji=emoji, custom_id=custom_id),
            row=row,
        )

    @classmethod
    @abstractmethod
    def from_match(cls, match: re.Match[str]) -> PersistentButton:
        """The button for the parts of a pressed custom id."""

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> PersistentButton:
        """Rebuild the button from its custom id (also after a restart)."""
        return cls.from_match(match)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Run the press; every failure gets the localized reply."""
        bot: PodiumBot = interaction.client
        try:
            await self.pressed(bot, interaction)
        except Exception as exc:
            await reply_error(bot, interaction, exc)

    @abstractmethod
    async def pressed(self, bot: PodiumBot, interaction: discord.Interaction[Any]) -> None:
        """What a press does."""
