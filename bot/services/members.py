"""Members: what every feature shares about a person (name, locale, cohort, join time)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.clock import Clock
from bot.i18n import normalize_locale
from storage.engine import Database
from storage.queries import members as member_queries
from storage.queries.members import MemberRow


@dataclass(slots=True)
class MemberService:
    """Keeps the members table current as people interact with the bot."""

    db: Database
    clock: Clock

    async def seen(
        self,
        *,
        user_id: int,
        display_name: str,
        locale: str | None,
        account_created_at: dt.datetime | None = None,
        joined_guild_at: dt.datetime | None = None,
    ) -> None:
        """Record that the member interacted now, refreshing name, locale and join time."""
        async with self.db.write() as conn:
            await member_queries.upsert_seen(
                conn,
                user_id=user_id,
                display_name=display_name[:100],
                locale=normalize_locale(locale),
                account_created_at=account_created_at,
                joined_guild_at=joined_guild_at,
                now=self.clock.now(),
            )

    async def get(self, user_id: int) -> MemberRow | None:
        """The member's row, or None if the bot has never seen them."""
        async with self.db.read() as conn:
            return await member_queries.get(conn, user_id)
