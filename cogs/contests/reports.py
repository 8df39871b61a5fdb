"""Members' Report button on a gallery entry (a DynamicItem keyed by the entry id, so it works
after restarts) and the form that asks for an optional reason (routed by its custom id)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import discord

from bot.i18n import N_
from bot.interactions import PersistentButton, interaction_locale, send_ephemeral
from bot.services.contests import MAX_REPORT_TEXT
from cogs._ui import tr
from cogs.contests.forms import FormRoute, send_form

if TYPE_CHECKING:
    from bot.app import PodiumBot

REPORT_LABEL = N_("Report")
REPORT_TITLE = N_("Report entry #{id}")
REPORT_REASON = N_("What is wrong with it? (optional)")
REPORT_PLACEHOLDER = N_("e.g. copied from another team, offensive, not an entry")
REPORTED = N_("Thank you: your report of entry #{id} went to the organizers.")
#: The text input of every Podium form that asks for a reason.
REASON_INPUT = "reason"


def report_form(bot: PodiumBot, locale: str, submission_id: int) -> discord.ui.Modal:
    """The form asking why the member reports the entry."""
    modal = discord.ui.Modal(
        title=tr(bot, locale, REPORT_TITLE, id=submission_id)[:45],
        custom_id=f"podium:report-form:{submission_id}",
    )
    modal.add_item(
        discord.ui.TextInput(
            label=tr(bot, locale, REPORT_REASON)[:45],
            placeholder=tr(bot, locale, REPORT_PLACEHOLDER)[:100],
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=MAX_REPORT_TEXT,
            custom_id=REASON_INPUT,
        )
    )
    return modal


async def report_submitted(
    bot: PodiumBot,
    interaction: discord.Interaction[Any],
    match: re.Match[str],
    values: Mapping[str, str],
) -> None:
    """Record the report, thank the member, and notify organizers past the threshold."""
    submission_id = int(match["id"])
    outcome = await bot.services.contests.report(
        user_id=interaction.user.id, submission_id=submission_id, text=values.get(REASON_INPUT)
    )
    locale = interaction_locale(interaction)
    await send_ephemeral(interaction, tr(bot, locale, REPORTED, id=submission_id))
    await bot.publisher.publish(outcome.publications)


REPORT_FORM = FormRoute(re.compile(r"podium:report-form:(?P<id>\d+)"), report_submitted)


class ReportButton(PersistentButton, template=r"podium:report:(?P<id>\d+)"):
    """The Report button under a gallery post: opens the report form, unless the member
    may not report this entry (then the reason, privately)."""

    def __init__(self, submission_id: int, label: str = "Report") -> None:
        super().__init__(
            custom_id=f"podium:report:{submission_id}",
            label=label,
            style=discord.ButtonStyle.secondary,
        )
        self.submission_id = submission_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> ReportButton:
        """The button of the entry in the custom id."""
        return cls(int(match["id"]))

    async def pressed(self, bot: PodiumBot, interaction: discord.Interaction[Any]) -> None:
        """Check first (a second report is refused at once), then ask for the reason."""
        await bot.services.contests.check_report(
            user_id=interaction.user.id, submission_id=self.submission_id
        )
        await send_form(
            interaction, report_form(bot, interaction_locale(interaction), self.submission_id)
        )
