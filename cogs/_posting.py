"""Sending a claimed post once (the Discord side of ``bot.services.posts``).

``send_once`` sends with the post's nonce, so Discord answers a repeat within its nonce
window with the message it already made. A claim that a dead process left longer ago than
that window is first looked for in the channel: a message by the bot, created after the
claim, carrying the nonce or the same content and embed.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.services.posts import Delivery

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

#: How long Discord is trusted to deduplicate a nonce. Discord says "the past few minutes";
#: a claim older than this is looked for in the channel before it is sent again.
NONCE_WINDOW = dt.timedelta(minutes=2)
#: Our clock and Discord's may differ a little: look this much before the claim too.
CLOCK_MARGIN = dt.timedelta(minutes=1)
HISTORY_LIMIT = 100


def _embed_key(embed: discord.Embed) -> tuple[str | None, str | None, str | None]:
    return (embed.title, embed.description, embed.footer.text)


def same_post(message: discord.Message, content: str | None, embed: discord.Embed | None) -> bool:
    """Whether ``message`` shows what a post of ``content`` and ``embed`` would show."""
    if (message.content or "") != (content or ""):
        return False
    if embed is None:
        return not message.embeds
    return bool(message.embeds) and _embed_key(message.embeds[0]) == _embed_key(embed)


async def find_earlier(
    bot: PodiumBot,
    channel: discord.abc.Messageable,
    delivery: Delivery,
    *,
    content: str | None,
    embed: discord.Embed | None,
) -> discord.Message | None:
    """The bot's message for this post, if one was created after its claim."""
    me = bot.user
    after = delivery.claimed_at - CLOCK_MARGIN
    try:
        async for message in channel.history(limit=HISTORY_LIMIT, after=after, oldest_first=True):
            if me is not None and message.author.id != me.id:
                continue
            if message.nonce == delivery.nonce or same_post(message, content, embed):
                return message
    except discord.HTTPException as exc:
        log.warning(
            "cannot read the history to find a post nonce=%s status=%s", delivery.nonce, exc.status
        )
    return None


async def send_once(
    bot: PodiumBot,
    channel: discord.abc.Messageable,
    delivery: Delivery,
    *,
    content: str | None = None,
    embed: discord.Embed | None = None,
    **kwargs: Any,
) -> discord.Message:
    """Send a claimed post (``kwargs`` as for ``send``) with its nonce, or return the
    message a dead process already sent for it (see the module docstring)."""
    if delivery.resumed and bot.services.clock.now() - delivery.claimed_at > NONCE_WINDOW:
        found = await find_earlier(bot, channel, delivery, content=content, embed=embed)
        if found is not None:
            log.info("post found in the channel nonce=%s message=%s", delivery.nonce, found.id)
            return found
    if embed is not None:
        kwargs["embed"] = embed
    return await channel.send(content, nonce=delivery.nonce, **kwargs)
