"""`/contest …` (organizers) and `/submit …` (participants), SPEC §3.4; Vote buttons and the
automatic close at the end of voting."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.calendar import discord_timestamp
from bot.i18n import N_
from bot.interactions import interaction_locale, send_ephemeral
from bot.services.contests import (
    CLOSE_JOB,
    MODERATION_PUBLICATION,
    REPORT_ALERT_PUBLICATION,
    RESULTS_PUBLICATION,
    Attachment,
    Results,
    results_publications,
)
from bot.services.publications import Publication
from cogs._publisher import Rendered, Renderer
from cogs._ui import esc, organizer_only, tr
from cogs.contests.forms import dispatch_form
from cogs.contests.gallery import (
    GalleryCounter,
    VoteButton,
    post_entry,
    refresh_entry,
)
from cogs.contests.groups import contest as contest_group
from cogs.contests.moderation import ModerationCommands
from cogs.contests.notices import ModerationNoticeRenderer, ReportAlertRenderer
from cogs.contests.queue import MODERATE_FORM, QueueButton
from cogs.contests.reports import REPORT_FORM, ReportButton
from cogs.contests.views import flagged_text, results_embed

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

CREATED = N_(
    "Contest #{id} **{name}** created: submissions from {opens} to {closes}, voting until "
    "{voting}, {max} votes per member."
)
SUBMITTED = N_("Entry #{id} **{title}** is in {contest} for {team}. Voting opens {when}.")
EDITED = N_("Entry #{id} is updated.")
WITHDRAWN = N_("Entry #{id} is withdrawn.")
VOIDED = N_("{count} votes voided. They stay in the audit log and no longer count.")
CLOSED = N_("{contest} is closed; the results are posted.")
ALREADY_CLOSED = N_("{contest} was already closed; here are its results.")

PUBLIC_LOCALE = "en"


class ResultsRenderer(Renderer):
    """A contest's results post in its gallery: the results embed, in the public locale."""

    claim_without_channel = True
    no_channel_error = "no gallery channel"
    raise_failures = True

    def __init__(self, bot: PodiumBot) -> None:
        super().__init__()
        self.bot = bot

    async def render(
        self, publication: Publication, channel: discord.abc.Messageable
    ) -> Rendered | None:
        """The results embed."""
        results: Results = publication.data
        return Rendered(embed=results_embed(self.bot, PUBLIC_LOCALE, results))

    async def no_channel(self, publication: Publication) -> None:
        """Logged: run /admin setup."""
        log.warning("no gallery channel channel_id=%s: run /admin setup", publication.channel_id)

    async def posted(
        self, publication: Publication, message_id: int, *, recovered: bool = False
    ) -> None:
        """Remember the results message on the contest."""
        results: Results = publication.data
        await self.bot.services.contests.set_results_message(results.contest.id, message_id)


def _attachment(file: discord.Attachment | None) -> Attachment | None:
    if file is None:
        return None
    return Attachment(
        url=file.url, filename=file.filename, content_type=file.content_type, size=file.size
    )


class ContestCog(ModerationCommands):
    """UGC contests: submissions, the gallery, votes, brushing review, results, moderation."""

    contest = contest_group
    submit = app_commands.Group(name="submit", description="Contest entries", guild_only=True)

    def __init__(self, bot: PodiumBot) -> None:
        self.bot = bot
        #: One per bot, so every Vote press shares the pending edits (``gallery_counter``).
        self.counter = GalleryCounter(bot)

    async def cog_load(self) -> None:
        """Vote buttons that survive restarts, and the automatic close of each contest."""
        self.bot.add_dynamic_items(VoteButton, ReportButton, QueueButton)
        self.bot.publisher.register(RESULTS_PUBLICATION, ResultsRenderer(self.bot))
        self.bot.publisher.register(MODERATION_PUBLICATION, ModerationNoticeRenderer(self.bot))
        self.bot.publisher.register(REPORT_ALERT_PUBLICATION, ReportAlertRenderer(self.bot))
        self.bot.services.scheduler.register(CLOSE_JOB, self.bot.services.contests.run_close_job)
        await self.bot.services.contests.ensure_close_jobs()

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction[PodiumBot]) -> None:
        """The report and moderation forms' submissions (routed by custom id)."""
        await dispatch_form(self.bot, interaction, (REPORT_FORM, MODERATE_FORM))

    async def cog_unload(self) -> None:
        """Write the counts still waiting for their edit."""
        await self.counter.flush()

    # -- autocomplete -------------------------------------------------------------------
    async def _contests(
        self, interaction: discord.Interaction[PodiumBot], current: str
    ) -> list[app_commands.Choice[str]]:
        found = await self.bot.services.contests.search(current)
        return [app_commands.Choice(name=f"#{c.id} {c.name}"[:100], value=str(c.id)) for c in found]

    async def _entries(
        self, interaction: discord.Interaction[PodiumBot], current: str
    ) -> list[app_commands.Choice[int]]:
        found = await self.bot.services.contests.team_entries(interaction.user.id)
        wanted = current.casefold()
        return [
            app_commands.Choice(name=f"#{e.id} {e.title} ({e.contest_name})"[:100], value=e.id)
            for e in found
            if wanted in f"#{e.id} {e.title}".casefold()
        ][:25]

    # -- organizers ---------------------------------------------------------------------
    @contest.command(name="create", description="Create a contest with its windows")
    @app_commands.describe(
        submissions_open="YYYY-MM-DD HH:MM, competition timezone",
        submissions_close="YYYY-MM-DD HH:MM; voting opens then",
        voting_close="YYYY-MM-DD HH:MM; results at this time",
        max_votes="votes per member (default from the config)",
        gallery_channel="where entries are posted (default: the gallery channel)",
    )
    @organizer_only
    async def create(
        self,
        interaction: discord.Interaction[PodiumBot],
        name: app_commands.Range[str, 3, 100],
        category: app_commands.Range[str, 1, 100],
        submissions_open: str,
        submissions_close: str,
        voting_close: str,
        max_votes: app_commands.Range[int, 1, 100] | None = None,
        gallery_channel: discord.TextChannel | None = None,
    ) -> None:
        made = await self.bot.services.contests.create(
            actor_id=interaction.user.id,
            name=name,
            category=category,
            submissions_open=submissions_open,
            submissions_close=submissions_close,
            voting_close=voting_close,
            max_votes=max_votes,
            gallery_channel_id=gallery_channel.id if gallery_channel else None,
        )
        text = tr(
            self.bot,
            interaction_locale(interaction),
            CREATED,
            id=made.id,
            name=esc(made.name),
            opens=discord_timestamp(made.submissions_open),
            closes=discord_timestamp(made.submissions_close),
            voting=discord_timestamp(made.voting_close),
            max=made.max_votes,
        )
        await send_ephemeral(interaction, text)

    @contest.command(name="close", description="Close a contest now and post the results")
    @app_commands.autocomplete(contest=_contests)
    @organizer_only
    async def close(self, interaction: discord.Interaction[PodiumBot], contest: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        results = await self.bot.services.contests.close(
            actor_id=interaction.user.id, contest=contest
        )
        await self.bot.publisher.publish(results_publications(results))
        locale = interaction_locale(interaction)
        message = CLOSED if results.closed_now else ALREADY_CLOSED
        await send_ephemeral(
            interaction,
            tr(self.bot, locale, message, contest=esc(results.contest.name)),
            embed=results_embed(self.bot, locale, results),
        )

    @contest.command(name="results", description="Results, or the standings so far")
    @app_commands.autocomplete(contest=_contests)
    @organizer_only
    async def results(self, interaction: discord.Interaction[PodiumBot], contest: str) -> None:
        found = await self.bot.services.contests.results(contest)
        embed = results_embed(self.bot, interaction_locale(interaction), found)
        await send_ephemeral(interaction, embed=embed)

    @contest.command(name="flagged", description="Vote clusters the brushing detector found")
    @app_commands.autocomplete(contest=_contests)
    @organizer_only
    async def flagged(self, interaction: discord.Interaction[PodiumBot], contest: str) -> None:
        found, clusters = await self.bot.services.contests.flagged(contest)
        lines = flagged_text(self.bot, interaction_locale(interaction), found, clusters)
        await send_ephemeral(interaction, "\n".join(lines)[:2000])

    @contest.command(name="void", description="Void votes (they stay in the audit log)")
    @app_commands.describe(vote_ids="vote ids from /contest flagged, e.g. 12, 15, 31")
    @organizer_only
    async def void(
        self,
        interaction: discord.Interaction[PodiumBot],
        vote_ids: str,
        reason: app_commands.Range[str, 1, 200],
    ) -> None:
        outcomes = await self.bot.services.contests.void(
            actor_id=interaction.user.id, vote_ids=vote_ids, reason=reason
        )
        for outcome in outcomes:
            self.counter.request(outcome.submission_id, outcome.channel_id, outcome.message_id)
        locale = interaction_locale(interaction)
        await send_ephemeral(interaction, tr(self.bot, locale, VOIDED, count=len(outcomes)))

    # -- participants -------------------------------------------------------------------
    @submit.command(name="entry", description="Submit your team's entry to a contest")
    @app_commands.describe(url="http(s) link to your work", attachment="or a file")
    @app_commands.autocomplete(contest=_contests)
    async def entry(
        self,
        interaction: discord.Interaction[PodiumBot],
        contest: str,
        title: str,
        url: str | None = None,
        attachment: discord.Attachment | None = None,
    ) -> None:
        services = self.bot.services
        made = await services.contests.submit(
            user_id=interaction.user.id,
            contest=contest,
            title=title,
            url=url,
            attachment=_attachment(attachment),
        )
        found = await services.contests.get(made.contest_id)
        await send_ephemeral(
            interaction,
            tr(
                self.bot,
                interaction_locale(interaction),
                SUBMITTED,
                id=made.id,
                title=esc(made.title),
                contest=esc(found.name),
                team=esc(made.team_name),
                when=discord_timestamp(found.voting_opens),
            ),
        )
        await post_entry(self.bot, made, found.gallery_channel_id)

    @submit.command(name="edit", description="Change your team's entry before submissions close")
    @app_commands.autocomplete(submission=_entries)
    async def edit(
        self,
        interaction: discord.Interaction[PodiumBot],
        submission: int,
        title: str | None = None,
        url: str | None = None,
        attachment: discord.Attachment | None = None,
    ) -> None:
        changed = await self.bot.services.contests.edit(
            user_id=interaction.user.id,
            submission_id=submission,
            title=title,
            url=url,
            attachment=_attachment(attachment),
        )
        locale = interaction_locale(interaction)
        await send_ephemeral(interaction, tr(self.bot, locale, EDITED, id=changed.id))
        await refresh_entry(self.bot, changed.id)

    @submit.command(name="withdraw", description="Withdraw your team's entry")
    @app_commands.autocomplete(submission=_entries)
    async def withdraw(self, interaction: discord.Interaction[PodiumBot], submission: int) -> None:
        gone = await self.bot.services.contests.withdraw(
            user_id=interaction.user.id, submission_id=submission
        )
        locale = interaction_locale(interaction)
        await send_ephemeral(interaction, tr(self.bot, locale, WITHDRAWN, id=gone.id))
        await refresh_entry(self.bot, gone.id)
