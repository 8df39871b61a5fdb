"""The toolkit every cog uses: translation, escaping, resource channels, organizer checks
and the Confirm / Cancel buttons of a decision that survives restarts."""

from __future__ import annotations

import re
from abc import abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar

import discord
from discord import app_commands

from bot.errors import GuildOnly, NotOrganizer
from bot.interactions import DomainCheckFailure, PersistentButton, interaction_locale

if TYPE_CHECKING:
    from bot.app import PodiumBot

#: Put in a command's ``extras`` so /help can hide it from participants.
ORGANIZER_ONLY = {"organizer": True}


# -- translation and escaping ------------------------------------------------------------
def tr(bot: PodiumBot, locale: str, message: str, **params: Any) -> str:
    """``message`` in ``locale`` with ``params``."""
    return bot.catalogs.gettext(locale, message, **params)


def say(bot: PodiumBot, interaction: discord.Interaction[Any], message: str, **params: Any) -> str:
    """``message`` in the invoker's language (the interaction's locale)."""
    return bot.catalogs.gettext(interaction_locale(interaction), message, **params)


def esc(text: str) -> str:
    """User text safe to show: no markdown, no mentions (allowed_mentions is none anyway)."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


# -- channels ----------------------------------------------------------------------------
def text_channel(bot: PodiumBot, channel_id: int | None) -> discord.TextChannel | None:
    """The text channel ``channel_id`` if the bot sees it, else None."""
    channel = bot.get_channel(channel_id) if channel_id else None
    return channel if isinstance(channel, discord.TextChannel) else None


async def resource_channel(bot: PodiumBot, key: str) -> discord.TextChannel | None:
    """The text channel `/admin setup` recorded under ``key`` (e.g. ``channel:gallery``)."""
    return text_channel(bot, (await bot.services.setup.resource_ids()).get(key))


# -- organizer checks --------------------------------------------------------------------
def manages_server(member: discord.Member) -> bool:
    """True with the Manage Server or Administrator permission (the server owner has both)."""
    permissions = member.guild_permissions
    return permissions.manage_guild or permissions.administrator


async def member_is_organizer(bot: PodiumBot, member: discord.Member) -> bool:
    """True with the organizer role `/admin setup` recorded (by id, never by name) or the
    Manage Server permission; before setup, only Manage Server (``GuildSetupService``)."""
    return await bot.services.setup.is_organizer(
        role_ids={role.id for role in member.roles}, manages_server=manages_server(member)
    )


async def is_organizer(interaction: discord.Interaction[Any]) -> bool:
    """True when the invoker has the organizer role or Manage Server."""
    user = interaction.user
    return isinstance(user, discord.Member) and await member_is_organizer(interaction.client, user)


async def require_organizer(interaction: discord.Interaction[Any]) -> None:
    """Raise NotOrganizer unless whoever pressed a button is an organizer."""
    if not await is_organizer(interaction):
        raise NotOrganizer()


async def ensure_organizer(interaction: discord.Interaction[Any]) -> bool:
    """App-command check: raise ``NotOrganizer`` unless the invoker is an organizer."""
    member = interaction.user
    if interaction.guild is None or not isinstance(member, discord.Member):
        raise DomainCheckFailure(GuildOnly())
    if not await member_is_organizer(interaction.client, member):
        raise DomainCheckFailure(NotOrganizer())
    return True


organizer_only = app_commands.check(ensure_organizer)


# -- Confirm / Cancel --------------------------------------------------------------------
class ConfirmCancelButton(PersistentButton, template=r"(?!)"):
    """The Confirm or Cancel button of a decision an organizer takes on a stored subject
    (an import preview, a season); it keeps working after a restart.

    Its custom id is ``podium:<prefix>:<confirm|cancel>:<subject>``. A subclass names its
    ``prefix`` (and the ``subject`` pattern) in the class statement, sets the Confirm
    button's ``confirm_style``, and says what each press does. Only organizers may press.
    """

    prefix: ClassVar[str]
    confirm_style: ClassVar[discord.ButtonStyle] = discord.ButtonStyle.success

    def __init_subclass__(cls, *, prefix: str, subject: str = r"\d+") -> None:
        super().__init_subclass__(
            template=rf"podium:{prefix}:(?P<action>confirm|cancel):(?P<subject>{subject})"
        )
        cls.prefix = prefix

    def __init__(self, action: str, subject: str, label: str = "") -> None:
        super().__init__(
            custom_id=f"podium:{self.prefix}:{action}:{subject}",
            label=label or action,
            style=self.confirm_style if action == "confirm" else discord.ButtonStyle.secondary,
        )
        self.action = action
        self.subject = subject

    @classmethod
    def from_match(cls, match: re.Match[str]) -> ConfirmCancelButton:
        """The button of the action and subject in the custom id."""
        return cls(match["action"], match["subject"])

    @classmethod
    def pair(cls, subject: str, *, confirm: str | None, cancel: str) -> discord.ui.View:
        """Confirm (labelled ``confirm``; left out when None) and Cancel buttons."""
        view = discord.ui.View(timeout=None)
        if confirm is not None:
            view.add_item(cls("confirm", subject, confirm))
        view.add_item(cls("cancel", subject, cancel))
        return view

    async def pressed(self, bot: PodiumBot, interaction: discord.Interaction[Any]) -> None:
        """Check the presser is an organizer, then confirm or cancel."""
        await require_organizer(interaction)
        if self.action == "confirm":
            await self.confirmed(bot, interaction)
        else:
            await self.cancelled(bot, interaction)

    @abstractmethod
    async def confirmed(self, bot: PodiumBot, interaction: discord.Interaction[Any]) -> None:
        """What Confirm does."""

    @abstractmethod
    async def cancelled(self, bot: PodiumBot, interaction: discord.Interaction[Any]) -> None:
        """What Cancel does."""
