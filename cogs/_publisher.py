"""The one Discord publisher: posts the publications jobs return, each exactly once.

For each publication: claim its key in the journal of posts (``bot.services.posts``),
resolve its channel (``get_channel``, else ``fetch_channel``: a process without a gateway
cache still posts), render it with the renderer the feature cog registered for its
``kind``, send it with its nonce (``cogs._posting.send_once``) and record the outcome. A
post that fails is recorded as failed, so a later claim of it gets ``new`` and sends again.
A DM (``user_id``) is claimed before its member is looked up (``get_user``, else
``fetch_user``): a member who cannot be found is recorded as a failed post.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import discord

from bot.services.posts import Delivery, target_key
from bot.services.publications import Publication
from cogs._posting import send_once

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

POSTED = "posted"
RECOVERED = "recovered"
EMPTY = "empty"
DONE = "done"
NO_CHANNEL = "no-channel"
FAILED = "failed"


@dataclass(slots=True)
class Rendered:
    """A post as Discord gets it: ``kwargs`` as for ``send`` (files, view, mentions)."""

    content: str | None = None
    embed: discord.Embed | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)


class Renderer(ABC):
    """How a feature's publications of one ``kind`` look, and what follows their post.

    The defaults: a missing channel is logged and the post is not claimed; a failed send is
    recorded as failed and the next publication goes on.
    """

    #: Claim the post even when its channel is missing (recorded as failed: a later try
    #: posts it), instead of leaving it unclaimed.
    claim_without_channel = False
    #: What the journal records for a claimed post whose channel is missing.
    no_channel_error = "no channel"
    #: A failed send fails the job (after recording it) instead of going on.
    raise_failures = False
    #: Post one publication of this kind at a time in this process, each caller waiting for
    #: the one before. Off by default: the journal's claim already answers a second caller
    #: of the same post (BUSY, nothing sent), and a slow post must not hold up others.
    serialize = False

    def __init__(self) -> None:
        self.lock = asyncio.Lock()

    @abstractmethod
    async def render(
        self, publication: Publication, channel: discord.abc.Messageable
    ) -> Rendered | None:
        """The post, or None when there is nothing to post (recorded as done); each
        feature's renderer says how its kind looks."""

    async def find(self, publication: Publication, channel: discord.abc.Messageable) -> int | None:
        """For a claim a dead process left: the id of its message if it is in the channel
        already (beyond what ``send_once`` looks for)."""
        return None

    async def posted(
        self, publication: Publication, message_id: int, *, recovered: bool = False
    ) -> None:
        """Called once the post is in the channel (``recovered``: found there after a
        crash), before it is recorded."""
        return None  # an optional hook: nothing by default

    async def no_channel(self, publication: Publication) -> None:
        """Called when the publication's channel is missing (logged by default)."""
        log.warning(
            "no channel for a post key=%s resource=%s (run /admin setup)",
            publication.key,
            publication.resource,
        )

    async def failed(self, publication: Publication, exc: Exception) -> None:
        """Called when Discord refused the post, before it is recorded as failed."""
        return None  # an optional hook: nothing by default

    async def after(self, outcomes: list[tuple[Publication, str]]) -> None:
        """Called after a batch with what happened to each of its publications."""
        return None  # an optional hook: nothing by default

    def error_text(self, exc: Exception) -> str:
        """What the journal records of a failed send."""
        if isinstance(exc, discord.HTTPException):
            return f"Discord {exc.status}"
        return type(exc).__name__


class DiscordPublisher:
    """Posts publications through the renderers registered per kind (module docstring)."""

    def __init__(self, bot: PodiumBot) -> None:
        self.bot = bot
        self._renderers: dict[str, Renderer] = {}

    def register(self, kind: str, renderer: Renderer) -> None:
        """Render the publications of ``kind`` with ``renderer`` (one per kind)."""
        if kind in self._renderers:
            raise ValueError(f"a renderer for {kind!r} is already registered")
        self._renderers[kind] = renderer

    def unregister(self, kind: str) -> None:
        """Forget the renderer of ``kind`` (its cog was unloaded)."""
        self._renderers.pop(kind, None)

    async def publish(self, publications: Sequence[Publication]) -> list[str]:
        """Post each publication once, in order (see the module docstring); a renderer with
        ``raise_failures`` lets a failed send propagate after it is recorded."""
        if not publications:
            return []
        await self.bot.wait_until_ready()
        outcomes: list[tuple[Publication, str]] = []
        by_kind: dict[str, list[tuple[Publication, str]]] = {}
        try:
            for publication in publications:
                renderer = self._renderers.get(publication.kind)
                if renderer is None:
                    raise LookupError(f"no renderer for publication kind {publication.kind!r}")
                if renderer.serialize:
                    async with renderer.lock:
                        outcome = await self._publish_one(renderer, publication)
                else:
                    outcome = await self._publish_one(renderer, publication)
                outcomes.append((publication, outcome))
                by_kind.setdefault(publication.kind, []).append((publication, outcome))
        finally:
            for kind, done in by_kind.items():
                await self._renderers[kind].after(done)
        return [outcome for _publication, outcome in outcomes]

    async def channel(self, publication: Publication) -> discord.abc.Messageable | None:
        """Where the publication goes: its channel, or the one recorded for its resource."""
        channel_id = publication.channel_id
        if channel_id is None and publication.resource is not None:
            channel_id = (await self.bot.services.setup.resource_ids()).get(publication.resource)
        if channel_id is None:
            return None
        channel = self.bot.get_channel(channel_id)
        if channel is None:
            try:
                channel = await self.bot.fetch_channel(channel_id)
            except discord.HTTPException as exc:
                log.warning("channel not found channel=%s status=%s", channel_id, exc.status)
                return None
        return channel if isinstance(channel, discord.abc.Messageable) else None

    async def _publish_one(self, renderer: Renderer, publication: Publication) -> str:
        posts = self.bot.services.posts
        channel: discord.abc.Messageable | None = None
        if not renderer.claim_without_channel and publication.user_id is None:
            channel = await self.channel(publication)
            if channel is None:
                await renderer.no_channel(publication)
                return NO_CHANNEL
        key = publication.key
        if publication.per_channel:
            if channel is None:  # pragma: no cover - a renderer's setting
                raise ValueError("a post per channel needs its channel before its claim")
            key = target_key(key, f"channel:{getattr(channel, 'id', None)}")
        delivery = await posts.claim(key)
        if not delivery.to_send:
            return DONE
        if publication.user_id is not None:
            try:
                channel = self.bot.get_user(publication.user_id) or await self.bot.fetch_user(
                    publication.user_id
                )
            except discord.HTTPException as exc:
                return await self._failed(renderer, publication, delivery, exc)
        if channel is None:
            channel = await self.channel(publication)
            if channel is None:
                await renderer.no_channel(publication)
                await posts.finish(delivery, channel_id=None, error=renderer.no_channel_error)
                return NO_CHANNEL
        channel_id = _journal_channel(publication, channel)
        if delivery.resumed:
            found = await renderer.find(publication, channel)
            if found is not None:
                await renderer.posted(publication, found, recovered=True)
                await posts.finish(delivery, channel_id=channel_id, message_id=found)
                return RECOVERED
        return await self._send(renderer, publication, channel, delivery)

    async def _send(
        self,
        renderer: Renderer,
        publication: Publication,
        channel: discord.abc.Messageable,
        delivery: Delivery,
    ) -> str:
        posts = self.bot.services.posts
        channel_id = _journal_channel(publication, channel)
        try:
            rendered = await renderer.render(publication, channel)
            if rendered is None:
                await posts.finish(delivery, channel_id=None)
                return EMPTY
            message = await send_once(
                self.bot,
                channel,
                delivery,
                content=rendered.content,
                embed=rendered.embed,
                **rendered.kwargs,
            )
        except Exception as exc:
            if not renderer.raise_failures and not isinstance(exc, discord.HTTPException):
                raise
            return await self._failed(renderer, publication, delivery, exc, channel_id)
        await renderer.posted(publication, message.id)
        await posts.finish(delivery, channel_id=channel_id, message_id=message.id)
        return POSTED

    async def _failed(
        self,
        renderer: Renderer,
        publication: Publication,
        delivery: Delivery,
        exc: Exception,
        channel_id: int | None = None,
    ) -> str:
        await renderer.failed(publication, exc)
        await self.bot.services.posts.finish(
            delivery, channel_id=channel_id, error=renderer.error_text(exc)
        )
        if renderer.raise_failures:
            raise exc
        return FAILED


def _journal_channel(publication: Publication, channel: discord.abc.Messageable) -> int | None:
    """The channel the journal records for a post: none for a DM."""
    if publication.user_id is not None:
        return None
    return getattr(channel, "id", None)
