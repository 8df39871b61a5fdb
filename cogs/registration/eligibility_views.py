"""The approval queue's embed, its Approve / Reject buttons, the reason modal, and the DM
that tells a member how their proof was decided."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.calendar import discord_timestamp
from bot.i18n import N_
from bot.interactions import PersistentButton, interaction_locale, reply_error, send_ephemeral
from bot.services.publications import Publication
from bot.services.registration import Decision, Proof
from cogs._publisher import Rendered, Renderer
from cogs._ui import esc, require_organizer, tr

if TYPE_CHECKING:
    from bot.app import PodiumBot

QUEUE_TITLE = N_("Eligibility proofs waiting")
QUEUE_EMPTY = N_("No proof is waiting for a decision.")
QUEUE_LINE = N_("**#{id}** <@{member}> · {track} · [{file}]({url}) · {time}")
QUEUE_FOOTER = N_("{shown} of {total} waiting, oldest first")
APPROVE = N_("Approve #{id}")
REJECT = N_("Reject #{id}")
APPROVED = N_("Proof #{id} approved: <@{member}> is eligible for {track} and gets a DM.")
REJECTED = N_("Proof #{id} rejected: <@{member}> gets a DM with your reason.")
REASON_TITLE = N_("Reject proof #{id}")
REASON_LABEL = N_("Reason (the member reads it)")
DM_APPROVED = N_(
    "Your proof for the {track} track was approved: you are eligible for it. Your team "
    "can now enter it."
)
DM_REJECTED = N_(
    "Your proof for the {track} track was not approved. Reason: {reason}\n"
    "You can upload another one with /eligibility proof."
)

#: Proofs shown per queue message: one row of buttons each, 5 rows at most.
QUEUE_SIZE = 5


def queue_message(
    bot: PodiumBot, locale: str, proofs: list[Proof], total: int
) -> tuple[discord.Embed, discord.ui.View]:
    """The queue embed and a row of Approve / Reject buttons per proof."""
    embed = discord.Embed(title=tr(bot, locale, QUEUE_TITLE), colour=discord.Colour.orange())
    view = discord.ui.View(timeout=None)
    if not proofs:
        embed.description = tr(bot, locale, QUEUE_EMPTY)
        return embed, view
    lines = []
    for row, proof in enumerate(proofs[:QUEUE_SIZE]):
        lines.append(
            tr(
                bot,
                locale,
                QUEUE_LINE,
                id=proof.id,
                member=proof.user_id,
                track=bot.competition.track(proof.track).name.get(locale),
                file=esc(proof.filename[:60]).replace("]", ""),
                url=proof.url.replace(")", "%29"),
                time=discord_timestamp(proof.submitted_at, "R"),
            )
        )
        view.add_item(ProofButton("approve", proof.id, tr(bot, locale, APPROVE, id=proof.id), row))
        view.add_item(ProofButton("reject", proof.id, tr(bot, locale, REJECT, id=proof.id), row))
    embed.description = "\n".join(lines)[:4096]
    embed.set_footer(
        text=tr(bot, locale, QUEUE_FOOTER, shown=min(len(proofs), QUEUE_SIZE), total=total)
    )
    return embed, view


class ProofButton(
    PersistentButton, template=r"podium:eligibility:(?P<action>approve|reject):(?P<id>\d{1,18})"
):
    """Approve or Reject a proof in the queue (organizers only; works after a restart)."""

    def __init__(self, action: str, proof_id: int, label: str = "", row: int | None = None) -> None:
        super().__init__(
            custom_id=f"podium:eligibility:{action}:{proof_id}",
            label=(label or action)[:80],
            style=discord.ButtonStyle.success
            if action == "approve"
            else discord.ButtonStyle.danger,
            row=row,
        )
        self.action = action
        self.proof_id = proof_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> ProofButton:
        """The button of the action and proof in the custom id."""
        return cls(match["action"], int(match["id"]))

    async def pressed(self, bot: PodiumBot, interaction: discord.Interaction[Any]) -> None:
        """Approve at once; Reject asks for the reason first."""
        await require_organizer(interaction)
        if self.action == "reject":
            proof = await bot.services.eligibility.get_proof(self.proof_id)
            await interaction.response.send_modal(
                RejectModal(bot, interaction_locale(interaction), proof.id)
            )
            return
        decision = await bot.services.eligibility.approve(
            actor_id=interaction.user.id, proof_id=self.proof_id
        )
        # The member's DM is the decision's job, stored with it and armed by the service.
        await send_ephemeral(
            interaction, decided_text(bot, interaction_locale(interaction), decision)
        )


def decided_text(bot: PodiumBot, locale: str, decision: Decision) -> str:
    """What the organizer who decided is told."""
    if decision.approved:
        track = bot.competition.track(decision.track).name.get(locale)
        return tr(bot, locale, APPROVED, id=decision.proof_id, member=decision.user_id, track=track)
    return tr(bot, locale, REJECTED, id=decision.proof_id, member=decision.user_id)


class RejectModal(discord.ui.Modal):
    """Asks the organizer for the reason of a rejection."""

    def __init__(self, bot: PodiumBot, locale: str, proof_id: int) -> None:
        super().__init__(
            title=tr(bot, locale, REASON_TITLE, id=proof_id)[:45],
            custom_id=f"podium:eligibility:reason:{proof_id}",
            timeout=900,
        )
        self.bot = bot
        self.proof_id = proof_id
        self.reason: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=tr(bot, locale, REASON_LABEL)[:45],
            custom_id="reason",
            style=discord.TextStyle.paragraph,
            max_length=500,
        )
        self.add_item(self.reason)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        """Reject with the reason, tell the organizer and DM the member."""
        await require_organizer(interaction)
        decision = await self.bot.services.eligibility.reject(
            actor_id=interaction.user.id, proof_id=self.proof_id, reason=str(self.reason.value)
        )
        locale = interaction_locale(interaction)
        await send_ephemeral(interaction, decided_text(self.bot, locale, decision))

    async def on_error(  # type: ignore[override]  # discord.py: Modal narrows View's
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        """Every failure gets the localized ephemeral reply."""
        await reply_error(self.bot, interaction, error)


class DecisionRenderer(Renderer):
    """The DM of a decision, in the member's language."""

    def __init__(self, bot: PodiumBot) -> None:
        super().__init__()
        self.bot = bot

    async def render(
        self, publication: Publication, channel: discord.abc.Messageable
    ) -> Rendered | None:
        """Approved, or rejected with the reason."""
        decision: Decision = publication.data
        locale = decision.locale
        track = self.bot.competition.track(decision.track).name.get(locale)
        if decision.approved:
            return Rendered(content=tr(self.bot, locale, DM_APPROVED, track=track))
        text = tr(self.bot, locale, DM_REJECTED, track=track, reason=esc(decision.reason or ""))
        return Rendered(content=text[:2000])
