"""Discord posts sent exactly once: a claim in the database before sending, a nonce per post.

Every post Podium makes on its own (broadcasts, Q&A notices, weekly boards, contest
results) is reserved in a database row before it is sent. The row gives the post a
**nonce** (``post_nonce``) that stays the same across restarts: Discord returns the message
it already created for that nonce instead of a second one, for a few minutes. A claim left
by a process that died mid-post is *resumed*: the next attempt sends with the same nonce,
and once the claim is older than Discord's nonce window, the Discord side first looks for
the message in the channel.

``PostService`` holds the one journal of these posts (``discord_posts``): one key per post,
claimed atomically, so two paths (the automatic contest close and ``/contest close``, the
weekly job and its catch-up) never post the same thing both.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import Clock
from storage.engine import Database
from storage.queries import discord_posts as q
from storage.wakeup import dead_owners

log = logging.getLogger(__name__)

NEW = "new"  # send it now
RESUME = "resume"  # a process died after claiming it: it may be in the channel already
DONE = "done"  # posted already
BUSY = "busy"  # another task of this process is posting it right now

NONCE_MAX_LENGTH = 25


def post_nonce(kind: str, row_id: int) -> str:
    """The nonce of one post: ``kind`` (a short tag per table) and the id of its row.

    Stable across restarts (it comes from the row), unique per post, at most 25 characters
    (Discord's limit).
    """
    nonce = f"{kind}.{row_id}"
    if len(nonce) > NONCE_MAX_LENGTH:
        raise ValueError(f"nonce {nonce!r} is longer than {NONCE_MAX_LENGTH} characters")
    return nonce


@dataclass(frozen=True, slots=True)
class Delivery:
    """A Discord post reserved in the database: what to do with it and how to send it."""

    state: str
    post_id: int
    nonce: str
    claimed_at: dt.datetime

    @property
    def to_send(self) -> bool:
        """True when this caller must send it (``new`` or ``resume``)."""
        return self.state in (NEW, RESUME)

    @property
    def resumed(self) -> bool:
        """True when an earlier process claimed it and may have sent it before dying."""
        return self.state == RESUME


def target_key(occurrence: str, target: str) -> str:
    """The key of one post of an occurrence that goes to several places: ``target`` is
    ``channel:<id>`` or ``dm:<user id>``."""
    return f"{occurrence}:{target}"


async def _alive(conn: AsyncConnection, owner: str | None, own: str) -> bool:
    """Whether the process that made a claim still runs: its mark is a lease key whose
    lease is held (``storage.wakeup.dead_owners``)."""
    if owner is None or not owner.isdigit():
        return False
    key = int(owner)
    return not await dead_owners(conn, [key], own=int(own) if own.isdigit() else None)


class PostService:
    """The journal of Discord posts (see the module docstring)."""

    def __init__(self, db: Database, clock: Clock, *, owner: str | None = None) -> None:
        self.db = db
        self.clock = clock
        #: This process's mark on its claims: its lease key (``storage.wakeup``, given by
        #: ``bootstrap``), so a claim with another process's key is taken over only once
        #: that process is gone; any other mark counts as gone (one process per database).
        self.owner = owner or secrets.token_hex(8)

    async def claim(self, key: str) -> Delivery:
        """Claim the post ``key`` (e.g. ``contest:3:results``) for this process.

        ``new``: post it. ``resume``: a dead process claimed it and may have posted it;
        post it with the same nonce (or find it). ``done``: it is posted. ``busy``: another
        task of this process is posting it. Atomic: of two callers, one gets ``new``.
        """
        now = self.clock.now()
        async with self.db.write() as conn:
            created = await q.insert_claim(conn, key=key, owner=self.owner, now=now)
            row = await q.get(conn, key)
            if row is None:  # pragma: no cover - the insert above guarantees a row
                raise LookupError(key)
            if created:
                state = NEW
            elif row.status == q.POSTED:
                state = DONE
            elif row.owner == self.owner and row.status == q.CLAIMED:
                state = BUSY
            elif row.status == q.CLAIMED and await _alive(conn, row.owner, self.owner):
                state = BUSY  # another live process (a second worker) is posting it
            elif await q.take_over(
                conn, row.id, status=row.status, owner=row.owner, new_owner=self.owner
            ):
                state = RESUME if row.status == q.CLAIMED else NEW
            else:
                state = BUSY
        return Delivery(state, row.id, row.nonce or post_nonce("dp", row.id), row.claimed_at)

    async def finish(
        self,
        delivery: Delivery,
        *,
        channel_id: int | None,
        message_id: int | None = None,
        error: str | None = None,
    ) -> None:
        """Record the post (its message) or why it failed (it may be claimed again)."""
        async with self.db.write() as conn:
            await q.finish(
                conn,
                delivery.post_id,
                channel_id=channel_id,
                message_id=message_id,
                error=error,
                now=self.clock.now(),
            )

    async def statuses(self, prefix: str) -> dict[str, str]:
        """Status (``claimed``, ``posted``, ``failed``) per key of the posts whose key starts
        with ``prefix``."""
        async with self.db.read() as conn:
            return await q.statuses(conn, prefix)
