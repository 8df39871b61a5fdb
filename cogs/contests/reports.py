"""Members' Report button on a gallery entry (a DynamicItem keyed by the entry id, so it works
after restarts) and the modal that asks for an optional reason."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord

from bot.i18n import N_
from bot.interactions import PersistentButton, interaction_locale, reply_error, send_ephemeral
from bot.services.contests import MAX_REPORT_TEXT
from cogs._ui import tr

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

REPORT_LABEL = N_("Report")
REPORT_TITLE = N_("Report entry #{id}")
REPORT_REASON = N_("What is wrong with it? (optional)")
REPORT_PLACEHOLDER = N_("e.g. copied from another team, offensive, not an entry")
REPORTED = N_("Thank you: your report of entry #{id} went to the organizers.")
#: The text input of every Podium modal that asks for a reason.
REASON_INPUT = "reason"


class PodiumModal(discord.ui.Modal):
    """A modal whose failures get the localized ephemeral reply, as a button's do. Its
    custom id names the interaction that opened it, so two members' forms never mix."""

    async def on_error(  # type: ignore[override]  # discord.py's Modal takes no item
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        """The localized reply (a domain refusal) or the generic one (logged)."""
        await reply_error(interaction.client, interaction, error)


class ReportModal(PodiumModal):
    """Asks the member why they report the entry, then records the report once."""

    def __init__(self, bot: PodiumBot, locale: str, submission_id: int, opened_by: int) -> None:
        super().__init__(
            title=tr(bot, locale, REPORT_TITLE, id=submission_id)[:45],
            custom_id=f"podium:report-form:{submission_id}:{opened_by}",
            timeout=900,
        )
        self.submission_id = submission_id
        self.reason: discord.ui.TextInput[ReportModal] = discord.ui.TextInput(
            label=tr(bot, locale, REPORT_REASON)[:45],
            placeholder=tr(bot, locale, REPORT_PLACEHOLDER)[:100],
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=MAX_REPORT_TEXT,
            custom_id=REASON_INPUT,
        )
        self.add_item(self.reason)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        """Record the report, thank the member, and notify organizers past the threshold."""
        bot: PodiumBot = interaction.client
        outcome = await bot.services.contests.report(
            user_id=interaction.user.id, submission_id=self.submission_id, text=self.reason.value
        )
        locale = interaction_locale(interaction)
        await send_ephemeral(interaction, tr(bot, locale, REPORTED, id=self.submission_id))
        await bot.publisher.publish(outcome.publications)


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
        modal = ReportModal(
            bot, interaction_locale(interaction), self.submission_id, interaction.id
        )
        await interaction.response.send_modal(modal)
