"""How progress looks in Discord: a team's stage and next step, the stuck alert's post in
the organizers' channel with its **Schedule a clinic** button (a ``PersistentButton``), and
the clinic form (routed by its custom id, so it works across restarts)."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import discord

from bot.calendar import discord_timestamp
from bot.durations import format_duration
from bot.i18n import N_
from bot.interactions import PersistentButton, interaction_locale, send_ephemeral
from bot.services.progress import CLINIC_DURATION, ClinicScheduled, StuckAlert, TeamProgress
from bot.services.publications import Publication
from cogs._publisher import Rendered, Renderer
from cogs._ui import esc, require_organizer, tr
from cogs.contests.forms import FormRoute, send_form
from cogs.qa.cog import QACog

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

SHOW = N_("**{team}** is at **{stage}** (stage {number} of {total}) since {since}.")
SHOW_NEXT = N_("Next: **{stage}**.")
SHOW_NEXT_EVIDENCE = N_("Report it with `/progress stage:` and a link or a file.")
SHOW_NEXT_REPORT = N_("Report it with `/progress stage:`.")
SHOW_NEXT_AUTO = N_("It follows by itself once your imported store results show it.")
SHOW_LAST = N_("That is the last stage: well done!")
REPORTED = N_("Recorded: **{team}** is now at **{stage}**.")
SET_DONE = N_("{team} moved from **{before}** to **{after}** (audited).")
UNDONE = N_("{team} is back at **{after}** (was **{before}**; audited).")
ALERT = N_(
    "🚧 Stuck alert: {count} of {active} active teams ({percent}%) have sat at **{stage}** "
    "for {days} days or more: {teams}."
)
MORE_TEAMS = N_("and {count} more")
CLINIC_BUTTON = N_("Schedule a clinic")
FORM_TITLE = N_("Clinic for the stuck teams")
FORM_NAME = N_("Title")
FORM_NAME_DEFAULT = N_("Clinic: {stage}")
FORM_START = N_("Start (YYYY-MM-DD HH:MM, competition time)")
FORM_DURATION = N_("Duration (e.g. 2h or 90m)")
FORM_RESOURCES = N_("Learning resources (links, one a line)")
CLINIC_SCHEDULED = N_(
    "Expert clinic #{id} **{title}** is scheduled for {start} ({duration}) for the {count} "
    "stuck teams: their members get its reminders by DM and WhatsApp."
)

TITLE_INPUT, START_INPUT, DURATION_INPUT, RESOURCES_INPUT = (
    "title",
    "start",
    "duration",
    "resources",
)
#: Names listed in an alert's post before "and N more", and the characters they may take
#: (the post stays under Discord's 2,000 whatever the names).
ALERT_NAMES = 30
NAMES_BUDGET = 1500


def show_text(bot: PodiumBot, locale: str, progress: TeamProgress) -> str:
    """A team's stage, since when, and the next step."""
    lines = [
        tr(
            bot,
            locale,
            SHOW,
            team=esc(progress.team),
            stage=progress.stage.label.get(locale),
            number=progress.index + 1,
            total=progress.total,
            since=discord_timestamp(progress.since, "D"),
        )
    ]
    nxt = progress.next
    if nxt is None:
        lines.append(tr(bot, locale, SHOW_LAST))
        return "\n".join(lines)
    if progress.stage.next_step is not None:
        lines.append(progress.stage.next_step.get(locale))
    lines.append(tr(bot, locale, SHOW_NEXT, stage=nxt.label.get(locale)))
    if nxt.auto_orders is not None:
        lines.append(tr(bot, locale, SHOW_NEXT_AUTO))
    else:
        lines.append(tr(bot, locale, SHOW_NEXT_EVIDENCE if nxt.evidence else SHOW_NEXT_REPORT))
    return "\n".join(lines)


def alert_text(bot: PodiumBot, locale: str, alert: StuckAlert) -> str:
    """The alert as posted (team names escaped; long lists shortened)."""
    names: list[str] = []
    for _team_id, name in alert.teams:
        shown = esc(name)
        if len(names) == ALERT_NAMES or sum(len(n) + 2 for n in names) + len(shown) > NAMES_BUDGET:
            break
        names.append(shown)
    if len(names) < len(alert.teams):
        names.append(tr(bot, locale, MORE_TEAMS, count=len(alert.teams) - len(names)))
    return tr(
        bot,
        locale,
        ALERT,
        count=len(alert.teams),
        active=alert.active,
        percent=alert.percent,
        stage=alert.stage.label.get(locale),
        days=alert.days,
        teams=", ".join(names),
    )


class AlertRenderer(Renderer):
    """A stuck alert's post in the organizers' channel, pinging no one, with the
    **Schedule a clinic** button."""

    def __init__(self, bot: PodiumBot) -> None:
        super().__init__()
        self.bot = bot

    async def render(
        self, publication: Publication, channel: discord.abc.Messageable
    ) -> Rendered | None:
        """The alert in the competition's language with its button."""
        alert: StuckAlert = publication.data
        locale = self.bot.competition.competition.default_locale
        view = discord.ui.View(timeout=None)
        view.add_item(ClinicButton(alert.id, tr(self.bot, locale, CLINIC_BUTTON)))
        return Rendered(
            content=alert_text(self.bot, locale, alert),
            kwargs={"allowed_mentions": discord.AllowedMentions.none(), "view": view},
        )

    async def no_channel(self, publication: Publication) -> None:
        """Logged; the next daily check tries again."""
        log.warning("progress stuck alert not posted: no organizers channel (run /admin setup)")


def clinic_form(bot: PodiumBot, locale: str, alert: StuckAlert) -> discord.ui.Modal:
    """The form of a clinic for the alert's teams: title, start, duration, resources."""
    modal = discord.ui.Modal(
        title=tr(bot, locale, FORM_TITLE)[:45], custom_id=f"podium:progress-clinic-form:{alert.id}"
    )
    title = tr(bot, locale, FORM_NAME_DEFAULT, stage=alert.stage.label.get(locale))
    short, paragraph = discord.TextStyle.short, discord.TextStyle.paragraph
    inputs = (
        (TITLE_INPUT, FORM_NAME, title, True, 100, short),
        (START_INPUT, FORM_START, None, True, 40, short),
        (DURATION_INPUT, FORM_DURATION, CLINIC_DURATION, False, 10, short),
        (RESOURCES_INPUT, FORM_RESOURCES, None, False, 1600, paragraph),
    )
    for custom_id, label, default, required, length, style in inputs:
        modal.add_item(
            discord.ui.TextInput(
                label=tr(bot, locale, label)[:45],
                default=default[:length] if default else None,
                required=required,
                max_length=length,
                style=style,
                custom_id=custom_id,
            )
        )
    return modal


async def clinic_submitted(
    bot: PodiumBot,
    interaction: discord.Interaction[Any],
    match: re.Match[str],
    values: Mapping[str, str],
) -> None:
    """Schedule the clinic for the alert's teams, create its Discord event, say so."""
    await require_organizer(interaction)
    session = await bot.services.progress.schedule_clinic(
        actor_id=interaction.user.id,
        alert_id=int(match["id"]),
        title=values.get(TITLE_INPUT, ""),
        start=values.get(START_INPUT, ""),
        duration=values.get(DURATION_INPUT),
        resources=values.get(RESOURCES_INPUT),
    )
    locale = interaction_locale(interaction)
    await send_ephemeral(
        interaction,
        tr(
            bot,
            locale,
            CLINIC_SCHEDULED,
            id=session.id,
            title=esc(session.title),
            start=discord_timestamp(session.starts_at, "F"),
            duration=format_duration(session.duration),
            count=len(session.teams),
        ),
    )
    qa_cog = bot.get_cog("QACog")
    if interaction.guild is not None and isinstance(qa_cog, QACog):
        user = interaction.user
        name = user.display_name if isinstance(user, discord.Member) else str(user.id)
        await qa_cog.notices.sync_event(interaction.guild, session, name)


CLINIC_FORM = FormRoute(re.compile(r"podium:progress-clinic-form:(?P<id>\d+)"), clinic_submitted)


class ClinicButton(PersistentButton, template=r"podium:progress-clinic:(?P<id>\d+)"):
    """**Schedule a clinic** under a stuck alert: opens the clinic form (organizers only;
    refused once a clinic was scheduled from the alert)."""

    def __init__(self, alert_id: int, label: str = "Schedule a clinic") -> None:
        super().__init__(
            custom_id=f"podium:progress-clinic:{alert_id}",
            label=label,
            style=discord.ButtonStyle.primary,
            emoji="🩺",
        )
        self.alert_id = alert_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> ClinicButton:
        """The button of the alert in the custom id."""
        return cls(int(match["id"]))

    async def pressed(self, bot: PodiumBot, interaction: discord.Interaction[Any]) -> None:
        """Check first, then open the form."""
        await require_organizer(interaction)
        alert = await bot.services.progress.alert(self.alert_id)
        if alert.session_id is not None:
            raise ClinicScheduled(id=alert.session_id)
        await send_form(interaction, clinic_form(bot, interaction_locale(interaction), alert))
