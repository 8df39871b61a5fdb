"""Posts a job hands to Discord, described without Discord: ``Publication`` and ``Publisher``.

A service's job handler returns publications; the scheduler hands each batch to the one
publisher registered with it (``cogs._publisher``), which claims the post's key in the
journal of posts (``bot.services.posts``), renders it with the renderer its feature cog
registered for its ``kind``, and sends it once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Publication:
    """One post to make once: its journal key, where it goes and what it shows.

    Where: a ``channel_id``, else a ``resource`` key recorded by /admin setup (e.g.
    ``channel:leaderboard``), else a DM to the member ``user_id``. What: ``kind`` names the
    renderer, ``data`` is the plain data it renders (a ``Board``, an ``Occurrence``, …).
    ``per_channel``: ``key`` names an occurrence posted to several channels, and the journal
    key of this post is ``<key>:channel:<channel id>`` (``posts.target_key``).
    """

    key: str
    kind: str
    data: Any = None
    channel_id: int | None = None
    resource: str | None = None
    per_channel: bool = False
    user_id: int | None = None


class Publisher(Protocol):
    """Posts publications to Discord, each at most once (see the module docstring)."""

    async def publish(self, publications: Sequence[Publication]) -> list[str]:
        """Post each publication once, in order; returns what happened to each
        (``posted``, ``recovered``, ``empty``, ``done``, ``no-channel``, ``failed``)."""
        ...
