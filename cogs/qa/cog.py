"""`/qa schedule|edit|cancel|upcoming|rsvp|queue|answered` and `/ask` (SPEC §3.5)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.durations import format_duration
from bot.errors import GuildOnly
from bot.i18n import N_
from bot.interactions import interaction_locale, send_ephemeral
from bot.services.qa import Session
from cogs._ui import ORGANIZER_ONLY, esc, is_organizer, organizer_only
from cogs.qa import autocomplete as ac
from cogs.qa import views as v
from cogs.qa.notices import QANotices
from cogs.qa.queue import QueueUpdater, queue_embed

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

SCHEDULED = N_("Q&A session #{id} **{title}** scheduled for {start} ({duration}), for {audience}.")
EDITED = N_("Q&A session #{id} updated: {start} ({duration}). Reminders still to come follow.")
CANCELLED = N_("Q&A session #{id} cancelled; its audience is told and reminders are withdrawn.")
EVENT_FAILED = N_("The Discord event could not be created or updated: I need Manage Events.")
RSVP_ON = N_("You RSVP'd to **{title}**: I will DM you its reminders.")
RSVP_OFF = N_("RSVP withdrawn from **{title}**: no more DMs about it.")
QUEUE_POSTED = N_("The live queue of **{title}** is posted here and updates as questions come in.")
ANSWERED = N_("Question #{id} marked answered.")

KIND_CHOICES = [
    app_commands.Choice(name="Official Q&A", value="official"),
    app_commands.Choice(name="Expert clinic", value="expert_clinic"),
    app_commands.Choice(name="Alumni sharing", value="alumni"),
]


class QACog(commands.Cog):
    """Q&A sessions, expert clinics and alumni sharing."""

    qa = app_commands.Group(name="qa", description="Q&A sessions and clinics", guild_only=True)

    def __init__(self, bot: PodiumBot) -> None:
        self.bot = bot
        self.notices = QANotices(bot)
        #: One per bot: Upvote presses reach it through ``queue_updater``.
        self.queue_updater = QueueUpdater(bot)

    async def cog_load(self) -> None:
        """Register the notice jobs and make the buttons work after a restart."""
        self.notices.register()
        self.bot.add_dynamic_items(v.UpvoteButton, v.CheckInButton)

    def _say(self, interaction: discord.Interaction[Any], message: str, **params: Any) -> str:
        return self.bot.catalogs.gettext(interaction_locale(interaction), message, **params)

    # -- organizer commands ---------------------------------------------------------------
    async def _confirm(
        self, interaction: discord.Interaction[PodiumBot], message: str, session: Session
    ) -> None:
        text = self._say(
            interaction,
            message,
            id=session.id,
            title=esc(session.title),
            start=f"<t:{int(session.starts_at.timestamp())}:F>",
            duration=format_duration(session.duration),
            audience=v.audience_label(self.bot, session, interaction_locale(interaction)),
        )
        if interaction.guild is not None:
            host = interaction.guild.get_member(session.host_id)
            name = host.display_name if host else str(session.host_id)
            if not await self.notices.sync_event(interaction.guild, session, name):
                text += "\n" + self._say(interaction, EVENT_FAILED)
        await send_ephemeral(interaction, text)

    @qa.command(name="schedule", description="Schedule a Q&A session", extras=ORGANIZER_ONLY)
    @app_commands.describe(
        title="Session title, up to 100 characters",
        kind="Official Q&A, expert clinic or alumni sharing",
        start="YYYY-MM-DD HH:MM in the competition timezone",
        duration="How long, e.g. 90m or 2h",
        host="Who answers the questions",
        audience="all, or cohort keys separated by commas",
    )
    @app_commands.choices(kind=KIND_CHOICES)
    @app_commands.autocomplete(audience=ac.audiences)
    @organizer_only
    async def schedule(
        self,
        interaction: discord.Interaction[PodiumBot],
        title: str,
        kind: app_commands.Choice[str],
        start: str,
        duration: str,
        host: discord.Member,
        audience: str | None = None,
    ) -> None:
        """Create the session, its reminders and its Discord event."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        session = await self.bot.services.qa.schedule(
            actor_id=interaction.user.id,
            title=title,
            kind=kind.value,
            start=start,
            duration=duration,
            host_id=host.id,
            audience=audience,
        )
        await self._confirm(interaction, SCHEDULED, session)

    @qa.command(name="edit", description="Change a Q&A session", extras=ORGANIZER_ONLY)
    @app_commands.describe(
        session="The session",
        title="New title",
        start="New start, YYYY-MM-DD HH:MM in the competition timezone",
        duration="New length, e.g. 90m",
        host="New host",
    )
    @app_commands.autocomplete(session=ac.sessions)
    @organizer_only
    async def edit(
        self,
        interaction: discord.Interaction[PodiumBot],
        session: int,
        title: str | None = None,
        start: str | None = None,
        duration: str | None = None,
        host: discord.Member | None = None,
    ) -> None:
        """Change the session; reminders still to come and the Discord event follow."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        updated = await self.bot.services.qa.edit(
            actor_id=interaction.user.id,
            session_id=session,
            title=title,
            start=start,
            duration=duration,
            host_id=host.id if host else None,
        )
        await self._confirm(interaction, EDITED, updated)

    @qa.command(name="cancel", description="Cancel a Q&A session", extras=ORGANIZER_ONLY)
    @app_commands.describe(session="The session")
    @app_commands.autocomplete(session=ac.sessions)
    @organizer_only
    async def cancel(self, interaction: discord.Interaction[PodiumBot], session: int) -> None:
        """Cancel: pending reminders withdrawn, the audience told, the event cancelled."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        cancelled = await self.bot.services.qa.cancel(
            actor_id=interaction.user.id, session_id=session
        )
        if interaction.guild is not None:
            await self.notices.cancel_event(interaction.guild, cancelled)
        await send_ephemeral(interaction, self._say(interaction, CANCELLED, id=session))

    # -- everyone -------------------------------------------------------------------------
    @qa.command(name="upcoming", description="Q&A sessions still to come")
    async def upcoming(self, interaction: discord.Interaction[PodiumBot]) -> None:
        """The sessions that have not ended, soonest first, in the reader's timezone."""
        sessions = await self.bot.services.qa.upcoming()
        rsvped = await self.bot.services.qa.rsvped(interaction.user.id, [s.id for s in sessions])
        embed = v.upcoming_embed(self.bot, interaction_locale(interaction), sessions, rsvped)
        await send_ephemeral(interaction, embed=embed)

    @qa.command(name="rsvp", description="Get the reminders of a session by DM (again: stop)")
    @app_commands.describe(session="The session")
    @app_commands.autocomplete(session=ac.sessions)
    async def rsvp(self, interaction: discord.Interaction[PodiumBot], session: int) -> None:
        """Toggle the member's RSVP."""
        found, going = await self.bot.services.qa.rsvp(
            user_id=interaction.user.id, session_id=session
        )
        message = RSVP_ON if going else RSVP_OFF
        await send_ephemeral(interaction, self._say(interaction, message, title=esc(found.title)))

    @app_commands.command(name="ask", description="Ask a question in a Q&A session's queue")
    @app_commands.describe(session="The session", question="Your question, up to 300 characters")
    @app_commands.autocomplete(session=ac.sessions)
    @app_commands.guild_only()
    async def ask(
        self, interaction: discord.Interaction[PodiumBot], session: int, question: str
    ) -> None:
        """Queue the question and show it publicly with its Upvote button."""
        qa = self.bot.services.qa
        asked = await qa.ask(user_id=interaction.user.id, session_id=session, text=question)
        found = await qa.get(session)
        locale = self.bot.competition.competition.default_locale
        self.queue_updater.request(session)
        response = await interaction.response.send_message(
            v.question_content(self.bot.catalogs, locale, found, asked),
            view=v.question_view(self.bot.catalogs, locale, asked),
            allowed_mentions=discord.AllowedMentions.none(),
        )
        if response.message_id is not None and interaction.channel_id is not None:
            await qa.set_question_message(asked.id, interaction.channel_id, response.message_id)

    # -- host or organizer ----------------------------------------------------------------
    @qa.command(name="queue", description="Post the live question queue here (host)")
    @app_commands.describe(session="The session")
    @app_commands.autocomplete(session=ac.sessions)
    async def queue(self, interaction: discord.Interaction[PodiumBot], session: int) -> None:
        """Post the top questions (votes, then age); the message follows the queue."""
        qa = self.bot.services.qa
        found, top = await qa.host_queue(
            actor_id=interaction.user.id,
            is_organizer=await is_organizer(interaction),
            session_id=session,
        )
        channel = interaction.channel
        if not isinstance(channel, discord.TextChannel):
            raise GuildOnly()
        await interaction.response.defer(ephemeral=True, thinking=True)
        locale = self.bot.competition.competition.default_locale
        embed = queue_embed(
            self.bot.catalogs, locale, found, top, await qa.question_counts(session)
        )
        message = await channel.send(embed=embed, allowed_mentions=discord.AllowedMentions.none())
        await qa.set_queue_message(session, channel.id, message.id)
        await send_ephemeral(
            interaction, self._say(interaction, QUEUE_POSTED, title=esc(found.title))
        )

    @qa.command(name="answered", description="Mark a question answered (host)")
    @app_commands.describe(question="The question")
    @app_commands.autocomplete(question=ac.questions)
    async def answered(self, interaction: discord.Interaction[PodiumBot], question: int) -> None:
        """Close the question: off the queue, its Upvote button removed."""
        qa = self.bot.services.qa
        done = await qa.answered(
            actor_id=interaction.user.id,
            is_organizer=await is_organizer(interaction),
            question_id=question,
        )
        self.queue_updater.request(done.session_id)
        await send_ephemeral(interaction, self._say(interaction, ANSWERED, id=question))
        await ac.show_answered(self.bot, done)
