"""The preview of a store-results import (counts and refused lines) and its Apply / Discard
buttons, which keep working after a restart."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from bot.i18n import N_
from bot.interactions import fit_name, interaction_locale
from bot.services.results import ImportSummary
from cogs._ui import ConfirmCancelButton, esc, tr

if TYPE_CHECKING:
    from bot.app import PodiumBot

EMBED_TITLE_LIMIT = 256
FIELD_LIMIT = 1024
SHOWN_REFUSALS = 10

PREVIEW_TITLE = N_("Results import preview: {file}")
PREVIEW_SUMMARY = N_(
    "Platform **{platform}** ({kind}). {new} new, {corrected} corrected, {unchanged} "
    "unchanged, {refused} refused."
)
KIND_ORDERS = N_("orders")
KIND_DAILY = N_("daily totals")
REFUSED_TITLE = N_("Refused lines ({count})")
REFUSED_LINE = N_("line {line}: {reason}")
REFUSED_MORE = N_("… and {count} more")
NOTHING_TO_APPLY = N_("Nothing new or corrected in this file: applying it would change nothing.")
APPLY = N_("Apply")
DISCARD = N_("Discard")
APPLIED = N_(
    "Import #{id} applied from {file}: {new} new, {corrected} corrected, {unchanged} unchanged."
)
DISCARDED = N_("Import #{id} discarded: nothing was changed.")


def preview_embed(bot: PodiumBot, summary: ImportSummary, locale: str) -> discord.Embed:
    """An import preview: what Apply would add and correct, and the first refused lines."""
    kind = tr(bot, locale, KIND_DAILY if summary.kind == "daily" else KIND_ORDERS)
    embed = discord.Embed(
        title=fit_name(
            lambda file: tr(bot, locale, PREVIEW_TITLE, file=file),
            summary.filename,
            esc,
            EMBED_TITLE_LIMIT,
        ),
        description=tr(
            bot,
            locale,
            PREVIEW_SUMMARY,
            platform=esc(summary.platform),
            kind=kind,
            new=f"{summary.rows_new:,}",
            corrected=f"{summary.rows_corrected:,}",
            unchanged=f"{summary.rows_unchanged:,}",
            refused=f"{summary.rows_refused:,}",
        ),
        colour=discord.Colour.orange() if summary.rows_refused else discord.Colour.green(),
    )
    if not summary.rows_new and not summary.rows_corrected:
        embed.add_field(name="ℹ️", value=tr(bot, locale, NOTHING_TO_APPLY), inline=False)
    if summary.refused:
        lines: list[str] = []
        for refusal in summary.refused[:SHOWN_REFUSALS]:
            line = tr(
                bot,
                locale,
                REFUSED_LINE,
                line=refusal.line,
                reason=esc(tr(bot, locale, refusal.message, **refusal.params)),
            )
            if sum(len(x) + 1 for x in lines) + len(line) > FIELD_LIMIT - 60:
                break
            lines.append(line)
        hidden = summary.rows_refused - len(lines)
        if hidden > 0:
            lines.append(tr(bot, locale, REFUSED_MORE, count=f"{hidden:,}"))
        embed.add_field(
            name=tr(bot, locale, REFUSED_TITLE, count=f"{summary.rows_refused:,}"),
            value="\n".join(lines)[:FIELD_LIMIT],
            inline=False,
        )
    embed.set_footer(text=f"#{summary.id}")
    return embed


class ResultsImportButton(ConfirmCancelButton, prefix="results-import"):
    """Applies or discards a stored results import preview (organizers only)."""

    async def confirmed(self, bot: PodiumBot, interaction: discord.Interaction[Any]) -> None:
        """Apply the preview and replace the message with the outcome."""
        await interaction.response.defer()
        done = await bot.services.results.apply(
            actor_id=interaction.user.id, import_id=int(self.subject)
        )
        text = tr(
            bot,
            interaction_locale(interaction),
            APPLIED,
            id=done.id,
            file=esc(done.filename),
            new=f"{done.rows_new:,}",
            corrected=f"{done.rows_corrected:,}",
            unchanged=f"{done.rows_unchanged:,}",
        )
        await interaction.edit_original_response(content=text, embed=None, view=None)

    async def cancelled(self, bot: PodiumBot, interaction: discord.Interaction[Any]) -> None:
        """Discard the preview and say nothing changed."""
        done = await bot.services.results.discard(
            actor_id=interaction.user.id, import_id=int(self.subject)
        )
        await interaction.response.edit_message(
            content=tr(bot, interaction_locale(interaction), DISCARDED, id=done.id),
            embed=None,
            view=None,
        )


def preview_view(bot: PodiumBot, summary: ImportSummary, locale: str) -> discord.ui.View:
    """Apply / Discard buttons (Apply only when the file adds or corrects something)."""
    useful = summary.rows_new or summary.rows_corrected
    return ResultsImportButton.pair(
        str(summary.id),
        confirm=tr(bot, locale, APPLY) if useful else None,
        cancel=tr(bot, locale, DISCARD),
    )
