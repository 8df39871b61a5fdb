"""`/whatsapp link|verify|unlink|language`: a member links a WhatsApp number (SPEC §3.7).

The full number is only ever shown to its owner (these replies are ephemeral).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.calendar import discord_timestamp
from bot.i18n import N_
from bot.interactions import interaction_locale, send_ephemeral

if TYPE_CHECKING:
    from bot.app import PodiumBot

CONSENT = N_(
    "By linking this number you agree to receive announcements, reminders and leaderboard "
    "updates of {competition} on WhatsApp. Reply STOP at any time to unsubscribe."
)
LINK_INTRO = N_("To link {phone}, prove it is yours (the codes expire {expires}):")
LINK_WA = N_(
    "• Preferred: open {link} and send the prepared message, or send `LINK {code}` to "
    "{number} on WhatsApp."
)
LINK_CODE_SENT = N_("• Or enter the code we just sent to your WhatsApp with /whatsapp verify.")
LINK_NO_WAY = N_(
    "• No code could be sent to your number right now; use the WhatsApp link above, or try "
    "again later."
)
VERIFIED = N_("Linked: {phone}. You will get competition messages on WhatsApp in {language}.")
UNLINKED = N_("Unlinked {phone}. It gets no more messages; pending ones were cancelled.")
LANGUAGE_SET = N_("WhatsApp messages to {phone} will now be in {language}.")
LANGUAGE_NAMES = {"en": N_("English"), "zh_CN": N_("Simplified Chinese")}


class WhatsAppCog(commands.Cog):
    """Linking a WhatsApp number."""

    whatsapp = app_commands.Group(
        name="whatsapp", description="Get competition messages on WhatsApp", guild_only=True
    )

    def __init__(self, bot: PodiumBot) -> None:
        self.bot = bot

    def _t(
        self, interaction: discord.Interaction[PodiumBot], message: str, **params: object
    ) -> str:
        return self.bot.catalogs.gettext(interaction_locale(interaction), message, **params)

    @whatsapp.command(name="link", description="Link your WhatsApp number")
    @app_commands.describe(phone="Your number with country code, e.g. +8613812345678")
    async def link(self, interaction: discord.Interaction[PodiumBot], phone: str) -> None:
        """Show the consent wording and the two ways to prove the number."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        consent = self._t(interaction, CONSENT, competition=self.bot.competition.competition.name)
        started = await self.bot.services.whatsapp.start_link(
            user_id=interaction.user.id,
            phone=phone[:40],
            language=interaction_locale(interaction),
            consent_text=consent,
        )
        lines = [
            consent,
            "",
            self._t(
                interaction,
                LINK_INTRO,
                phone=started.phone_e164,
                expires=discord_timestamp(started.expires_at, "R"),
            ),
        ]
        if started.wa_link:
            number = self.bot.services.whatsapp.bot_number or ""
            lines.append(
                self._t(
                    interaction,
                    LINK_WA,
                    link=started.wa_link,
                    code=started.link_code,
                    number=number,
                )
            )
        lines.append(self._t(interaction, LINK_CODE_SENT if started.code_sent else LINK_NO_WAY))
        await send_ephemeral(interaction, "\n".join(lines))

    @whatsapp.command(name="verify", description="Enter the code sent to your WhatsApp")
    @app_commands.describe(code="The 6-digit code")
    async def verify(self, interaction: discord.Interaction[PodiumBot], code: str) -> None:
        """Check the code; on success the number is linked with the recorded consent."""
        linked = await self.bot.services.whatsapp.verify(
            user_id=interaction.user.id, code=code[:12]
        )
        language = self._t(interaction, LANGUAGE_NAMES.get(linked.language, linked.language))
        await send_ephemeral(
            interaction, self._t(interaction, VERIFIED, phone=linked.phone_e164, language=language)
        )

    @whatsapp.command(name="unlink", description="Stop WhatsApp messages and unlink your number")
    async def unlink(self, interaction: discord.Interaction[PodiumBot]) -> None:
        """Unlink the number; pending messages are cancelled at once."""
        gone = await self.bot.services.whatsapp.unlink(user_id=interaction.user.id)
        await send_ephemeral(interaction, self._t(interaction, UNLINKED, phone=gone.phone_e164))

    @whatsapp.command(name="language", description="Choose the language of your WhatsApp messages")
    @app_commands.describe(language="English or Simplified Chinese")
    @app_commands.choices(
        language=[
            app_commands.Choice(name="English", value="en"),
            app_commands.Choice(name="简体中文", value="zh_CN"),
        ]
    )
    async def language(
        self, interaction: discord.Interaction[PodiumBot], language: app_commands.Choice[str]
    ) -> None:
        """Set the language WhatsApp messages to the member's number use."""
        changed = await self.bot.services.whatsapp.set_language(
            user_id=interaction.user.id, language=language.value
        )
        name = self._t(interaction, LANGUAGE_NAMES[changed.language])
        await send_ephemeral(
            interaction,
            self._t(interaction, LANGUAGE_SET, phone=changed.phone_e164, language=name),
        )
