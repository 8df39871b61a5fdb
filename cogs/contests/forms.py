"""Forms (modals) that keep working across restarts: each is sent without being kept in
memory, and its submission is routed by its custom id (as a ``PersistentButton`` is), so a
form opened before a restart is still answered after it, and an abandoned one costs nothing."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord

from bot.interactions import reply_error

if TYPE_CHECKING:
    from bot.app import PodiumBot

FormHandler = Callable[
    ["PodiumBot", discord.Interaction[Any], re.Match[str], Mapping[str, str]], Awaitable[None]
]


@dataclass(frozen=True, slots=True)
class FormRoute:
    """Submissions whose custom id matches ``template`` go to ``handler`` with the match and
    the text inputs' values by custom id."""

    template: re.Pattern[str]
    handler: FormHandler


def form_values(components: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The submitted text inputs by custom id (in action rows or labels)."""
    values: dict[str, str] = {}
    for component in components:
        if component.get("type") == 1:
            values.update(form_values(component.get("components") or []))
        elif component.get("type") == 18 and component.get("component"):
            values.update(form_values([component["component"]]))
        elif component.get("custom_id") is not None:
            values[str(component["custom_id"])] = str(component.get("value") or "")
    return values


async def send_form(interaction: discord.Interaction[Any], modal: discord.ui.Modal) -> None:
    """Show ``modal`` without keeping it: ``dispatch_form`` answers its submission."""
    modal.stop()  # a finished modal is not stored by discord.py
    await interaction.response.send_modal(modal)


async def dispatch_form(
    bot: PodiumBot, interaction: discord.Interaction[Any], routes: Sequence[FormRoute]
) -> bool:
    """Answer a modal submission whose custom id one of ``routes`` matches; every failure
    gets the localized ephemeral reply. False when no route matches (not ours)."""
    if interaction.type is not discord.InteractionType.modal_submit or not interaction.data:
        return False
    custom_id = str(interaction.data.get("custom_id") or "")
    for route in routes:
        match = route.template.fullmatch(custom_id)
        if match is None:
            continue
        values = form_values(interaction.data.get("components") or [])  # type: ignore[arg-type]
        try:
            await route.handler(bot, interaction, match, values)
        except Exception as exc:
            await reply_error(bot, interaction, exc)
        return True
    return False
