"""The team finder's card form, card embeds and the browse pages with their buttons."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from bot.i18n import N_
from bot.interactions import PodiumView, interaction_locale, reply_error, send_ephemeral
from bot.services.lfg import PAGE_SIZE, Card, CardPage
from bot.services.lfg.cards import LANGUAGES_MAX, LOOKING_FOR_MAX, SKILLS_MAX, TIMEZONE_MAX
from cogs._ui import esc, say
from cogs.lfg.invites import send_invite

if TYPE_CHECKING:
    from bot.app import PodiumBot

MODAL_TITLE = N_("Your team-finder card")
SKILLS_LABEL = N_("Skills (separated by commas)")
SKILLS_HINT = N_("e.g. Python, UI design, pitching")
LANGUAGES_LABEL = N_("Languages (separated by commas)")
LANGUAGES_HINT = N_("e.g. English, 中文")
TIMEZONE_LABEL = N_("Timezone")
TIMEZONE_HINT = N_("e.g. Asia/Shanghai, Europe/Berlin or UTC+8")
LOOKING_FOR_LABEL = N_("What you look for")
LOOKING_FOR_HINT = N_("The team you want to join, and what you bring")
POSTED = N_(
    "Your card is in the team finder. Captains find it with /lfg browse; it goes away when "
    "you join a team."
)
UPDATED = N_("Your team-finder card is updated.")
REMOVED = N_("Your card is no longer in the team finder.")
TRACK = N_("Track")
SKILLS = N_("Skills")
LANGUAGES = N_("Languages")
TIMEZONE = N_("Timezone")
LOOKING_FOR = N_("Looking for")
PAGE_TITLE = N_("Team finder: {total} card(s), page {page} of {pages}")
NO_CARDS = N_("No card matches these filters. Try fewer filters, or look again later.")
FILTERS = N_("Filters: {filters}")
PREVIOUS = N_("Previous")
NEXT = N_("Next")
INVITE = N_("Invite {name}")
NOT_YOURS = N_("Only the member who ran /lfg browse can use these buttons.")

#: How long the browse buttons work (an ephemeral message's token lasts 15 minutes).
PAGER_TIMEOUT = 840.0
#: Longest member name on an Invite button (Discord allows 80 characters in a label).
NAME_ON_BUTTON = 40


def card_lines(bot: PodiumBot, locale: str, card: Card) -> str:
    """The card's texts for an embed field or description (escaped: never a ping)."""
    track = bot.competition.track(card.track).name.get(locale)

    def line(label: str, value: str) -> str:
        return f"**{bot.catalogs.gettext(locale, label)}:** {value}"

    return "\n".join(
        [
            f"<@{card.user_id}>",
            line(TRACK, esc(track)),
            line(SKILLS, esc(card.skills)),
            line(LANGUAGES, esc(card.languages)),
            line(TIMEZONE, esc(card.timezone)),
            line(LOOKING_FOR, esc(card.looking_for)),
        ]
    )


def card_embed(bot: PodiumBot, locale: str, card: Card) -> discord.Embed:
    """One card as an embed (the owner's preview)."""
    return discord.Embed(
        description=card_lines(bot, locale, card)[:4096], colour=discord.Colour.green()
    )


def _name(page: CardPage, index: int) -> str:
    """``<number>. <display name>`` of the page's ``index``-th card (numbered across pages,
    so two members of one name stay apart), shortened for a button label."""
    card = page.cards[index]
    name = card.display_name or str(card.user_id)
    name = name if len(name) <= NAME_ON_BUTTON else name[: NAME_ON_BUTTON - 1] + "…"
    return f"{page.page * PAGE_SIZE + index + 1}. {name}"


def page_embed(bot: PodiumBot, locale: str, page: CardPage) -> discord.Embed:
    """A page of cards: one field per card (at most 5 of about 700 characters)."""
    embed = discord.Embed(
        title=bot.catalogs.gettext(
            locale, PAGE_TITLE, total=page.total, page=page.page + 1, pages=page.pages
        ),
        colour=discord.Colour.green(),
    )
    for index, card in enumerate(page.cards):
        embed.add_field(
            name=discord.utils.escape_markdown(_name(page, index))[:256],
            value=card_lines(bot, locale, card)[:1024],
            inline=False,
        )
    if not page.cards:
        embed.description = bot.catalogs.gettext(locale, NO_CARDS)
    wanted = page.filters
    shown = [v for v in (wanted.track, wanted.skill, wanted.language, wanted.timezone) if v]
    if shown:
        text = bot.catalogs.gettext(locale, FILTERS, filters=" · ".join(shown))
        embed.set_footer(text=text[:500])
    return embed


class CardModal(discord.ui.Modal):
    """The card form: skills, languages, timezone, what the member looks for (prefilled
    with their current card)."""

    def __init__(self, bot: PodiumBot, locale: str, track: str, card: Card | None) -> None:
        def t(message: str) -> str:
            return bot.catalogs.gettext(locale, message)

        super().__init__(title=t(MODAL_TITLE)[:45], custom_id=f"podium:lfg-card:{track}"[:100])
        self.bot = bot
        self.track = track
        self.skills: discord.ui.TextInput[CardModal] = discord.ui.TextInput(
            label=t(SKILLS_LABEL)[:45],
            placeholder=t(SKILLS_HINT)[:100],
            default=card.skills if card else None,
            max_length=SKILLS_MAX,
            custom_id="skills",
        )
        self.languages: discord.ui.TextInput[CardModal] = discord.ui.TextInput(
            label=t(LANGUAGES_LABEL)[:45],
            placeholder=t(LANGUAGES_HINT)[:100],
            default=card.languages if card else None,
            max_length=LANGUAGES_MAX,
            custom_id="languages",
        )
        self.timezone: discord.ui.TextInput[CardModal] = discord.ui.TextInput(
            label=t(TIMEZONE_LABEL)[:45],
            placeholder=t(TIMEZONE_HINT)[:100],
            default=card.timezone if card else None,
            max_length=TIMEZONE_MAX,
            custom_id="timezone",
        )
        self.looking_for: discord.ui.TextInput[CardModal] = discord.ui.TextInput(
            label=t(LOOKING_FOR_LABEL)[:45],
            placeholder=t(LOOKING_FOR_HINT)[:100],
            default=card.looking_for if card else None,
            style=discord.TextStyle.paragraph,
            max_length=LOOKING_FOR_MAX,
            custom_id="looking_for",
        )
        for item in (self.skills, self.languages, self.timezone, self.looking_for):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        """Publish the card and show it to its owner."""
        card, created = await self.bot.services.lfg.publish(
            user_id=interaction.user.id,
            track=self.track,
            skills=self.skills.value,
            languages=self.languages.value,
            timezone=self.timezone.value,
            looking_for=self.looking_for.value,
        )
        locale = interaction_locale(interaction)
        await send_ephemeral(
            interaction,
            say(self.bot, interaction, POSTED if created else UPDATED),
            embed=card_embed(self.bot, locale, card),
        )

    async def on_error(  # type: ignore[override]  # a Modal's on_error has no item
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        """A refused card gets the localized reason, privately."""
        await reply_error(self.bot, interaction, error)


class BrowseView(PodiumView):
    """Previous / Next under a browse page and, for a captain, an Invite button per card."""

    def __init__(
        self, bot: PodiumBot, *, owner_id: int, page: CardPage, locale: str, captain: bool
    ) -> None:
        super().__init__(bot, timeout=PAGER_TIMEOUT)
        self.owner_id = owner_id
        self.page = page
        self.locale = locale
        self.captain = captain
        self._build()

    def _build(self) -> None:
        self.clear_items()
        t = self.bot.catalogs.gettext
        if self.captain:
            for index, card in enumerate(self.page.cards):
                invite: discord.ui.Button[BrowseView] = discord.ui.Button(
                    label=t(self.locale, INVITE, name=_name(self.page, index))[:80],
                    style=discord.ButtonStyle.success,
                    custom_id=f"lfg-browse:invite:{card.user_id}",
                    row=0,
                )
                invite.callback = self._inviter(card)  # type: ignore[method-assign]
                self.add_item(invite)
        if self.page.pages > 1:
            previous: discord.ui.Button[BrowseView] = discord.ui.Button(
                label=t(self.locale, PREVIOUS),
                custom_id="lfg-browse:previous",
                disabled=self.page.page <= 0,
                row=1,
            )
            following: discord.ui.Button[BrowseView] = discord.ui.Button(
                label=t(self.locale, NEXT),
                custom_id="lfg-browse:next",
                disabled=self.page.page >= self.page.pages - 1,
                row=1,
            )
            previous.callback = self._turner(-1)  # type: ignore[method-assign]
            following.callback = self._turner(1)  # type: ignore[method-assign]
            self.add_item(previous)
            self.add_item(following)

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        """Only the member who browsed may press (the message is theirs alone anyway)."""
        if interaction.user.id != self.owner_id:
            await send_ephemeral(interaction, say(self.bot, interaction, NOT_YOURS))
            return False
        return True

    def _turner(self, step: int) -> Any:
        async def turn(interaction: discord.Interaction[Any]) -> None:
            self.page = await self.bot.services.lfg.browse(
                self.page.filters, page=self.page.page + step
            )
            self._build()
            await interaction.response.edit_message(
                embed=page_embed(self.bot, self.locale, self.page), view=self
            )

        return turn

    def _inviter(self, card: Card) -> Any:
        async def invite(interaction: discord.Interaction[Any]) -> None:
            await send_invite(self.bot, interaction, card)

        return invite
