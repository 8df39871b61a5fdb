"""The organizers' report queue (``/contest reports``): reported entries with their counts and
newest reasons, and per entry the buttons Hide, Disqualify (each asks for a reason) and
Dismiss. The buttons are DynamicItems keyed by action and entry, so they work after restarts."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.calendar import discord_timestamp
from bot.i18n import N_
from bot.interactions import PersistentButton, interaction_locale, send_ephemeral
from bot.services.contests import DISQUALIFIED, HIDDEN, ReportedEntry
from cogs._ui import esc, require_organizer, tr
from cogs.contests.notices import apply_moderation
from cogs.contests.reports import REASON_INPUT, PodiumModal

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


class ReasonModal(PodiumModal):
    """Asks the organizer for the reason of a hide or disqualification from the queue."""

    def __init__(
        self, bot: PodiumBot, locale: str, action: str, submission_id: int, opened_by: int
    ) -> None:
        title = REASON_TITLE_HIDE if action == HIDDEN else REASON_TITLE_DISQUALIFY
        super().__init__(
            title=tr(bot, locale, title, id=submission_id)[:45],
            custom_id=f"podium:moderate-form:{action}:{submission_id}:{opened_by}",
            timeout=900,
        )
        self.action = action
        self.submission_id = submission_id
        self.reason: discord.ui.TextInput[ReasonModal] = discord.ui.TextInput(
            label=tr(bot, locale, REASON_LABEL)[:45],
            max_length=200,
            custom_id=REASON_INPUT,
        )
        self.add_item(self.reason)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        """Hide or disqualify, confirm privately, then update the post and tell the team."""
        await require_organizer(interaction)
        bot: PodiumBot = interaction.client
        contests = bot.services.contests
        moderate = contests.hide if self.action == HIDDEN else contests.disqualify
        outcome = await moderate(
            actor_id=interaction.user.id,
            submission_id=self.submission_id,
            reason=self.reason.value,
        )
        done = HID if self.action == HIDDEN else DISQUALIFIED_DONE
        text = tr(
            bot,
            interaction_locale(interaction),
            done,
            id=outcome.entry.id,
            title=esc(outcome.entry.title),
        )
        await send_ephemeral(interaction, text)
        await apply_moderation(bot, outcome)


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
        modal = ReasonModal(bot, locale, self.action, self.submission_id, interaction.id)
        await interaction.response.send_modal(modal)
