"""The WhatsApp outbox: features hand messages to the relay here, never to Twilio directly.

Enqueueing is idempotent per (occurrence, subscriber), so a job that runs twice (a restart
mid-way, a catch-up at start) queues each message once. The relay worker sends what is
queued; until WhatsApp is configured, rows simply wait.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.clock import Clock
from bot.config import CompetitionConfig
from storage.engine import Database
from storage.queries import outbox as outbox_queries


@dataclass(slots=True)
class OutboxService:
    """Queues WhatsApp messages for an audience of subscribers."""

    db: Database
    clock: Clock
    competition: CompetitionConfig

    async def enqueue(
        self,
        *,
        occurrence_key: str,
        kind: str,
        texts: Mapping[str, str],
        variables: Mapping[str, Mapping[str, Any]] | None = None,
        cohort: str | None = None,
        track: str | None = None,
    ) -> int:
        """Queue ``texts`` (per language) for the audience; returns how many rows were added.

        ``kind`` picks the WhatsApp template used outside the 24-hour window
        (``reminder``, ``broadcast``, ``leaderboard``); ``variables`` are its values per
        language. Audience: everyone, or one cohort, or one track (this season).
        """
        if "en" not in texts:
            raise ValueError("an English text is required (the fallback language)")
        audience = outbox_queries.audience_subscribers(
            season=self.competition.competition.season, cohort=cohort, track=track
        )
        async with self.db.write() as conn:
            return await outbox_queries.enqueue(
                conn,
                occurrence_key=occurrence_key,
                kind=kind,
                texts=texts,
                variables=variables or {},
                audience=audience,
                now=self.clock.now(),
            )
