"""The question the team service asks before a team enters a track: may these members?"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection


class TrackGate(Protocol):
    """Raises a ``PodiumError`` (e.g. the eligibility service's ``TeamNotEligible``) when
    ``user_ids`` may not together form a team in ``track``; reads inside ``conn``."""

    async def check_entry(
        self, conn: AsyncConnection, *, track: str, user_ids: Sequence[int]
    ) -> None: ...
