"""Q&A sessions: scheduling, editing and cancelling them, and finding them.

Sessions are stored as UTC instants computed from the organizer's local input in the
competition timezone, so a 20:00 session stays at 20:00 local on either side of a
daylight-saving change.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from bot.calendar import parse_local_datetime
from bot.durations import parse_duration
from bot.errors import InvalidInput
from bot.links import is_web_link
from bot.services.qa.errors import NothingToEdit, SessionNotFound, StartInPast
from bot.services.qa.models import Session, _present, _session
from bot.services.qa.notices import CANCEL_JOB, QANotices, cancel_key
from storage.queries import jobs as job_queries
from storage.queries import qa as q
from storage.queries import teams as team_queries
from storage.queries import whatsapp as wa_queries

#: The package's logger: log lines keep the name they had before the service was split.
log = logging.getLogger("bot.services.qa")

KINDS = ("official", "expert_clinic", "alumni")
MAX_TITLE = 100
MAX_DURATION = dt.timedelta(hours=24)
#: Learning-resource links a session may carry (each http(s), at most MAX_RESOURCE long).
MAX_RESOURCES = 5
MAX_RESOURCE = 300


class QASessions(QANotices):
    """Schedules, edits and cancels sessions (moving their notice jobs) and finds them."""

    __slots__ = ()

    # -- parsing --------------------------------------------------------------------------
    def parse_audience(self, text: str | None) -> tuple[str, ...]:
        """``all`` (or nothing) → (); else comma-separated cohort keys, in config order."""
        raw = (text or "").strip().lower()
        if raw in ("", "all"):
            return ()
        wanted = {part.strip() for part in raw.replace(";", ",").split(",") if part.strip()}
        known = self.competition.cohort_keys
        unknown = sorted(wanted - set(known))
        if unknown:
            raise InvalidInput(
                field="audience",
                reason=f"unknown cohort {unknown[0]!r}; use all or cohort keys: "
                + ", ".join(known),
            )
        return tuple(key for key in known if key in wanted)

    def _parse_start(self, text: str) -> dt.datetime:
        try:
            start = parse_local_datetime(text, self.competition.competition.tz)
        except ValueError as exc:
            raise InvalidInput(field="start", reason=str(exc)) from exc
        if start <= self.clock.now():
            raise StartInPast()
        return start

    @staticmethod
    def _parse_duration(text: str) -> dt.timedelta:
        try:
            duration = parse_duration(text)
        except ValueError as exc:
            raise InvalidInput(field="duration", reason=str(exc)) from exc
        if duration > MAX_DURATION or duration < dt.timedelta(minutes=1):
            raise InvalidInput(field="duration", reason="from 1m to 24h, e.g. 90m or 2h")
        return duration

    @staticmethod
    def parse_resources(text: str | None) -> tuple[str, ...]:
        """Links separated by spaces, commas or lines: each ``http(s)://``, at most
        ``MAX_RESOURCES`` of at most ``MAX_RESOURCE`` characters (repeats dropped)."""
        links = tuple(dict.fromkeys((text or "").replace(",", " ").split()))
        if len(links) > MAX_RESOURCES:
            raise InvalidInput(field="resources", reason=f"at most {MAX_RESOURCES} links")
        for link in links:
            if not is_web_link(link) or len(link) > MAX_RESOURCE:
                raise InvalidInput(
                    field="resources",
                    reason=f"links start with https:// and have at most {MAX_RESOURCE} characters",
                )
        return links

    @staticmethod
    def _clean_title(title: str) -> str:
        cleaned = " ".join(title.split())
        if not cleaned or len(cleaned) > MAX_TITLE:
            raise InvalidInput(field="title", reason=f"1 to {MAX_TITLE} characters")
        return cleaned

    # -- scheduling -----------------------------------------------------------------------
    async def schedule(
        self,
        *,
        actor_id: int,
        title: str,
        kind: str,
        start: str,
        duration: str,
        host_id: int,
        audience: str | None = None,
        teams: Sequence[int] | None = None,
        resources: str | None = None,
    ) -> Session:
        """Create a session with its reminders and start notice (audited).

        ``start``: ``YYYY-MM-DD HH:MM`` in the competition timezone or ISO 8601 with an
        offset, in the future; ``duration`` like ``90m``; ``audience``: ``all`` or
        comma-separated cohort keys, or ``teams``: a list of team ids, whose members alone
        get its notices. ``resources``: links attached to its reminders
        (``parse_resources``). Reminders whose time has already passed are skipped.
        """
        cleaned = self._clean_title(title)
        if kind not in KINDS:
            raise InvalidInput(field="kind", reason="official, expert_clinic or alumni")
        team_ids = sorted(set(teams)) if teams is not None else None
        if team_ids is not None and (audience or not team_ids):
            raise InvalidInput(field="audience", reason="either cohorts or a team list")
        cohorts = self.parse_audience(audience)
        links = self.parse_resources(resources)
        starts_at = self._parse_start(start)
        ends_at = starts_at + self._parse_duration(duration)
        now = self.clock.now()
        async with self.db.write() as conn:
            session_id = await q.create_session(
                conn,
                season=self.season,
                title=cleaned,
                kind=kind,
                starts_at=starts_at,
                ends_at=ends_at,
                host_id=host_id,
                audience=list(cohorts),
                audience_teams=team_ids,
                resources=list(links) or None,
                status="scheduled",
                created_by=actor_id,
                created_at=now,
                updated_at=now,
            )
            arm, withdraw = await self._write_jobs(conn, session_id, starts_at)
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="qa.schedule",
                target=f"qa:{session_id}",
                details={
                    "kind": kind,
                    "starts_at": starts_at.isoformat(),
                    "audience": list(cohorts),
                    "host_id": host_id,
                    **({"teams": team_ids} if team_ids is not None else {}),
                    **({"resources": list(links)} if links else {}),
                },
            )
            row = await q.get_session(conn, session_id)
        await self._arm(arm, withdraw)
        row = _present(row, session_id)
        log.info("qa session scheduled id=%s starts_at=%s", session_id, starts_at.isoformat())
        return _session(row)

    async def edit(
        self,
        *,
        actor_id: int,
        session_id: int,
        title: str | None = None,
        start: str | None = None,
        duration: str | None = None,
        host_id: int | None = None,
    ) -> Session:
        """Change a session still to come or running (audited). A new start moves the
        reminders and the start notice still pending; one already sent is not sent again."""
        if title is None and start is None and duration is None and host_id is None:
            raise NothingToEdit()
        cleaned = self._clean_title(title) if title is not None else None
        new_start = self._parse_start(start) if start is not None else None
        new_duration = self._parse_duration(duration) if duration is not None else None
        now = self.clock.now()
        arm: list[tuple[str, str, dt.datetime]] = []
        withdraw: list[str] = []
        async with self.db.write() as conn:
            row = await self._open_session(conn, session_id)
            starts_at = new_start or row.starts_at
            ends_at = starts_at + (new_duration or (row.ends_at - row.starts_at))
            values: dict[str, Any] = {"starts_at": starts_at, "ends_at": ends_at, "updated_at": now}
            if cleaned is not None:
                values["title"] = cleaned
            if host_id is not None:
                values["host_id"] = host_id
            await q.update_session(conn, session_id, **values)
            if new_start is not None and new_start != row.starts_at:
                arm, withdraw = await self._write_jobs(conn, session_id, starts_at)
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="qa.edit",
                target=f"qa:{session_id}",
                details={
                    k: (v.isoformat() if isinstance(v, dt.datetime) else v)
                    for k, v in values.items()
                    if k != "updated_at"
                },
            )
            updated = await q.get_session(conn, session_id)
        await self._arm(arm, withdraw)
        return _session(_present(updated, session_id))

    async def cancel(self, *, actor_id: int, session_id: int) -> Session:
        """Cancel a session (audited): its pending notices are withdrawn and a cancellation
        notice is scheduled at once (reminders that went out stay sent)."""
        now = self.clock.now()
        async with self.db.write() as conn:
            row = await self._open_session(conn, session_id)
            await q.update_session(
                conn, session_id, status="cancelled", cancelled_at=now, updated_at=now
            )
            pending = [
                job.key
                for job in await q.jobs_with_prefix(conn, f"qa:{session_id}:")
                if job.status == job_queries.PENDING
            ]
            await q.put_job(
                conn,
                kind=CANCEL_JOB,
                key=cancel_key(session_id),
                run_at=now,
                payload={"session_id": session_id},
                now=now,
            )
            await self.audit.record(
                conn, actor_id=actor_id, action="qa.cancel", target=f"qa:{session_id}"
            )
            updated = await q.get_session(conn, session_id)
        for key in pending:
            await self.scheduler.cancel(key)
        await self.scheduler.schedule(
            CANCEL_JOB, cancel_key(session_id), now, {"session_id": session_id}
        )
        updated = _present(updated, session_id)
        log.info("qa session cancelled id=%s withdrew=%d", row.id, len(pending))
        return _session(updated)

    async def set_discord_event(self, session_id: int, event_id: int | None) -> None:
        """Remember the Discord scheduled event of a session."""
        async with self.db.write() as conn:
            await q.update_session(conn, session_id, discord_event_id=event_id)

    # -- reading --------------------------------------------------------------------------
    async def get(self, session_id: int) -> Session:
        """One session of this season (SessionNotFound otherwise)."""
        async with self.db.read() as conn:
            row = await q.get_session(conn, session_id)
        if row is None or row.season != self.season:
            raise SessionNotFound(id=session_id)
        return _session(row)

    async def upcoming(self, *, limit: int = 25) -> list[Session]:
        """Sessions not cancelled that have not ended yet, soonest first."""
        async with self.db.read() as conn:
            rows = await q.sessions_ending_after(conn, self.season, self.clock.now(), limit=limit)
        return [_session(row) for row in rows]

    async def search(self, text: str, *, limit: int = 25) -> list[Session]:
        """Upcoming and running sessions whose id or title contains ``text``."""
        wanted = text.strip().casefold().lstrip("#")
        found = [
            s
            for s in await self.upcoming(limit=200)
            if not wanted or wanted in s.title.casefold() or wanted == str(s.id)
        ]
        return found[:limit]

    async def next_for_member(
        self, user_id: int, now: dt.datetime
    ) -> tuple[dt.datetime, str] | None:
        """The next session of this member's cohort (or for everyone): (start, title)."""
        async with self.db.read() as conn:
            cohort = await wa_queries.cohort_of(conn, user_id)
            team = await team_queries.team_of(conn, self.season, user_id)
            row = await q.next_session_for_cohort(
                conn, self.season, cohort, now, team.id if team is not None else None
            )
        if row is None:
            return None
        return row.starts_at, f"Q&A: {row.title}"
