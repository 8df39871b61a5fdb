"""`/register`, `/profile` and `/eligibility status|email|confirm|proof|queue` (issue 18)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.calendar import discord_timestamp
from bot.i18n import N_
from bot.interactions import interaction_locale, send_ephemeral
from bot.services.registration import DECISION_JOB, DECISION_PUBLICATION, ProofFile
from cogs._ui import ORGANIZER_ONLY, esc, organizer_only, tr
from cogs.registration.eligibility_views import (
    QUEUE_SIZE,
    DecisionRenderer,
    ProofButton,
    queue_message,
)
from cogs.registration.profile_views import (
    RegisterPageButton,
    edit_view,
    open_page,
    profile_embed,
)

if TYPE_CHECKING:
    from bot.app import PodiumBot

CODE_SENT = N_(
    "A code is on its way to {email}. Confirm it with /eligibility confirm before {time}. "
    "Not there? Check the spam folder."
)
CONFIRMED = N_("Confirmed: you are eligible for the {track} track.")
PROOF_QUEUED = N_(
    "Proof #{id} received for the {track} track. An organizer will review it; I will DM you "
    "the decision."
)
STATUS_TITLE = N_("Your eligibility")
STATUS_NONE = N_("Every track is open to everyone: there is nothing to prove.")
STATUS_ELIGIBLE = N_("Eligible since {time}")
STATUS_PENDING = N_("Proof #{id} waiting for an organizer since {time}")
STATUS_NEEDED = N_("Not eligible yet.")
STATUS_BY_EMAIL = N_("By e-mail code: /eligibility email with an address at {domains}")
STATUS_BY_PROOF = N_("By proof: /eligibility proof with an image or PDF")


async def _restricted_tracks(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    """The tracks with an eligibility rule, named in the member's language."""
    bot: PodiumBot = interaction.client
    locale = interaction_locale(interaction)
    return [
        app_commands.Choice(name=t.name.get(locale)[:100], value=t.key)
        for t in bot.services.eligibility.restricted_tracks
        if current.casefold() in (t.key + t.name.get(locale).casefold())
    ][:25]


class ProfileCog(commands.Cog):
    """Participant profiles: /register and /profile."""

    def __init__(self, bot: PodiumBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """The Continue / Edit button works after a restart."""
        self.bot.add_dynamic_items(RegisterPageButton)

    @app_commands.command(name="register", description="Fill in your participant profile")
    @app_commands.guild_only()
    async def register(self, interaction: discord.Interaction[PodiumBot]) -> None:
        """Open the first page (consent and the first fields), filled with saved answers."""
        await open_page(self.bot, interaction, 0)

    @app_commands.command(name="profile", description="Show your participant profile")
    @app_commands.guild_only()
    async def profile(self, interaction: discord.Interaction[PodiumBot]) -> None:
        """The member's own profile (ephemeral) with an Edit button."""
        locale = interaction_locale(interaction)
        found = await self.bot.services.profiles.mine(interaction.user.id)
        grants = await self.bot.services.eligibility.grants(interaction.user.id)
        await send_ephemeral(
            interaction,
            embed=profile_embed(self.bot, locale, interaction.user, found, grants),
            view=edit_view(self.bot, locale),
        )


class EligibilityCog(commands.Cog):
    """Eligibility per track: e-mail codes, proofs and the organizers' approval queue."""

    eligibility = app_commands.Group(
        name="eligibility", description="Prove you may enter a track", guild_only=True
    )

    def __init__(self, bot: PodiumBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Register the decision DM's renderer; the queue buttons work after a restart."""
        self.bot.publisher.register(DECISION_PUBLICATION, DecisionRenderer(self.bot))
        self.bot.services.scheduler.register(
            DECISION_JOB, self.bot.services.eligibility.run_decision
        )
        self.bot.add_dynamic_items(ProofButton)

    async def cog_unload(self) -> None:
        """Forget the renderer and the job handler."""
        self.bot.publisher.unregister(DECISION_PUBLICATION)
        self.bot.services.scheduler.unregister(DECISION_JOB)

    def _track_name(self, key: str, locale: str) -> str:
        return self.bot.competition.track(key).name.get(locale)

    @eligibility.command(name="status", description="Which tracks you may enter, and how")
    async def status(self, interaction: discord.Interaction[PodiumBot]) -> None:
        """Per track with a rule: eligible, a proof pending, or the ways in."""
        locale = interaction_locale(interaction)
        standing = await self.bot.services.eligibility.status(interaction.user.id)
        embed = discord.Embed(
            title=tr(self.bot, locale, STATUS_TITLE), colour=discord.Colour.teal()
        )
        if not standing:
            embed.description = tr(self.bot, locale, STATUS_NONE)
        for item in standing:
            if item.grant is not None:
                value = tr(
                    self.bot, locale, STATUS_ELIGIBLE, time=discord_timestamp(item.grant.granted_at)
                )
            else:
                lines = [tr(self.bot, locale, STATUS_NEEDED)]
                if item.pending_proof is not None:
                    lines.append(
                        tr(
                            self.bot,
                            locale,
                            STATUS_PENDING,
                            id=item.pending_proof.id,
                            time=discord_timestamp(item.pending_proof.submitted_at, "R"),
                        )
                    )
                if item.email_domains:
                    domains = ", ".join(item.email_domains)
                    lines.append(tr(self.bot, locale, STATUS_BY_EMAIL, domains=domains))
                if item.proof:
                    lines.append(tr(self.bot, locale, STATUS_BY_PROOF))
                value = "\n".join(lines)
            embed.add_field(
                name=self._track_name(item.track, locale), value=value[:1024], inline=False
            )
        await send_ephemeral(interaction, embed=embed)

    @eligibility.command(name="email", description="E-mail a code to your school address")
    @app_commands.describe(track="The track to enter", address="Your address at an allowed domain")
    @app_commands.autocomplete(track=_restricted_tracks)
    @app_commands.checks.cooldown(3, 60.0, key=lambda i: i.user.id)
    async def email(
        self, interaction: discord.Interaction[PodiumBot], track: str, address: str
    ) -> None:
        """Send the code (the mail server may take a few seconds: the answer is deferred)."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        sent = await self.bot.services.eligibility.send_code(
            user_id=interaction.user.id,
            track=track,
            email=address,
            locale=interaction_locale(interaction),
        )
        text = tr(
            self.bot,
            interaction_locale(interaction),
            CODE_SENT,
            email=esc(sent.email),
            time=discord_timestamp(sent.expires_at, "t"),
        )
        await send_ephemeral(interaction, text)

    @eligibility.command(name="confirm", description="Confirm the code from your e-mail")
    @app_commands.describe(code="The 6-digit code")
    async def confirm(self, interaction: discord.Interaction[PodiumBot], code: str) -> None:
        """Check the code; right, the member is eligible."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        grant = await self.bot.services.eligibility.confirm(
            user_id=interaction.user.id, code=code[:20]
        )
        locale = interaction_locale(interaction)
        track = self._track_name(grant.track, locale)
        await send_ephemeral(interaction, tr(self.bot, locale, CONFIRMED, track=track))

    @eligibility.command(name="proof", description="Upload a proof (e.g. a student card)")
    @app_commands.describe(track="The track to enter", file="An image or PDF, up to 10 MB")
    @app_commands.autocomplete(track=_restricted_tracks)
    async def proof(
        self, interaction: discord.Interaction[PodiumBot], track: str, file: discord.Attachment
    ) -> None:
        """Queue the proof for the organizers."""
        locale = interaction_locale(interaction)
        queued = await self.bot.services.eligibility.submit_proof(
            user_id=interaction.user.id,
            track=track,
            file=ProofFile(
                url=file.url, filename=file.filename, content_type=file.content_type, size=file.size
            ),
            locale=locale,
        )
        text = tr(
            self.bot,
            locale,
            PROOF_QUEUED,
            id=queued.id,
            track=self._track_name(queued.track, locale),
        )
        await send_ephemeral(interaction, text)

    @eligibility.command(
        name="queue", description="Proofs waiting for a decision", extras=ORGANIZER_ONLY
    )
    @organizer_only
    async def queue(self, interaction: discord.Interaction[PodiumBot]) -> None:
        """The oldest waiting proofs with Approve / Reject buttons."""
        proofs, total = await self.bot.services.eligibility.queue(QUEUE_SIZE)
        embed, view = queue_message(self.bot, interaction_locale(interaction), proofs, total)
        await send_ephemeral(interaction, embed=embed, view=view)
