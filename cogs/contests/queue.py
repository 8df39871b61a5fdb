"""The organizers' report queue (``/contest reports``): reported entries with their counts and
newest reasons, and per entry the buttons Hide, Disqualify (each asks for a reason) and
Dismiss. The buttons are DynamicItems keyed by action and entry, so they work after restarts."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import discord

from bot.calendar import discord_timestamp
from bot.i18n import N_
from bot.interactions import PersistentButton, interaction_locale, send_ephemeral
from bot.services.contests import DISQUALIFIED, HIDDEN, ReportedEntry
from cogs._ui import esc, require_organizer, tr
from cogs.contests.forms import FormRoute, send_form
from cogs.contests.notices import apply_moderation
from cogs.contests.reports import REASON_INPUT

if TYPE_CHECKING:
    from bot.app import PodiumBot

QUEUE_TITLE = N_("Reported entries")
QUEUE_EMPTY = N_("No entry has open reports.")
QUEUE_LINE = N_("**#{id} {title}** — {team} ({contest}): {count} reports, the latest {when}")
HIDE_LABEL = N_("Hide #{id}")
DISQUALIFY_LABEL = N_("Disqualify #{id}")
DISMISS_LABEL = N_("Dismiss #{id}")
REASON_TITLE_HIDE = N_("Hide entry #{id}")
REASON_TITLE_DISQUALIFY = N_("Disqualify entry #{id}")
REASON_LABEL = N_("Reason (sent to the team)")
HID = N_("Entry #{id} **{title}** is hidden; its team is told why.")
DISQUALIFIED_DONE = N_("Entry #{id} **{title}** is disqualified; its team is told why.")
DISMISSED = N_("{count} reports of entry #{id} dismissed; it stays in the gallery.")

_LABELS = {HIDDEN: HIDE_LABEL, DISQUALIFIED: DISQUALIFY_LABEL, "dismiss": DISMISS_LABEL}
_STYLES = {
    HIDDEN: discord.ButtonStyle.secondary,
    DISQUALIFIED: discord.ButtonStyle.danger,
    "dismiss": discord.ButtonStyle.success,
}


def queue_embed(bot: PodiumBot, locale: str, entries: list[ReportedEntry]) -> discord.Embed:
    """One paragraph per entry: count, when the latest report came, the newest reasons."""
    paragraphs = []
    for entry in entries:
        line = tr(
            bot,
            locale,
            QUEUE_LINE,
            id=entry.submission_id,
            title=esc(entry.title),
            team=esc(entry.team_name),
            contest=esc(entry.contest_name),
            count=entry.open_reports,
            when=discord_timestamp(entry.latest_at, "R"),
        )
        quotes = [f"> {esc(reason)[:300]}" for reason in entry.reasons]
        paragraphs.append("\n".join([line, *quotes]))
    description = "\n\n".join(paragraphs) or tr(bot, locale, QUEUE_EMPTY)
    return discord.Embed(
        title=tr(bot, locale, QUEUE_TITLE),
        description=description[:4000],
        colour=discord.Colour.orange(),
    )


def queue_view(bot: PodiumBot, locale: str, entries: list[ReportedEntry]) -> discord.ui.View | None:
    """A row per entry (at most 5): Hide, Disqualify, Dismiss."""
    if not entries:
        return None
    view = discord.ui.View(timeout=None)
    for row, entry in enumerate(entries[:5]):
        for action in (HIDDEN, DISQUALIFIED, "dismiss"):
            label = tr(bot, locale, _LABELS[action], id=entry.submission_id)
            view.add_item(QueueButton(action, entry.submission_id, label[:80], row=row))
    return view


def reason_form(bot: PodiumBot, locale: str, action: str, submission_id: int) -> discord.ui.Modal:
    """The form asking the organizer why they hide or disqualify the entry."""
    title = REASON_TITLE_HIDE if action == HIDDEN else REASON_TITLE_DISQUALIFY
    modal = discord.ui.Modal(
        title=tr(bot, locale, title, id=submission_id)[:45],
        custom_id=f"podium:moderate-form:{action}:{submission_id}",
    )
    modal.add_item(
        discord.ui.TextInput(
            label=tr(bot, locale, REASON_LABEL)[:45], max_length=200, custom_id=REASON_INPUT
        )
    )
    return modal


async def reason_submitted(
    bot: PodiumBot,
    interaction: discord.Interaction[Any],
    match: re.Match[str],
    values: Mapping[str, str],
) -> None:
    """Hide or disqualify, confirm privately, then update the post and tell the team."""
    await require_organizer(interaction)
    action, contests = match["action"], bot.services.contests
    moderate = contests.hide if action == HIDDEN else contests.disqualify
    outcome = await moderate(
        actor_id=interaction.user.id,
        submission_id=int(match["id"]),
        reason=values.get(REASON_INPUT, ""),
    )
    done = HID if action == HIDDEN else DISQUALIFIED_DONE
    entry = outcome.entry
    text = tr(bot, interaction_locale(interaction), done, id=entry.id, title=esc(entry.title))
    await send_ephemeral(interaction, text)
    await apply_moderation(bot, outcome)


MODERATE_FORM = FormRoute(
    re.compile(r"podium:moderate-form:(?P<action>hidden|disqualified):(?P<id>\d+)"),
    reason_submitted,
)


class QueueButton(
    PersistentButton,
    template=r"podium:report-queue:(?P<action>hidden|disqualified|dismiss):(?P<id>\d+)",
):
    """Hide, Disqualify or Dismiss a reported entry from the queue (organizers only)."""

    def __init__(
        self, action: str, submission_id: int, label: str = "", *, row: int | None = None
    ) -> None:
        super().__init__(
            custom_id=f"podium:report-queue:{action}:{submission_id}",
            label=label or action,
            style=_STYLES[action],
            row=row,
        )
        self.action = action
        self.submission_id = submission_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> QueueButton:
        """The button of the action and entry in the custom id."""
        return cls(match["action"], int(match["id"]))

    async def pressed(self, bot: PodiumBot, interaction: discord.Interaction[Any]) -> None:
        """Dismiss at once; Hide and Disqualify ask for the reason first."""
        await require_organizer(interaction)
        locale = interaction_locale(interaction)
        if self.action == "dismiss":
            count = await bot.services.contests.dismiss_reports(
                actor_id=interaction.user.id, submission_id=self.submission_id
            )
            await send_ephemeral(
                interaction, tr(bot, locale, DISMISSED, count=count, id=self.submission_id)
            )
            return
        await send_form(interaction, reason_form(bot, locale, self.action, self.submission_id))
