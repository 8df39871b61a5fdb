"""Members: what every feature shares about a person (name, locale, cohort, join time)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bot.clock import Clock
from bot.i18n import normalize_locale
from storage.engine import Database
from storage.queries import members as member_queries
from storage.queries.members import MemberRow

#: How stale ``last_seen_at`` may get before an interaction refreshes it. Every
#: interaction would otherwise cost a write, doubling the write load of a voting burst.
SEEN_REFRESH = dt.timedelta(minutes=10)


@dataclass(slots=True)
class MemberService:
    """Keeps the members table current as people interact with the bot."""

    db: Database
    clock: Clock
    _written: dict[int, tuple[tuple[object, ...], dt.datetime]] = field(default_factory=dict)

    def forget(self, user_id: int) -> None:
        """Forget that ``user_id``'s facts were written recently (after their data was
        erased), so their next interaction records them again."""
        self._written.pop(user_id, None)

    async def seen(
        self,
        *,
        user_id: int,
        display_name: str,
        locale: str | None,
        account_created_at: dt.datetime | None = None,
        joined_guild_at: dt.datetime | None = None,
    ) -> bool:
        """Record that the member interacted now; returns True when a row was written.

        A change of name, locale or join time is written at once; otherwise ``last_seen_at``
        is refreshed at most every ``SEEN_REFRESH``.
        """
        now = self.clock.now()
        facts = (display_name[:100], normalize_locale(locale), account_created_at, joined_guild_at)
        previous = self._written.get(user_id)
        if previous is not None and previous[0] == facts and now - previous[1] < SEEN_REFRESH:
            return False
        async with self.db.write() as conn:
            await member_queries.upsert_seen(
                conn,
                user_id=user_id,
                display_name=facts[0],
                locale=facts[1],
                account_created_at=account_created_at,
                joined_guild_at=joined_guild_at,
                now=now,
            )
        self._written[user_id] = (facts, now)
        return True

    async def get(self, user_id: int) -> MemberRow | None:
        """The member's row, or None if the bot has never seen them."""
        async with self.db.read() as conn:
            return await member_queries.get(conn, user_id)
