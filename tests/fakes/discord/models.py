"""What the fake Discord records: REST calls, and the bot's answers to an interaction."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

EPHEMERAL = 1 << 6

#: How long a test waits by default for the bot to answer or for state to arrive. Only a
#: failing test waits this long; a loaded CI machine (two workers, real processes) can take
#: more than ten seconds for one interaction.
WAIT_LIMIT = 30.0


@dataclass
class RecordedRequest:
    """One REST call the client made."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    status: int = 0


@dataclass
class InteractionResult:
    """What the bot sent back for one interaction."""

    interaction_id: int
    token: str
    response: dict[str, Any] | None = None
    followups: list[dict[str, Any]] = field(default_factory=list)
    edits: list[dict[str, Any]] = field(default_factory=list)
    _responded: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    _changed: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    @property
    def response_type(self) -> int | None:
        """The callback type (4 message, 5 deferred, 6 deferred update, 7 update, 8 choices…)."""
        return None if self.response is None else int(self.response["type"])

    @property
    def ephemeral(self) -> bool:
        """True when the response (or, for a deferral, the deferral) was ephemeral."""
        if self.response is None:
            return False
        data = self.response.get("data") or {}
        return bool(int(data.get("flags", 0) or 0) & EPHEMERAL)

    @property
    def final_message(self) -> dict[str, Any]:
        """The last visible message: the newest edit, else followup, else the response."""
        if self.edits:
            return self.edits[-1]
        if self.followups:
            return self.followups[-1]
        return (self.response or {}).get("data") or {}

    @property
    def content(self) -> str:
        """The plain content of the final message."""
        return str(self.final_message.get("content") or "")

    @property
    def text(self) -> str:
        """Content plus every embed's title, description, fields and footer, one per line."""
        return message_text(self.final_message)

    async def wait_for_followup(self, timeout: float = WAIT_LIMIT) -> dict[str, Any]:
        """The first followup message, waiting for it if needed."""
        async with asyncio.timeout(timeout):
            while not self.followups:
                self._changed.clear()
                await self._changed.wait()
        return self.followups[0]

    async def wait_until_answered(self, timeout: float = WAIT_LIMIT) -> None:
        """Until the callback came, and for a deferral until the followup or edit came."""
        async with asyncio.timeout(timeout):
            await self._responded.wait()
            while self.response_type == 5 and not (self.followups or self.edits):
                self._changed.clear()
                await self._changed.wait()


def message_text(message: dict[str, Any]) -> str:
    """Content and embed text of a message payload, joined with newlines."""
    parts = [str(message.get("content") or "")]
    for embed in message.get("embeds") or []:
        parts += [str(embed.get("title") or ""), str(embed.get("description") or "")]
        for embed_field in embed.get("fields") or []:
            parts += [str(embed_field.get("name") or ""), str(embed_field.get("value") or "")]
        parts.append(str((embed.get("footer") or {}).get("text") or ""))
    return "\n".join(part for part in parts if part)
