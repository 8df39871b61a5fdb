"""Privacy: a member's own data export, their erasure, and the organizers' CSV export.

``MEMBER_DATA`` is the registry of every table that holds a member's id or personal data,
with what erasure does to each such column; ``export`` and ``delete`` are both driven by it,
and ``tests/unit/test_privacy_coverage.py`` fails when a table of the schema holds member
data but is missing here.

Erasure keeps totals: points-ledger entries stay (their ``user_id`` becomes NULL), votes
and vote events stay under a per-erasure pseudonym (a negative number no Discord id can
be), so vote counts and the brushing history are unchanged; everything naming the person
(phone numbers, display name, consent records, codes, sessions, answers, question texts)
is removed. Phone numbers are masked everywhere except to their owner: the organizers' CSV
export (``bot.services.privacy_csv``) masks them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import Clock
from bot.config import CompetitionConfig
from bot.errors import PodiumError
from bot.i18n import N_
from bot.services import privacy_csv
from bot.services.audit import AuditService
from bot.services.members import MemberService
from bot.services.teams import MembershipChange, TeamService
from storage.engine import Database
from storage.queries import privacy as q
from storage.queries import teams as team_queries

#: What erasure does with a column that holds the member's id or personal data.
#: ``delete``: rows whose column is the member's id are deleted; ``with_row``: the value
#: goes with its row (deleted through another column); ``pseudonym``: the id becomes the
#: erasure's pseudonym; ``null``: the id becomes NULL; ``leave``: the member leaves the
#: team through TeamService's rules (other seasons' rows are deleted); ``anonymize``: the
#: subscriber row stays with its phone replaced, opted out, unlinked; ``cancel``: queued
#: messages to the member's numbers are cancelled; ``by_subscriber``: rows of the member's
#: numbers are deleted; ``scrub``: text/JSON where the id is replaced by the pseudonym;
#: ``erase_text``: the text is replaced by ``ERASED_TEXT``.
Action = Literal[
    "delete",
    "with_row",
    "pseudonym",
    "null",
    "leave",
    "anonymize",
    "cancel",
    "by_subscriber",
    "scrub",
    "erase_text",
]

#: Every table holding member data -> {column: what erasure does with it}. Order matters
#: only for ``delete`` (children first is not needed: no foreign key points at a member).
MEMBER_DATA: dict[str, dict[str, Action]] = {
    "members": {"user_id": "delete", "display_name": "with_row"},
    "team_members": {"user_id": "leave"},
    "teams": {"captain_id": "pseudonym"},
    "team_registration_locks": {"locked_by": "pseudonym"},
    "cohort_imports": {
        "actor_id": "pseudonym",
        "applied_by": "pseudonym",
        "rows": "scrub",
        "errors": "scrub",
    },
    "subscribers": {"user_id": "anonymize", "phone_e164": "anonymize"},
    "outbox": {"subscriber_id": "cancel"},
    "consent_records": {"user_id": "delete", "subscriber_id": "by_subscriber"},
    "verification_codes": {"user_id": "delete", "phone_e164": "with_row"},
    "points_ledger": {"user_id": "null", "actor_id": "pseudonym"},
    "point_imports": {
        "actor_id": "pseudonym",
        "decided_by": "pseudonym",
        "rows": "scrub",
        "errors": "scrub",
    },
    "season_closures": {"closed_by": "pseudonym"},
    "season_alumni": {"user_id": "delete"},
    "broadcasts": {"created_by": "pseudonym"},
    "contests": {"created_by": "pseudonym"},
    "submissions": {"user_id": "pseudonym"},
    "votes": {"voter_id": "pseudonym", "voided_by": "pseudonym"},
    "vote_events": {"voter_id": "pseudonym"},
    "entry_moderation": {"moderated_by": "pseudonym"},
    "entry_reports": {"user_id": "pseudonym", "text": "erase_text", "resolved_by": "pseudonym"},
    "qa_sessions": {"host_id": "pseudonym", "created_by": "pseudonym"},
    "qa_rsvps": {"user_id": "delete"},
    "qa_questions": {"asker_id": "pseudonym", "text": "erase_text", "answered_by": "pseudonym"},
    "qa_votes": {"voter_id": "pseudonym"},
    "qa_attendance": {"user_id": "pseudonym"},
    "discord_posts": {"key": "scrub"},
    "audit_log": {"actor_id": "pseudonym", "target": "scrub", "details": "scrub"},
    "activity_daily": {"user_id": "delete"},
    "nps_surveys": {"created_by": "pseudonym"},
    "nps_responses": {"user_id": "delete"},
    "web_login_tokens": {"user_id": "delete"},
    "web_sessions": {"user_id": "delete"},
    "lfg_cards": {"user_id": "delete"},
    "lfg_card_tags": {"user_id": "delete"},
    "lfg_invites": {"user_id": "delete", "captain_id": "pseudonym"},
    # capacity: the captain who checked the team in, the member who answered an offer
    "capacity_entries": {"checked_in_by": "pseudonym"},
    "capacity_offers": {"answered_by": "pseudonym"},
    "profiles": {"user_id": "delete", "answers": "with_row"},
    "profile_consents": {"user_id": "delete"},
    "eligibility_codes": {"user_id": "delete", "email": "with_row"},
    "eligibility_proofs": {"user_id": "delete", "decided_by": "pseudonym"},
    "eligibility_grants": {"user_id": "delete", "email": "with_row"},
    # judging (issue 16): a judge's record, assignments and scores are their data
    "judges": {"user_id": "delete", "email": "with_row", "created_by": "pseudonym"},
    "judging_rounds": {"created_by": "pseudonym"},
    "judging_assignments": {"judge_user_id": "delete"},
    "judging_score_sheets": {"judge_user_id": "delete"},
    # store results (issue 17): who imported a file; buyers are stored as keyed hashes only
    "results_imports": {"created_by": "pseudonym"},
    # fraud flags on store orders: the organizer who decided a flag
    "results_flags": {"decided_by": "pseudonym"},
    # progress milestones (issue 17): who reported a team's stage, who set or undid it
    "progress_events": {"reported_by": "pseudonym", "decided_by": "pseudonym"},
}

#: Tables the member's export reads and erasure handles (the coverage test checks both).
EXPORTED_TABLES: frozenset[str] = frozenset(MEMBER_DATA)
ERASED_TABLES: frozenset[str] = frozenset(
    table for table, columns in MEMBER_DATA.items() if columns
)

#: Columns never exported, even to their owner (secrets, not data about the member).
HIDDEN_COLUMNS: dict[str, frozenset[str]] = {
    "verification_codes": frozenset({"code_hash", "link_hash", "salt"}),
    "web_login_tokens": frozenset({"token_hash"}),
    "web_sessions": frozenset({"id_hash", "csrf_token"}),
    "eligibility_codes": frozenset({"code_hash", "salt"}),
    "outbox": frozenset({"body", "variables", "twilio_sid", "claimed_at", "needs_check"}),
}

#: What an erased question's text becomes (the row stays, so upvote counts stay).
ERASED_TEXT = "[erased]"

#: How often a member may download their data.
EXPORT_INTERVAL = dt.timedelta(minutes=10)


class ExportTooSoon(PodiumError):
    """The member downloaded their data less than ``EXPORT_INTERVAL`` ago."""

    message = N_(
        "You downloaded your data a moment ago. You can download it again in {minutes} minutes."
    )


class Forgetful(Protocol):
    """In-memory state keyed by member (the activity counters) that erasure must drop, and
    the stored counts whose rollups must be unwound before the rows go."""

    def forget(self, user_id: int) -> None: ...

    async def erase_counts(self, conn: AsyncConnection, user_ids: Iterable[int]) -> int: ...


@dataclass(frozen=True, slots=True)
class Erasure:
    """What ``delete`` did: the pseudonym that now stands for the member, the rows touched
    per table, the team change (None: they were in no team) and the numbers stopped."""

    pseudonym: int
    rows: tuple[tuple[str, int], ...]
    team_change: MembershipChange | None
    subscriber_ids: tuple[int, ...]

    def count(self, table: str) -> int:
        """Rows of ``table`` the erasure changed or deleted."""
        return sum(n for name, n in self.rows if name == table)


def new_pseudonym() -> int:
    """A random negative 62-bit number: unique per erasure, never a Discord id."""
    return -(secrets.randbits(62) + 1)


def _id_pattern(user_id: int) -> re.Pattern[str]:
    return re.compile(rf"(?<![\d-]){user_id}(?!\d)")


def _scrub(value: Any, pattern: re.Pattern[str], replacement: str) -> Any:
    """``value`` (text or JSON) with every standalone occurrence of the id replaced."""
    if value is None:
        return None
    if isinstance(value, str):
        return pattern.sub(replacement, value)
    return json.loads(pattern.sub(replacement, json.dumps(value)))


def _plain(value: Any) -> Any:
    """A JSON-serialisable form: datetimes and dates in ISO 8601 (datetimes in UTC)."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@dataclass(slots=True)
class PrivacyService:
    """Export and erasure of one member's data, and the organizers' CSV export."""

    db: Database
    clock: Clock
    competition: CompetitionConfig
    audit: AuditService
    teams: TeamService
    members: MemberService
    #: In-memory per-member state to drop on erasure (the activity counters), optional.
    activity: Forgetful | None = None
    _last_export: dict[int, dt.datetime] = field(default_factory=dict)

    # -- the member's own export ------------------------------------------------------

    async def export(self, user_id: int) -> dict[str, Any]:
        """Everything stored about the member, JSON-serialisable (datetimes ISO 8601 UTC),
        from every table in ``MEMBER_DATA``: ``{"user_id", "exported_at", "tables": {table:
        [rows]}}``. Their own phone numbers appear in full; code and token hashes never.
        Allowed once per ``EXPORT_INTERVAL`` per member, else raises ExportTooSoon."""
        now = self.clock.now()
        last = self._last_export.get(user_id)
        if last is not None and now - last < EXPORT_INTERVAL:
            left = EXPORT_INTERVAL - (now - last)
            raise ExportTooSoon(minutes=max(1, -(-int(left.total_seconds()) // 60)))
        async with self.db.read() as conn:
            tables = await self._collect(conn, user_id)
        self._last_export = {
            uid: at for uid, at in self._last_export.items() if now - at < EXPORT_INTERVAL
        }
        self._last_export[user_id] = now
        return {
            "user_id": user_id,
            "exported_at": _plain(now),
            "tables": {name: [_plain(row) for row in rows] for name, rows in tables.items()},
        }

    async def _subscriber_ids(self, conn: AsyncConnection, user_id: int) -> list[int]:
        """The member's numbers: the linked one and earlier ones named in their consent
        records (unless someone else has linked that number since)."""
        ids = {
            row["id"]
            for row in await q.find_rows(conn, "subscribers", equals={"user_id": [user_id]})
        }
        for record in await q.find_rows(conn, "consent_records", equals={"user_id": [user_id]}):
            if record["subscriber_id"] is not None:
                ids.add(record["subscriber_id"])
        if not ids:
            return []
        owned = await q.find_rows(conn, "subscribers", equals={"id": ids})
        return sorted(row["id"] for row in owned if row["user_id"] in (None, user_id))

    def _id_columns(self, table: str) -> list[str]:
        return [
            column
            for column, action in MEMBER_DATA[table].items()
            if action in ("delete", "pseudonym", "null", "leave", "anonymize", "erase_text")
            and column not in ("phone_e164", "text")
        ]

    async def _collect(
        self, conn: AsyncConnection, user_id: int
    ) -> dict[str, list[dict[str, Any]]]:
        subscriber_ids = await self._subscriber_ids(conn, user_id)
        fragment = str(user_id)
        tables: dict[str, list[dict[str, Any]]] = {}
        for table in MEMBER_DATA:
            equals: dict[str, Iterable[Any]] = {c: [user_id] for c in self._id_columns(table)}
            contains: dict[str, str] = {}
            for column, action in MEMBER_DATA[table].items():
                if action == "scrub":
                    contains[column] = fragment
                elif action in ("cancel", "by_subscriber"):
                    equals[column] = subscriber_ids
            if table == "subscribers":
                equals["id"] = subscriber_ids
            rows = await q.find_rows(conn, table, equals=equals, contains=contains)
            if contains:  # a text match must be the id itself, not part of a longer number
                pattern = _id_pattern(user_id)
                rows = [
                    r
                    for r in rows
                    if any(c in equals and r[c] == user_id for c in r)
                    or any(pattern.search(json.dumps(_plain(r[c]))) for c in contains)
                ]
            hidden = HIDDEN_COLUMNS.get(table, frozenset())
            tables[table] = [{k: v for k, v in r.items() if k not in hidden} for r in rows]
        # Team membership with the team's name and whether the member is its captain.
        tables["team_members"] = [
            {
                "team_id": row["team_id"],
                "team_name": row["team_name"],
                "track": row["track"],
                "season": row["season"],
                "joined_at": row["joined_at"],
                "captain": row["captain_id"] == user_id,
                "team_disbanded_at": row["disbanded_at"],
            }
            for row in await q.member_team_rows(conn, user_id)
        ]
        return tables

    # -- erasure ------------------------------------------------------------------------

    async def delete(self, user_id: int, *, actor_id: int) -> Erasure:
        """Erase the member's personal data in ONE write transaction (see the module doc):
        phone numbers, names, consent records, codes, web sessions, NPS answers, activity,
        question texts and RSVPs go; the member leaves their team (captaincy passes on, the
        last member disbands it); ledger entries keep their points with ``user_id`` NULL;
        votes, vote events, audit entries and organizer columns name a fresh pseudonym.
        Queued WhatsApp messages to their numbers are cancelled at once. One audit entry
        ``privacy.delete`` names only the pseudonym. Running it again for the same member
        finds nothing left to erase and only records another (empty) erasure."""
        if self.activity is not None:
            self.activity.forget(user_id)
        now = self.clock.now()
        pseudonym = new_pseudonym()
        pattern = _id_pattern(user_id)
        counts: dict[str, int] = {}
        change: MembershipChange | None = None

        def add(table: str, n: int) -> None:
            counts[table] = counts.get(table, 0) + n

        async with self.db.write() as conn:
            subscriber_ids = await self._subscriber_ids(conn, user_id)
            for table, columns in MEMBER_DATA.items():
                for column, action in columns.items():
                    if action == "delete" and table == "activity_daily" and self.activity:
                        # the actives rollups subtract what the rows added, then they go
                        add(table, await self.activity.erase_counts(conn, [user_id]))
                    elif action == "delete":
                        add(table, await q.delete_rows(conn, table, column, [user_id]))
                    elif action == "pseudonym":
                        add(table, await q.replace_value(conn, table, column, user_id, pseudonym))
                    elif action == "null":
                        add(table, await q.replace_value(conn, table, column, user_id, None))
                    elif action == "by_subscriber":
                        add(table, await q.delete_rows(conn, table, column, subscriber_ids))
                    elif action == "cancel":
                        add(table, await q.cancel_queued(conn, subscriber_ids, now=now))
                    elif action == "leave" and column == "user_id":
                        change = await self._leave(conn, user_id, now)
                        add(table, 1 if change is not None else 0)
                        add(table, await q.delete_rows(conn, table, column, [user_id]))
                    elif action == "anonymize" and column == "user_id":
                        add(table, await self._anonymize(conn, subscriber_ids, now))
                    elif action == "erase_text":
                        pass  # done with the id column's pseudonym below
                if "erase_text" in columns.values():
                    add(table, await self._erase_texts(conn, table, columns, pseudonym))
                scrubbed = [c for c, a in columns.items() if a == "scrub"]
                if scrubbed:
                    add(
                        table,
                        await self._scrub_table(
                            conn, table, scrubbed, user_id, pattern, str(pseudonym)
                        ),
                    )
            record_actor = pseudonym if actor_id == user_id else actor_id
            await self.audit.record(
                conn,
                actor_id=record_actor,
                action="privacy.delete",
                target=f"user:{pseudonym}",
                details={"pseudonym": pseudonym},
            )
        if change is not None and change.disbanded:
            self.teams.forget_disbanded(change.team.id)
            await self.teams.disbanded_elsewhere(change.team)
        self.members.forget(user_id)
        if self.activity is not None:
            self.activity.forget(user_id)
        return Erasure(
            pseudonym=pseudonym,
            rows=tuple(sorted((t, n) for t, n in counts.items() if n)),
            team_change=change,
            subscriber_ids=tuple(subscriber_ids),
        )

    async def _leave(
        self, conn: AsyncConnection, user_id: int, now: dt.datetime
    ) -> MembershipChange | None:
        """This season's team: leave by TeamService's own rules (captaincy passes on, the
        last member disbands the team), inside this transaction."""
        row = await team_queries.team_of(conn, self.teams.season, user_id)
        if row is None:
            return None
        return await self.teams.remove_member_in(conn, row, user_id, now)

    async def _anonymize(
        self, conn: AsyncConnection, subscriber_ids: list[int], now: dt.datetime
    ) -> int:
        """The number rows stay (their delivery history counts in broadcast status) but
        name no one: the phone becomes a placeholder, consent wording goes, opted out."""
        for subscriber_id in subscriber_ids:
            await q.update_row(
                conn,
                "subscribers",
                {"id": subscriber_id},
                {
                    "user_id": None,
                    "phone_e164": f"erased-{secrets.token_hex(6)}",
                    "consent_text": "",
                    "consent_source": "erased",
                    "opted_out_at": now,
                    "last_inbound_at": None,
                },
            )
        return len(subscriber_ids)

    async def _erase_texts(
        self, conn: AsyncConnection, table: str, columns: dict[str, Action], pseudonym: int
    ) -> int:
        """Replace the texts of rows now under the pseudonym (after the id columns)."""
        owners = [c for c, a in columns.items() if a == "pseudonym"]
        texts = [c for c, a in columns.items() if a == "erase_text"]
        rows = await q.find_rows(conn, table, equals={owners[0]: [pseudonym]})
        for row in rows:
            key = {name: row[name] for name in q.primary_key(table)}
            await q.update_row(conn, table, key, {c: ERASED_TEXT for c in texts})
        return len(rows)

    async def _scrub_table(
        self,
        conn: AsyncConnection,
        table: str,
        columns: list[str],
        user_id: int,
        pattern: re.Pattern[str],
        replacement: str,
    ) -> int:
        """Replace the id inside text/JSON columns (``user:<id>``, ``dm:<id>``, lists of
        ids in audit details and import rows) with the pseudonym."""
        rows = await q.find_rows(conn, table, contains={c: str(user_id) for c in columns})
        changed = 0
        for row in rows:
            values = {c: _scrub(row[c], pattern, replacement) for c in columns}
            if any(values[c] != row[c] for c in columns):
                key = {name: row[name] for name in q.primary_key(table)}
                await q.update_row(conn, table, key, values)
                changed += 1
        return changed

    # -- the organizers' CSV export -----------------------------------------------------

    def csv_rows(self, name: str) -> AsyncIterator[list[str]]:
        """The data rows of CSV file ``name`` (a key of ``CSV_FILES``), streamed in the
        header's column order (see :func:`bot.services.privacy_csv.csv_rows`)."""
        return privacy_csv.csv_rows(self.db, self.teams.season, name)
