"""Invites on Discord: the DM with Accept / Decline (buttons that survive restarts), the
captain's notice of the answer, and sending an invite from a browse page."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord

from bot.calendar import discord_timestamp
from bot.i18n import N_
from bot.interactions import PersistentButton, interaction_locale, send_ephemeral
from bot.services.lfg import Card, Invite
from bot.services.publications import Publication
from cogs._publisher import POSTED, RECOVERED, Rendered, Renderer
from cogs._ui import esc, say
from cogs.cohorts.roles import apply_assignment
from cogs.teams.views import sync_channel_member

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

INVITE_KIND = "lfg.invite"
ANSWER_KIND = "lfg.answer"

INVITE_DM = N_(
    "{captain} invites you to join the team **{team}** ({track} track), found through the "
    "team finder. The invite expires {expires}."
)
ACCEPT = N_("Accept")
DECLINE = N_("Decline")
INVITE_SENT = N_("Invite sent to {member}; it expires {expires}.")
INVITE_NOT_DELIVERED = N_(
    "The invite to {member} is saved, but I could not send them a DM (their DMs may be "
    "closed). They can answer it with /lfg invites."
)
ACCEPTED = N_(
    "Welcome to **{team}**! You are member {count} of at most {max}. Your team-finder card "
    "is taken down."
)
DECLINED = N_("You declined the invite to **{team}**.")
ANSWER_ACCEPTED = N_("{member} accepted your invite and joined **{team}**.")
ANSWER_DECLINED = N_("{member} declined your invite to **{team}**.")
NO_INVITES = N_("You have no invites waiting for an answer.")
INVITES_HEADER = N_("Invites waiting for your answer:")
MORE_INVITES = N_("…and {count} more: answer these first.")

#: Invites /lfg invites shows at once (one row of Accept / Decline each).
SHOWN_INVITES = 5


@dataclass(frozen=True, slots=True)
class InviteNotice:
    """What an invite DM or an answer notice shows, in its reader's language."""

    invite: Invite
    locale: str
    accepted: bool = False


def invite_text(bot: PodiumBot, locale: str, invite: Invite) -> str:
    """The invite's sentence in ``locale`` (the team name escaped)."""
    return bot.catalogs.gettext(
        locale,
        INVITE_DM,
        captain=f"<@{invite.captain_id}>",
        team=esc(invite.team_name),
        track=esc(bot.competition.track(invite.track).name.get(locale)),
        expires=discord_timestamp(invite.expires_at, "R"),
    )


def answer_buttons(bot: PodiumBot, locale: str, invites: list[Invite]) -> discord.ui.View:
    """Accept / Decline for each invite, one row each (at most 5)."""
    view = discord.ui.View(timeout=None)
    for row, invite in enumerate(invites[:SHOWN_INVITES]):
        for action in ("accept", "decline"):
            label = bot.catalogs.gettext(locale, ACCEPT if action == "accept" else DECLINE)
            view.add_item(AnswerButton(action, invite.id, label=label, row=row))
    return view


class InviteRenderer(Renderer):
    """The invite's DM to the invited member, with Accept / Decline."""

    def __init__(self, bot: PodiumBot) -> None:
        super().__init__()
        self.bot = bot

    async def render(
        self, publication: Publication, channel: discord.abc.Messageable
    ) -> Rendered | None:
        """The invite in the member's language, pinging no one."""
        notice: InviteNotice = publication.data
        return Rendered(
            content=invite_text(self.bot, notice.locale, notice.invite),
            kwargs={
                "allowed_mentions": discord.AllowedMentions.none(),
                "view": answer_buttons(self.bot, notice.locale, [notice.invite]),
            },
        )


class AnswerRenderer(Renderer):
    """The captain's DM saying how the member answered."""

    def __init__(self, bot: PodiumBot) -> None:
        super().__init__()
        self.bot = bot

    async def render(
        self, publication: Publication, channel: discord.abc.Messageable
    ) -> Rendered | None:
        """Accepted or declined, in the captain's language."""
        notice: InviteNotice = publication.data
        invite = notice.invite
        text = self.bot.catalogs.gettext(
            notice.locale,
            ANSWER_ACCEPTED if notice.accepted else ANSWER_DECLINED,
            member=f"<@{invite.user_id}>",
            team=esc(invite.team_name),
        )
        return Rendered(content=text, kwargs={"allowed_mentions": discord.AllowedMentions.none()})


async def _locale_of(bot: PodiumBot, user_id: int) -> str:
    member = await bot.services.members.get(user_id)
    return member.locale if member else bot.competition.competition.default_locale


async def send_invite(bot: PodiumBot, interaction: discord.Interaction[Any], card: Card) -> None:
    """The captain's Invite press: record the invite, DM it once, say how it went."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    invite = await bot.services.lfg.invite(captain_id=interaction.user.id, member_id=card.user_id)
    notice = InviteNotice(invite, await _locale_of(bot, invite.user_id))
    [outcome] = await bot.publisher.publish(
        [
            Publication(
                key=f"lfg:invite:{invite.id}",
                kind=INVITE_KIND,
                data=notice,
                user_id=invite.user_id,
            )
        ]
    )
    member = f"<@{invite.user_id}>"
    if outcome in (POSTED, RECOVERED):
        text = say(
            bot,
            interaction,
            INVITE_SENT,
            member=member,
            expires=discord_timestamp(invite.expires_at, "R"),
        )
    else:
        text = say(bot, interaction, INVITE_NOT_DELIVERED, member=member)
    await send_ephemeral(interaction, text)


async def _tell_captain(bot: PodiumBot, invite: Invite, *, accepted: bool) -> None:
    notice = InviteNotice(invite, await _locale_of(bot, invite.captain_id), accepted=accepted)
    await bot.publisher.publish(
        [
            Publication(
                key=f"lfg:invite:{invite.id}:answer",
                kind=ANSWER_KIND,
                data=notice,
                user_id=invite.captain_id,
            )
        ]
    )


class AnswerButton(
    PersistentButton, template=r"podium:lfg-invite:(?P<action>accept|decline):(?P<invite>\d+)"
):
    """Accept or Decline under an invite (in the member's DMs or /lfg invites)."""

    def __init__(
        self, action: str, invite_id: int, label: str = "", row: int | None = None
    ) -> None:
        super().__init__(
            custom_id=f"podium:lfg-invite:{action}:{invite_id}",
            label=label or action,
            style=discord.ButtonStyle.success
            if action == "accept"
            else discord.ButtonStyle.secondary,
            row=row,
        )
        self.action = action
        self.invite_id = invite_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> AnswerButton:
        """The button of the action and invite in the custom id."""
        return cls(match["action"], int(match["invite"]))

    async def pressed(self, bot: PodiumBot, interaction: discord.Interaction[Any]) -> None:
        """Join the team (channel view, cohort) or decline; the captain hears of it."""
        user_id = interaction.user.id
        if self.action == "decline":
            invite = await bot.services.lfg.decline(invite_id=self.invite_id, user_id=user_id)
            text = say(bot, interaction, DECLINED, team=esc(invite.team_name))
        else:
            invite, change = await bot.services.lfg.accept(
                invite_id=self.invite_id, user_id=user_id
            )
            text = say(
                bot,
                interaction,
                ACCEPTED,
                team=esc(change.team.name),
                count=len(change.remaining),
                max=bot.competition.teams.max_size,
            )
            await sync_channel_member(bot, change.team.channel_id, user_id, present=True)
            await _entry_cohort(bot, interaction.user)
        if interaction.guild is None:
            await interaction.response.edit_message(content=text, view=None)
        else:
            await send_ephemeral(interaction, text)
        await _tell_captain(bot, invite, accepted=self.action == "accept")


async def _entry_cohort(bot: PodiumBot, user: discord.abc.User) -> None:
    """A member without a cohort gets the one their team's points reach (as /team join)."""
    assignment = await bot.services.cohorts.ensure_cohort(
        user_id=user.id, display_name=user.display_name
    )
    guild = bot.get_guild(bot.guild_id)
    if assignment is not None and guild is not None:
        await apply_assignment(bot, guild, assignment)


async def show_invites(bot: PodiumBot, interaction: discord.Interaction[Any]) -> None:
    """/lfg invites: the member's waiting invites with Accept / Decline, privately."""
    invites = await bot.services.lfg.pending_invites(interaction.user.id)
    if not invites:
        await send_ephemeral(interaction, say(bot, interaction, NO_INVITES))
        return
    locale = interaction_locale(interaction)
    lines = [say(bot, interaction, INVITES_HEADER)]
    lines += [
        f"{n}. {invite_text(bot, locale, i)}" for n, i in enumerate(invites[:SHOWN_INVITES], 1)
    ]
    if len(invites) > SHOWN_INVITES:
        lines.append(say(bot, interaction, MORE_INVITES, count=len(invites) - SHOWN_INVITES))
    await send_ephemeral(
        interaction,
        "\n".join(lines)[:2000],
        view=answer_buttons(bot, locale, invites),
        allowed_mentions=discord.AllowedMentions.none(),
    )
