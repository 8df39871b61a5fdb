"""How the fake Discord treats a created message: nonces, role mentions, held responses.

Kept apart from ``routes/messages.py`` so the message route stays small; ``FakeDiscord``
owns one ``MessageRules`` as ``fake.posting``.

- **Nonces** (Create Message): a ``nonce`` (integer, or a string of at most 25 characters)
  comes back in the created message (the response and MESSAGE_CREATE) but is not stored:
  fetched messages have none. With ``enforce_nonce: true``, a nonce the same author used in
  the same channel within the last few minutes (``nonce_window``) returns that earlier
  message (200) and creates nothing.
- **Role mentions**: ``mention_roles`` lists a role mentioned in the content only when
  ``allowed_mentions`` lets it through (absent: every mention) and the role is mentionable
  or the author holds Mention Everyone (or Administrator).
- **Held responses** (tests of crashes): ``hold(channel_id)`` lets the next message to that
  channel be created, then keeps the HTTP response back until the test releases it, so a
  test can kill the bot after Discord accepted a post and before the bot heard of it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
from dataclasses import dataclass, field
from typing import Any

#: Discord: "checked for uniqueness in the past few minutes".
DEFAULT_NONCE_WINDOW = dt.timedelta(minutes=5)
NONCE_MAX_LENGTH = 25
MENTION_EVERYONE = 1 << 17
ADMINISTRATOR = 1 << 3
ROLE_MENTION = re.compile(r"<@&(\d+)>")


@dataclass
class Hold:
    """One held Create Message response: ``created`` is set once Discord stored the message;
    the response goes out when ``release()`` is called."""

    channel_id: int
    created: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)
    message: dict[str, Any] | None = None

    def release(self) -> None:
        """Let the held response go (to a client that may be gone by then)."""
        self.released.set()


def nonce_error(body: dict[str, Any]) -> dict[str, Any] | None:
    """Discord's 50035 body when ``nonce`` is neither an integer nor a short string."""
    nonce = body.get("nonce")
    if nonce is None or isinstance(nonce, int):
        return None
    if isinstance(nonce, str) and len(nonce) <= NONCE_MAX_LENGTH:
        return None
    return {
        "message": "Invalid Form Body",
        "code": 50035,
        "errors": {
            "nonce": {
                "_errors": [
                    {
                        "code": "BASE_TYPE_MAX_LENGTH",
                        "message": f"Must be {NONCE_MAX_LENGTH} or fewer in length.",
                    }
                ]
            }
        },
    }


class MessageRules:
    """Nonce memory, mention rules and held responses of one fake guild."""

    def __init__(self) -> None:
        self.nonce_window = DEFAULT_NONCE_WINDOW
        #: (channel, author, nonce) → (message id, monotonic time it was created)
        self._nonces: dict[tuple[int, int, str], tuple[int, float]] = {}
        self._holds: list[Hold] = []
        self._waiting: list[Hold] = []
        #: How many Create Message calls an enforced nonce answered with an earlier message.
        self.nonce_replays = 0

    # -- nonces -----------------------------------------------------------------------------
    def earlier(self, channel_id: int, author_id: int, body: dict[str, Any]) -> int | None:
        """The id of the message an enforced nonce points back to, if still in the window."""
        nonce = body.get("nonce")
        if nonce is None or not body.get("enforce_nonce"):
            return None
        found = self._nonces.get((channel_id, author_id, str(nonce)))
        if found is None:
            return None
        message_id, at = found
        if time.monotonic() - at > self.nonce_window.total_seconds():
            return None
        self.nonce_replays += 1
        return message_id

    def remember(
        self, channel_id: int, author_id: int, body: dict[str, Any], message_id: int
    ) -> None:
        """Note a created message's nonce (only nonces are remembered, not stored on it)."""
        nonce = body.get("nonce")
        if nonce is not None:
            self._nonces[(channel_id, author_id, str(nonce))] = (message_id, time.monotonic())

    # -- mentions ---------------------------------------------------------------------------
    @staticmethod
    def mention_roles(
        roles: dict[int, dict[str, Any]], author_permissions: int, body: dict[str, Any]
    ) -> list[str]:
        """The roles a message really mentions (see the module docstring)."""
        content = body.get("content") or ""
        allowed = body.get("allowed_mentions")
        strong = bool(author_permissions & (MENTION_EVERYONE | ADMINISTRATOR))
        found: list[str] = []
        for raw in ROLE_MENTION.findall(content):
            role = roles.get(int(raw))
            if role is None or raw in found:
                continue
            if allowed is not None and not (
                "roles" in (allowed.get("parse") or [])
                or raw in {str(r) for r in allowed.get("roles") or []}
            ):
                continue
            if role.get("mentionable") or strong:
                found.append(raw)
        return found

    # -- held responses ---------------------------------------------------------------------
    def hold(self, channel_id: int) -> Hold:
        """Hold the response to the next message created in ``channel_id``."""
        held = Hold(channel_id)
        self._holds.append(held)
        return held

    async def wait_if_held(self, channel_id: int, message: dict[str, Any]) -> None:
        """Called after a message is stored: waits while a hold for its channel applies."""
        held = next((h for h in self._holds if h.channel_id == channel_id), None)
        if held is None:
            return
        self._holds.remove(held)
        self._waiting.append(held)
        held.message = message
        held.created.set()
        try:
            await held.released.wait()
        finally:
            self._waiting.remove(held)

    def release_all(self) -> None:
        """Let every held response go (at shutdown)."""
        for held in [*self._holds, *self._waiting]:
            held.release()
        self._holds.clear()
