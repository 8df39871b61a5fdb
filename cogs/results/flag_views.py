"""The fraud-flag queue of ``/results flagged``: a page of open flags (rule, reason,
evidence, team) with Clear / Confirm per flag and Previous / Next. Every button carries
its flag or page and the filters in its custom id, so it works after a restart."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.i18n import N_
from bot.interactions import PersistentButton, interaction_locale
from bot.services.fraud import CLEARED, CONFIRMED, FlagPage
from bot.services.fraud.texts import RULE_NAMES, reason
from cogs._ui import esc, require_organizer, tr

if TYPE_CHECKING:
    from bot.app import PodiumBot

QUEUE_TITLE = N_("Fraud flags: page {page} of {pages} ({total} open)")
QUEUE_EMPTY = N_("No open fraud flag matches. Flagged orders wait here for a decision.")
FLAG_NAME = N_("#{id} {rule} · {team}")
ORDER_LINE = N_("Order {order_id}")
TEAM_LINE = N_("The whole team (no order is left out for this rule)")
FOOTER = N_("Clear: the order counts again. Confirm: a fake order, left out for good.")
CLEAR_LABEL = N_("Clear #{id}")
CONFIRM_LABEL = N_("Confirm #{id}")
PREVIOUS_LABEL = N_("Previous")
NEXT_LABEL = N_("Next")
CLEARED_DONE = N_("Flag #{id} cleared.")
CONFIRMED_DONE = N_("Flag #{id} confirmed.")

_DONE = {CLEARED: CLEARED_DONE, CONFIRMED: CONFIRMED_DONE}
_ACTIONS = {"clear": CLEARED, "confirm": CONFIRMED}
_FILTERS = r"(?P<page>\d{1,6}):(?P<rule>[a-z_]{1,20}|-):(?P<team>\d{1,20})"


def _filters(page: int, rule: str | None, team_id: int | None) -> str:
    return f"{page}:{rule or '-'}:{team_id or 0}"


def _parse(match: re.Match[str]) -> tuple[int, str | None, int | None]:
    rule = None if match["rule"] == "-" else match["rule"]
    return int(match["page"]), rule, int(match["team"]) or None


def queue_embed(bot: PodiumBot, locale: str, found: FlagPage) -> discord.Embed:
    """One field per flag: rule and team, then the reason and the order."""
    embed = discord.Embed(
        title=tr(bot, locale, QUEUE_TITLE, page=found.page, pages=found.pages, total=found.total)[
            :256
        ],
        colour=discord.Colour.orange(),
    )
    if not found.flags:
        embed.description = tr(bot, locale, QUEUE_EMPTY)
        return embed
    for flag in found.flags:
        message, params = reason(flag.rule, flag.evidence)
        params = {k: esc(str(v)) for k, v in params.items()}
        subject = (
            tr(bot, locale, ORDER_LINE, order_id=esc(flag.order_id))
            if flag.order_id is not None
            else tr(bot, locale, TEAM_LINE)
        )
        rule = tr(bot, locale, RULE_NAMES.get(flag.rule, flag.rule))
        name = tr(bot, locale, FLAG_NAME, id=flag.id, rule=rule, team=esc(flag.team_name))
        value = f"{tr(bot, locale, message, **params)}\n{subject}"
        embed.add_field(name=name[:256], value=value[:1024], inline=False)
    embed.set_footer(text=tr(bot, locale, FOOTER))
    return embed


def queue_view(bot: PodiumBot, locale: str, found: FlagPage) -> discord.ui.View | None:
    """Clear / Confirm per flag (a row each, at most 4), then Previous / Next."""
    if not found.flags and found.pages == 1:
        return None
    view = discord.ui.View(timeout=None)
    state = (found.page, found.rule, found.team_id)
    for row, flag in enumerate(found.flags[:4]):
        for action, label in (("clear", CLEAR_LABEL), ("confirm", CONFIRM_LABEL)):
            text = tr(bot, locale, label, id=flag.id)[:80]
            view.add_item(FlagButton(action, flag.id, *state, label=text, row=row))
    if found.pages > 1:
        previous = max(1, found.page - 1)
        following = min(found.pages, found.page + 1)
        view.add_item(
            FlagPageButton(
                "prev", previous, found.rule, found.team_id, tr(bot, locale, PREVIOUS_LABEL)
            )
        )
        view.add_item(
            FlagPageButton(
                "next", following, found.rule, found.team_id, tr(bot, locale, NEXT_LABEL)
            )
        )
    return view


async def show_page(
    bot: PodiumBot,
    interaction: discord.Interaction[Any],
    page: int,
    rule: str | None,
    team_id: int | None,
    content: str | None = None,
) -> None:
    """Replace the queue message with this page (after a decision or a page turn)."""
    locale = interaction_locale(interaction)
    found = await bot.services.fraud.flagged(page=page, rule=rule, team_id=team_id)
    await interaction.response.edit_message(
        content=content,
        embed=queue_embed(bot, locale, found),
        view=queue_view(bot, locale, found),
        allowed_mentions=discord.AllowedMentions.none(),
    )


class FlagButton(
    PersistentButton,
    template=r"podium:results-flag:(?P<action>clear|confirm):(?P<id>\d{1,20}):" + _FILTERS,
):
    """Clear or Confirm one flag (organizers only), then show the page again."""

    def __init__(
        self,
        action: str,
        flag_id: int,
        page: int,
        rule: str | None,
        team_id: int | None,
        *,
        label: str = "",
        row: int | None = None,
    ) -> None:
        super().__init__(
            custom_id=f"podium:results-flag:{action}:{flag_id}:{_filters(page, rule, team_id)}",
            label=label or action,
            style=discord.ButtonStyle.success if action == "clear" else discord.ButtonStyle.danger,
            row=row,
        )
        self.action, self.flag_id = action, flag_id
        self.page, self.rule, self.team_id = page, rule, team_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> FlagButton:
        """The button of the action, flag and filters in the custom id."""
        return cls(match["action"], int(match["id"]), *_parse(match))

    async def pressed(self, bot: PodiumBot, interaction: discord.Interaction[Any]) -> None:
        """Decide the flag (audited), then show the same page of what is still open."""
        await require_organizer(interaction)
        decision = _ACTIONS[self.action]
        await bot.services.fraud.decide(
            actor_id=interaction.user.id, flag_id=self.flag_id, decision=decision
        )
        done = tr(bot, interaction_locale(interaction), _DONE[decision], id=self.flag_id)
        await show_page(bot, interaction, self.page, self.rule, self.team_id, content=done)


class FlagPageButton(
    PersistentButton, template=r"podium:results-flags:(?P<direction>prev|next):" + _FILTERS
):
    """Previous / Next page of the queue (organizers only)."""

    def __init__(
        self, direction: str, page: int, rule: str | None, team_id: int | None, label: str = ""
    ) -> None:
        super().__init__(
            custom_id=f"podium:results-flags:{direction}:{_filters(page, rule, team_id)}",
            label=label or direction,
            row=4,
        )
        self.page, self.rule, self.team_id = page, rule, team_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> FlagPageButton:
        """The button of the page and filters in the custom id."""
        return cls(match["direction"], *_parse(match))

    async def pressed(self, bot: PodiumBot, interaction: discord.Interaction[Any]) -> None:
        """Show the page."""
        await require_organizer(interaction)
        await show_page(bot, interaction, self.page, self.rule, self.team_id)
