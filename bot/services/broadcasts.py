"""Organizer broadcasts to Discord and WhatsApp (SPEC §3.6).

A broadcast has one or more occurrences. Each occurrence is one durable scheduled job
``broadcast:<id>:<UTC ISO>`` (the scheduler claims it, so it fires once, also across a
restart); its WhatsApp messages are outbox rows unique per occurrence and subscriber, its
Discord posts journal keys unique per occurrence and channel. Repeats are cron expressions read in
the competition timezone (daylight-saving changes keep the wall-clock time), scheduled one
occurrence at a time.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from apscheduler.triggers.cron import CronTrigger

from bot.calendar import parse_local_datetime
from bot.clock import Clock
from bot.config import CompetitionConfig
from bot.errors import InvalidInput, PodiumError
from bot.i18n import N_
from bot.scheduler import Job, JobResult, NextRun, Scheduler
from bot.services.audit import AuditService
from bot.services.outbox import CONTENT_SID_VARIABLE, OutboxService, whatsapp_counts
from bot.services.posts import PostService, target_key
from bot.services.publications import Publication
from storage.engine import Database
from storage.queries import broadcasts as bq
from storage.queries import relay as relay_queries
from storage.queries import whatsapp as wa_queries
from storage.queries.broadcasts import BroadcastRow

log = logging.getLogger(__name__)

JOB_KIND = "broadcast"
#: The publication kind of an occurrence's Discord post (rendered by the broadcast cog).
PUBLICATION = "broadcast.message"
CHANNELS = ("discord", "whatsapp", "both")
MAX_MESSAGE = 1500
_CONTENT_SID = re.compile(r"HX[0-9a-fA-F]{32}")


class BroadcastNotFound(PodiumError):
    """No broadcast with that id."""

    message = N_("There is no broadcast #{id}.")


class BroadcastNotScheduled(PodiumError):
    """The broadcast has no occurrence left to cancel."""

    message = N_("Broadcast #{id} has nothing left to cancel.")


class WhenInPast(PodiumError):
    """The first occurrence would be in the past."""

    message = N_("That time has already passed. Give a time in the future.")


@dataclass(frozen=True, slots=True)
class BroadcastInfo:
    """A broadcast as organizers see it."""

    id: int
    message: str
    audience: str
    channels: str
    repeat: str | None
    template_sid: str | None
    status: str
    next_run_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class Occurrence:
    """What one firing must do: Discord resource keys to post to, and the next occurrence."""

    broadcast_id: int
    key: str
    message: str
    discord_targets: tuple[str, ...]
    whatsapp_queued: int
    next_run_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class BroadcastStatus:
    """Per-channel counts. WhatsApp: queued, sent, delivered, read, failed, skipped
    (opted out). Discord: posted, failed, pending (one per channel and occurrence)."""

    id: int
    whatsapp: dict[str, int]
    discord: dict[str, int]


#: A journal claim not yet finished is a post still pending for organizers.
_POST_STATUS = {"claimed": "pending"}


def post_key(occurrence: str, channel_id: int) -> str:
    """The journal key of an occurrence's Discord post in one channel."""
    return target_key(occurrence, f"channel:{channel_id}")


def occurrence_key(broadcast_id: int, run_at: dt.datetime) -> str:
    """``broadcast:<id>:<UTC ISO>``: one key per occurrence."""
    return f"broadcast:{broadcast_id}:{run_at.astimezone(dt.UTC).isoformat()}"


_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def standard_cron(expression: str) -> str:
    """Standard cron (day of week 0 or 7 = Sunday, 1 = Monday) in APScheduler's spelling.

    APScheduler 3 reads numeric days of the week as 0 = Monday, so ``0 9 * * 1`` would mean
    Tuesdays; numbers in the fifth field are turned into day names (steps stay numbers).
    """
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"needs 5 fields, got {len(fields)}")

    def name(match: re.Match[str]) -> str:
        number = int(match.group(0))
        if number > 7:
            raise ValueError(f"day of week {number} is not 0-7")
        return _DAY_NAMES[number]

    fields[4] = re.sub(r"(?<![/\d])\d+", name, fields[4])
    return " ".join(fields)


def _info(row: BroadcastRow) -> BroadcastInfo:
    return BroadcastInfo(
        id=row.id,
        message=row.message,
        audience=row.audience,
        channels=row.channels,
        repeat=row.repeat,
        template_sid=row.template_sid,
        status=row.status,
        next_run_at=row.next_run_at,
    )


@dataclass(slots=True)
class BroadcastService:
    """Schedules, fires, lists, cancels and reports broadcasts."""

    db: Database
    clock: Clock
    competition: CompetitionConfig
    audit: AuditService
    scheduler: Scheduler
    outbox: OutboxService
    posts: PostService

    # -- validation -----------------------------------------------------------------------
    def audiences(self) -> list[tuple[str, str]]:
        """(value, English label) of every audience: all, each cohort, each track."""
        values = [("all", "Everyone")]
        values += [(f"cohort:{c.key}", c.name.en) for c in self.competition.cohorts]
        values += [(f"track:{t.key}", t.name.en) for t in self.competition.tracks]
        return values

    def _check_audience(self, audience: str) -> str:
        value = audience.strip().lower()
        if value in {a for a, _ in self.audiences()}:
            return value
        raise InvalidInput(field="audience", reason="use all, cohort:<key> or track:<key>")

    def _trigger(self, repeat: str) -> CronTrigger:
        try:
            return CronTrigger.from_crontab(
                standard_cron(repeat), timezone=self.competition.competition.tz
            )
        except ValueError as exc:
            raise InvalidInput(
                field="repeat", reason=f"not a cron expression such as '0 9 * * 1' ({exc})"
            ) from exc

    def next_after(self, repeat: str, after: dt.datetime) -> dt.datetime | None:
        """The first cron time strictly after ``after`` (UTC), computed in the competition
        timezone."""
        fire = self._trigger(repeat).get_next_fire_time(None, after + dt.timedelta(seconds=1))
        return fire.astimezone(dt.UTC) if fire is not None else None

    # -- use cases ------------------------------------------------------------------------
    async def schedule(
        self,
        *,
        actor_id: int,
        message: str,
        when: str | None,
        audience: str,
        channels: str,
        repeat: str | None = None,
        template: str | None = None,
    ) -> BroadcastInfo:
        """Create a broadcast and schedule its first occurrence (``when`` None: now).

        ``when``: ``YYYY-MM-DD HH:MM`` in the competition timezone or ISO 8601 with offset;
        with ``repeat`` the occurrences follow the cron expression from ``when`` on.
        """
        text = message.strip()
        if not text or len(text) > MAX_MESSAGE:
            raise InvalidInput(field="message", reason=f"1 to {MAX_MESSAGE} characters")
        audience = self._check_audience(audience)
        if channels not in CHANNELS:
            raise InvalidInput(field="channels", reason="discord, whatsapp or both")
        if template is not None and not _CONTENT_SID.fullmatch(template.strip()):
            raise InvalidInput(field="template", reason="a Content SID: HX and 32 hex characters")
        now = self.clock.now()
        if when is None:
            first = now
        else:
            try:
                first = parse_local_datetime(when, self.competition.competition.tz)
            except ValueError as exc:
                raise InvalidInput(field="when", reason=str(exc)) from exc
            if first < now - dt.timedelta(minutes=1):
                raise WhenInPast()
        if repeat:
            self._trigger(repeat)  # validate before anything is written
            if when is not None:
                cron_first = self.next_after(repeat, first - dt.timedelta(seconds=2))
                first = cron_first or first
        async with self.db.write() as conn:
            broadcast_id = await bq.create(
                conn,
                message=text,
                audience=audience,
                channels=channels,
                first_run_at=first,
                repeat=repeat.strip() if repeat else None,
                template_sid=template.strip() if template else None,
                status="scheduled",
                next_run_at=first,
                created_by=actor_id,
                created_at=now,
            )
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="broadcast.schedule",
                target=f"broadcast:{broadcast_id}",
                details={"audience": audience, "channels": channels, "repeat": repeat},
            )
            row = await bq.get(conn, broadcast_id)
        await self.scheduler.schedule(
            JOB_KIND, occurrence_key(broadcast_id, first), first, {"broadcast_id": broadcast_id}
        )
        if row is None:  # pragma: no cover - inserted above
            raise BroadcastNotFound(id=broadcast_id)
        return _info(row)

    async def fire(self, broadcast_id: int, key: str) -> Occurrence | None:
        """Run one occurrence (idempotent): queue its WhatsApp rows, move the broadcast to
        its next occurrence (or done), and say where Discord posts go. None if cancelled."""
        now = self.clock.now()
        async with self.db.read() as conn:
            row = await bq.get(conn, broadcast_id)
        if row is None or row.status == "cancelled":
            return None
        cohort = row.audience.split(":", 1)[1] if row.audience.startswith("cohort:") else None
        track = row.audience.split(":", 1)[1] if row.audience.startswith("track:") else None
        queued = 0
        if row.channels in ("whatsapp", "both"):
            variables: dict[str, str] = {"message": row.message}
            if row.template_sid:
                variables[CONTENT_SID_VARIABLE] = row.template_sid
            queued = await self.outbox.enqueue(
                occurrence_key=key,
                kind="broadcast",
                texts={"en": row.message},
                variables={"en": variables},
                cohort=cohort,
                track=track,
            )
        current = row.next_run_at or now
        following = self.next_after(row.repeat, max(current, now)) if row.repeat else None
        if row.next_run_at is not None and occurrence_key(row.id, row.next_run_at) == key:
            async with self.db.write() as conn:
                await bq.update_broadcast(
                    conn,
                    row.id,
                    next_run_at=following,
                    status="scheduled" if following is not None else "done",
                )
        else:
            following = row.next_run_at if row.status == "scheduled" else None
        targets: tuple[str, ...] = ()
        if row.channels in ("discord", "both"):
            if cohort is not None:
                targets = (f"channel:cohort:{cohort}:0",)
            else:
                targets = ("channel:announcements",)
        log.info("broadcast fired id=%s key=%s whatsapp_rows=%d", row.id, key, queued)
        return Occurrence(row.id, key, row.message, targets, queued, following)

    async def run_job(self, job: Job) -> JobResult:
        """The occurrence job: fire it (``fire``), post it once per Discord channel, and
        schedule the next occurrence of a repeat."""
        occurrence = await self.fire(int(job.payload["broadcast_id"]), job.key)
        if occurrence is None:
            return JobResult()
        following = occurrence.next_run_at
        return JobResult(
            publications=tuple(
                Publication(
                    occurrence.key, PUBLICATION, occurrence, resource=target, per_channel=True
                )
                for target in occurrence.discord_targets
            ),
            next_run=None
            if following is None
            else NextRun(
                JOB_KIND,
                occurrence_key(occurrence.broadcast_id, following),
                following,
                {"broadcast_id": occurrence.broadcast_id},
            ),
        )

    async def list_scheduled(self) -> list[BroadcastInfo]:
        """Broadcasts with an occurrence to come, soonest first."""
        async with self.db.read() as conn:
            return [_info(row) for row in await bq.scheduled(conn)]

    async def cancel(self, *, actor_id: int, broadcast_id: int) -> BroadcastInfo:
        """Cancel the broadcast's occurrences still to come (messages already queued for an
        occurrence that fired still go out)."""
        now = self.clock.now()
        async with self.db.write() as conn:
            row = await bq.get(conn, broadcast_id)
            if row is None:
                raise BroadcastNotFound(id=broadcast_id)
            if row.status != "scheduled":
                raise BroadcastNotScheduled(id=broadcast_id)
            await bq.update_broadcast(
                conn, broadcast_id, status="cancelled", cancelled_at=now, next_run_at=None
            )
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="broadcast.cancel",
                target=f"broadcast:{broadcast_id}",
            )
        if row.next_run_at is not None:
            await self.scheduler.cancel(occurrence_key(broadcast_id, row.next_run_at))
        return _info(row)

    async def status(self, broadcast_id: int) -> BroadcastStatus:
        """Per-channel counts over every occurrence of the broadcast."""
        async with self.db.read() as conn:
            row = await bq.get(conn, broadcast_id)
            if row is None:
                raise BroadcastNotFound(id=broadcast_id)
            raw = await relay_queries.status_counts(conn, f"broadcast:{broadcast_id}:")
        discord = dict.fromkeys(("posted", "failed", "pending"), 0)
        for status in (await self.posts.statuses(f"broadcast:{broadcast_id}:")).values():
            discord[_POST_STATUS.get(status, status)] += 1
        return BroadcastStatus(broadcast_id, whatsapp_counts(raw), discord)

    async def ensure_jobs(self) -> int:
        """At start: make sure every scheduled broadcast's next occurrence has its job
        (idempotent). A repeat whose next occurrence was already used moves on."""
        count = 0
        async with self.db.read() as conn:
            rows = await bq.scheduled(conn, limit=10_000)
        for row in rows:
            when = row.next_run_at
            for _ in range(3):
                if when is None:
                    break
                job = await self.scheduler.schedule(
                    JOB_KIND, occurrence_key(row.id, when), when, {"broadcast_id": row.id}
                )
                if job.status == "pending" or not row.repeat:
                    break
                when = self.next_after(row.repeat, max(when, self.clock.now()))
                async with self.db.write() as conn:
                    await bq.update_broadcast(conn, row.id, next_run_at=when)
            count += 1
        return count

    async def next_for_member(
        self, user_id: int, now: dt.datetime
    ) -> tuple[dt.datetime, str] | None:
        """The next WhatsApp broadcast this member's number will get: (when, preview)."""
        async with self.db.read() as conn:
            rows = await bq.scheduled(conn)
            cohort = await wa_queries.cohort_of(conn, user_id)
            team = await wa_queries.team_of(conn, self.competition.competition.season, user_id)
        for row in rows:
            if row.channels == "discord" or row.next_run_at is None or row.next_run_at < now:
                continue
            if (
                row.audience == "all"
                or row.audience == f"cohort:{cohort}"
                or (team is not None and row.audience == f"track:{team[2]}")
            ):
                preview = row.message if len(row.message) <= 80 else row.message[:79] + "…"
                return row.next_run_at, preview
        return None
