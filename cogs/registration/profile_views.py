"""The /register modal pages, their Continue / Edit button, and the profile embed."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.calendar import discord_timestamp
from bot.config.registration import ProfileFieldConfig
from bot.i18n import N_
from bot.interactions import PersistentButton, interaction_locale, reply_error, send_ephemeral
from bot.services.registration import Grant, Profile
from bot.services.registration.errors import NoProfileFields, UnknownPage
from cogs._ui import esc, tr

if TYPE_CHECKING:
    from bot.app import PodiumBot

MODAL_TITLE = N_("Registration ({page} of {pages})")
CONSENT_HEADING = N_("**Consent** (version {version})")
PAGE_SAVED = N_("Page {page} of {pages} saved. Continue with the next page.")
CONTINUE = N_("Continue ({page} of {pages})")
EDIT = N_("Edit my profile")
REGISTERED = N_("You are registered. Here is your profile; edit it any time with /profile.")
PROFILE_TITLE = N_("Profile of {name}")
NOT_ANSWERED = N_("—")
CONSENT_FIELD = N_("Consent")
CONSENT_LINE = N_("Version {version}, accepted {time}")
ELIGIBLE_FIELD = N_("Eligible for")
ELIGIBLE_BY_EMAIL = N_("{track} (e-mail {email})")
ELIGIBLE_BY_PROOF = N_("{track} (approved proof)")
MISSING_FOOTER = N_("Still to answer: {fields}")
PLACEHOLDER_EMAIL = N_("name@example.com")
PLACEHOLDER_COUNTRY = N_("e.g. China, CN or United Kingdom")
PLACEHOLDER_YEAR = N_("e.g. 2027")


def _placeholder(bot: PodiumBot, locale: str, field: ProfileFieldConfig) -> str | None:
    if field.type == "choice":
        return " / ".join(field.choices)[:100]
    wording = {
        "email": PLACEHOLDER_EMAIL,
        "country": PLACEHOLDER_COUNTRY,
        "year": PLACEHOLDER_YEAR,
    }.get(field.type)
    return tr(bot, locale, wording)[:100] if wording else None


class ProfileModal(discord.ui.Modal):
    """One page of /register: the consent wording (first page) and up to 5 fields."""

    def __init__(self, bot: PodiumBot, locale: str, page: int, answers: dict[str, str]) -> None:
        rules = bot.competition.registration
        pages = rules.pages
        super().__init__(
            title=tr(bot, locale, MODAL_TITLE, page=page + 1, pages=len(pages))[:45],
            custom_id=f"podium:register:modal:{page}",
            timeout=900,
        )
        self.bot = bot
        self.page = page
        self.inputs: dict[str, discord.ui.TextInput[Any]] = {}
        if page == 0:
            heading = tr(bot, locale, CONSENT_HEADING, version=rules.consent_version)
            self.add_item(discord.ui.TextDisplay(f"{heading}\n{rules.consent.get(locale)}"))
        for field in pages[page]:
            text_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
                label=field.label.get(locale)[:45],
                custom_id=f"field:{field.key}",
                required=field.required,
                max_length=field.max_length,
                default=answers.get(field.key) or None,
                placeholder=_placeholder(bot, locale, field),
            )
            self.inputs[field.key] = text_input
            self.add_item(text_input)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        """Save the page; offer the next page, or show the finished profile."""
        locale = interaction_locale(interaction)
        saved = await self.bot.services.profiles.save_page(
            user_id=interaction.user.id,
            page=self.page,
            values={key: str(item.value) for key, item in self.inputs.items()},
            locale=locale,
        )
        pages = len(self.bot.competition.registration.pages)
        if saved.next_page is not None:
            view = discord.ui.View(timeout=None)
            label = tr(self.bot, locale, CONTINUE, page=saved.next_page + 1, pages=pages)
            view.add_item(RegisterPageButton(saved.next_page, label))
            text = tr(self.bot, locale, PAGE_SAVED, page=self.page + 1, pages=pages)
            await send_ephemeral(interaction, text, view=view)
            return
        grants = await self.bot.services.eligibility.grants(interaction.user.id)
        await send_ephemeral(
            interaction,
            tr(self.bot, locale, REGISTERED),
            embed=profile_embed(self.bot, locale, interaction.user, saved.profile, grants),
            view=edit_view(self.bot, locale),
        )

    async def on_error(  # type: ignore[override]  # discord.py: Modal narrows View's
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        """A refused answer (or anything else) gets the localized ephemeral reply."""
        await reply_error(self.bot, interaction, error)


async def open_page(bot: PodiumBot, interaction: discord.Interaction[Any], page: int) -> None:
    """Answer ``interaction`` with /register page ``page``, filled with the saved answers."""
    if not bot.competition.registration.fields:
        raise NoProfileFields()
    if not 0 <= page < len(bot.competition.registration.pages):
        raise UnknownPage()
    profile = await bot.services.profiles.get(interaction.user.id)
    answers = profile.answers if profile else {}
    modal = ProfileModal(bot, interaction_locale(interaction), page, answers)
    await interaction.response.send_modal(modal)


class RegisterPageButton(PersistentButton, template=r"podium:register:page:(?P<page>\d{1,2})"):
    """Opens a /register page (Continue after a page, or Edit on the profile)."""

    def __init__(self, page: int, label: str = "Continue") -> None:
        super().__init__(
            custom_id=f"podium:register:page:{page}",
            label=label[:80],
            style=discord.ButtonStyle.primary,
        )
        self.page = page

    @classmethod
    def from_match(cls, match: re.Match[str]) -> RegisterPageButton:
        """The button of the page in the custom id."""
        return cls(int(match["page"]))

    async def pressed(self, bot: PodiumBot, interaction: discord.Interaction[Any]) -> None:
        """Open the page's modal."""
        await open_page(bot, interaction, self.page)


def edit_view(bot: PodiumBot, locale: str) -> discord.ui.View:
    """The Edit button under a profile (opens the first page again)."""
    view = discord.ui.View(timeout=None)
    view.add_item(RegisterPageButton(0, tr(bot, locale, EDIT)))
    return view


def profile_embed(
    bot: PodiumBot,
    locale: str,
    user: discord.abc.User,
    profile: Profile,
    grants: list[Grant],
) -> discord.Embed:
    """A profile as its owner sees it: each field, the consent, the tracks eligible for."""
    services = bot.services
    embed = discord.Embed(
        title=tr(bot, locale, PROFILE_TITLE, name=esc(user.display_name))[:256],
        colour=discord.Colour.blurple(),
    )
    for field in bot.competition.registration.fields:
        value = profile.answers.get(field.key, "")
        shown = services.profiles.shown(field.key, value, locale) if value else ""
        embed.add_field(
            name=field.label.get(locale),
            value=esc(shown)[:1024] if shown else tr(bot, locale, NOT_ANSWERED),
            inline=len(shown) < 40,
        )
    if profile.consent is not None:
        embed.add_field(
            name=tr(bot, locale, CONSENT_FIELD),
            value=tr(
                bot,
                locale,
                CONSENT_LINE,
                version=esc(profile.consent.version),
                time=discord_timestamp(profile.consent.accepted_at),
            ),
            inline=False,
        )
    if grants:
        lines = []
        for grant in grants:
            name = bot.competition.track(grant.track).name.get(locale)
            if grant.method == "email":
                lines.append(tr(bot, locale, ELIGIBLE_BY_EMAIL, track=name, email=grant.email))
            else:
                lines.append(tr(bot, locale, ELIGIBLE_BY_PROOF, track=name))
        embed.add_field(
            name=tr(bot, locale, ELIGIBLE_FIELD), value="\n".join(lines)[:1024], inline=False
        )
    missing = profile.missing(services.profiles.required_keys())
    if missing:
        labels = ", ".join(
            bot.competition.registration.field(key).label.get(locale) for key in missing
        )
        embed.set_footer(text=tr(bot, locale, MISSING_FOOTER, fields=labels)[:2048])
    return embed
