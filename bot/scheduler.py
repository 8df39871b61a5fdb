"""Durable scheduling: database rows are the truth, APScheduler only keeps the time.

Every timer is a ``scheduled_jobs`` row with a unique key (one key = one occurrence). The
in-memory APScheduler is rebuilt from the rows at start. When a timer fires, the row is
claimed atomically (pending → running) before the handler runs, so a job runs once even if
two timers, a catch-up at start and a live timer, or two processes race for it.

Missed while down (SPEC §3.5): at start, a job whose time has passed fires at once if it is
no older than the grace period, otherwise it is marked ``missed`` and the missed-job
listeners (which tell the organizers) are called. A row left ``running`` by a process that
died is treated the same way; handlers make their side effects idempotent through their
own unique keys, so re-running one is safe.

Several workers (``podium run --only worker``, PostgreSQL): each claim records the
process's lease key (``storage.wakeup``), so a ``running`` row is handed back only once the
process that claimed it is gone. ``resync`` (on a wake-up, or the slow poll: ``bot.wakeup``)
arms what other processes scheduled or moved, drops timers of rows no longer pending, and
fires what is due; a missed job is marked, and announced, by one worker only.

A handler gets a ``Job`` and may return a ``JobResult``: the posts to make (handed to the
one publisher registered with ``set_publisher``) and the next occurrence to schedule. The
scheduler schedules the next occurrence first, so a post that fails never breaks a chain.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from bot.clock import Clock
from bot.services.publications import Publication, Publisher
from storage.engine import Database
from storage.queries import jobs as job_queries
from storage.queries.jobs import JobRow
from storage.wakeup import LeaseWatch, new_lease_key

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Job:
    """One occurrence of a job, as its handler and the missed-job listeners see it."""

    id: int
    kind: str
    key: str
    run_at: dt.datetime
    payload: dict[str, Any]

    @classmethod
    def of(cls, row: JobRow) -> Job:
        """The job of a ``scheduled_jobs`` row."""
        return cls(row.id, row.kind, row.key, row.run_at, dict(row.payload))


@dataclass(frozen=True, slots=True)
class NextRun:
    """The next occurrence a handler asks for: ``kind``, its unique ``key``, ``when``
    (aware) and its payload."""

    kind: str
    key: str
    when: dt.datetime
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class JobResult:
    """What a handler returns: the posts to make and the next occurrence (if any)."""

    publications: tuple[Publication, ...] = ()
    next_run: NextRun | None = None


JobHandler = Callable[[Job], Awaitable[JobResult | None]]
MissedListener = Callable[[list[Job]], Awaitable[None]]


@dataclass(slots=True)
class RebuildReport:
    """What ``start`` found in the database."""

    scheduled: int = 0
    fired_late: list[int] = field(default_factory=list)
    missed: list[int] = field(default_factory=list)
    unknown_kind: int = 0
    seconds: float = 0.0


class Scheduler:
    """Schedules, cancels and fires durable jobs; see the module docstring for the rules."""

    def __init__(self, db: Database, clock: Clock, *, grace: dt.timedelta) -> None:
        self._db = db
        self._clock = clock
        self._grace = grace
        self._handlers: dict[str, JobHandler] = {}
        self._missed_listeners: list[MissedListener] = []
        self._publisher: Publisher | None = None
        self._aps = AsyncIOScheduler(
            timezone=dt.UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self._tasks: set[asyncio.Task[Any]] = set()
        self._sync_lock = asyncio.Lock()
        self.last_rebuild: RebuildReport | None = None
        #: This process's lease key (``storage.wakeup``), recorded on every claim.
        self.owner = new_lease_key()
        #: When other processes' claims may be taken over (the runner sets its grace on
        #: PostgreSQL; the relay's sweep shares it).
        self.leases = LeaseWatch()

    # -- registration -------------------------------------------------------------------
    def register(self, kind: str, handler: JobHandler) -> None:
        """Run ``handler`` for jobs of ``kind`` (one handler per kind)."""
        if kind in self._handlers:
            raise ValueError(f"a handler for {kind!r} is already registered")
        self._handlers[kind] = handler

    def unregister(self, kind: str) -> None:
        """Forget the handler of ``kind`` (its cog was unloaded); its rows stay pending."""
        self._handlers.pop(kind, None)

    def set_publisher(self, publisher: Publisher) -> None:
        """Hand the publications that handlers return to ``publisher`` (the one Discord
        publisher, set before the scheduler starts)."""
        self._publisher = publisher

    @property
    def can_publish(self) -> bool:
        """True when a publisher is set (a process with a Discord client)."""
        return self._publisher is not None

    async def publish(self, publications: tuple[Publication, ...]) -> list[str]:
        """Hand ``publications`` to the publisher; what happened to each."""
        if not publications:
            return []
        if self._publisher is None:
            raise RuntimeError("no publisher is set: the posts of this job cannot be made")
        return await self._publisher.publish(publications)

    def on_missed(self, listener: MissedListener) -> None:
        """Call ``listener`` with the jobs marked missed at start."""
        self._missed_listeners.append(listener)

    @property
    def running(self) -> bool:
        """True while the in-memory scheduler is started."""
        return bool(self._aps.running)

    @property
    def timer_count(self) -> int:
        """How many timers are armed in memory."""
        return len(self._aps.get_jobs())

    # -- scheduling ---------------------------------------------------------------------
    async def schedule(
        self, kind: str, key: str, run_at: dt.datetime, payload: dict[str, Any] | None = None
    ) -> JobRow:
        """Create or move the occurrence ``key`` to fire at ``run_at`` (aware datetime).

        Idempotent: scheduling a key again moves it while pending and does nothing once it
        ran, so callers may call this on every start.
        """
        if run_at.tzinfo is None:
            raise ValueError("run_at must be timezone-aware")
        async with self._db.write() as conn:
            row = await job_queries.upsert_pending(
                conn,
                kind=kind,
                key=key,
                run_at=run_at,
                payload=payload or {},
                now=self._clock.now(),
            )
        if row.status == job_queries.PENDING and self.running:
            self._arm(row)
        return row

    async def cancel(self, key: str) -> bool:
        """Withdraw a pending occurrence; False when it was not pending."""
        async with self._db.write() as conn:
            row = await job_queries.cancel_pending(conn, key, now=self._clock.now())
        if row is None:
            return False
        if self._aps.get_job(str(row.id)) is not None:
            self._aps.remove_job(str(row.id))
        return True

    def _arm(self, row: JobRow) -> None:
        # APScheduler counts real seconds; the delay comes from the injected clock, so a
        # test's frozen clock and the timers agree on what "in one hour" means.
        delay = row.run_at - self._clock.now()
        self._aps.add_job(
            self._fire_on_timer,
            trigger=DateTrigger(run_date=dt.datetime.now(dt.UTC) + delay),
            args=[row.id],
            id=str(row.id),
            name=row.key,
            replace_existing=True,
        )

    # -- lifecycle ----------------------------------------------------------------------
    async def start(self) -> RebuildReport:
        """Start the timers and rebuild them from the database (see module docstring)."""
        if not self._aps.running:
            self._aps.start()
        async with self._sync_lock:
            report = await self._rebuild()
        self.last_rebuild = report
        log.info(
            "scheduler rebuilt armed=%d late=%d missed=%d seconds=%.3f",
            report.scheduled,
            len(report.fired_late),
            len(report.missed),
            report.seconds,
        )
        return report

    async def resync(self) -> RebuildReport | None:
        """Catch up with what other processes did (a wake-up, or the slow poll): arm the
        jobs they scheduled or moved, drop the timers of jobs no longer pending, release
        the claims of processes that are gone, fire what is due. None when not started."""
        if not self.running:
            return None
        async with self._sync_lock:
            return await self._rebuild()

    async def _rebuild(self) -> RebuildReport:
        loop = asyncio.get_running_loop()
        started = loop.time()
        report = RebuildReport()
        now = self._clock.now()
        async with self._db.write() as conn:
            rows = await job_queries.unfinished(conn)
            running = [row for row in rows if row.status == job_queries.RUNNING]
            owners = {row.lease_key for row in running if row.lease_key is not None}
            dead = await self.leases.dead(conn, owners, own=self.owner)
            released: set[int] = set()
            for row in running:
                if row.lease_key is None or row.lease_key in dead:
                    # Its process died mid-run: hand it back to pending, judged as below.
                    await job_queries.release(conn, row.id)
                    released.add(row.id)
        late: list[JobRow] = []
        missed: list[JobRow] = []
        pending: set[str] = set()
        for row in rows:
            if row.status == job_queries.RUNNING and row.id not in released:
                continue  # a live process runs it
            if row.kind not in self._handlers:
                report.unknown_kind += 1
                log.warning("no handler for scheduled job kind=%s key=%s", row.kind, row.key)
                continue
            pending.add(str(row.id))
            if row.run_at > now:
                self._arm(row)
                report.scheduled += 1
            elif now - row.run_at <= self._grace:
                late.append(row)
            else:
                missed.append(row)
        for timer in self._aps.get_jobs():
            if timer.id not in pending:
                timer.remove()  # cancelled, or run, by another process
        if missed:
            marked: list[JobRow] = []
            async with self._db.write() as conn:
                for row in missed:
                    if await job_queries.finish(
                        conn,
                        row.id,
                        status=job_queries.MISSED,
                        now=now,
                        error="missed while the bot was down, beyond the grace period",
                        expected=job_queries.PENDING,
                    ):
                        marked.append(row)
            report.missed = [row.id for row in marked]
            if marked:
                log.warning("scheduled jobs missed while down count=%d", len(marked))
                for listener in self._missed_listeners:
                    try:
                        await listener([Job.of(row) for row in marked])
                    except Exception:
                        log.exception("missed-job listener failed")
        for row in late:
            report.fired_late.append(row.id)
            self._spawn(self.fire(row.id))
        report.seconds = loop.time() - started
        return report

    async def shutdown(self) -> None:
        """Stop the timers and wait for jobs that are running right now."""
        if self._aps.running:
            self._aps.shutdown(wait=False)
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _spawn(self, coro: Awaitable[Any]) -> asyncio.Future[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _fire_on_timer(self, job_id: int) -> str:
        # A timer's job runs as a tracked task, shielded: APScheduler's shutdown cancels the
        # coroutines its timers started, and a job cancelled inside its database write left
        # the row running and could hang the close of the database. Shutdown waits for it
        # instead, like for a late job.
        return await asyncio.shield(self._spawn(self.fire(job_id)))

    # -- firing -------------------------------------------------------------------------
    async def fire(self, job_id: int) -> str:
        """Claim and run one job; returns "done", "failed" or "skipped" (already taken)."""
        async with self._db.write() as conn:
            claimed = await job_queries.claim(conn, job_id, now=self._clock.now(), owner=self.owner)
            row = await job_queries.get(conn, job_id) if claimed else None
        if row is None:
            return "skipped"
        handler = self._handlers.get(row.kind)
        if handler is None:
            outcome, error = job_queries.FAILED, f"no handler for kind {row.kind!r}"
        else:
            try:
                result = await handler(Job.of(row))
                if result is not None:
                    await self._chain(result)
                outcome, error = job_queries.DONE, None
            except Exception as exc:
                log.exception(
                    "scheduled job failed id=%s kind=%s key=%s", row.id, row.kind, row.key
                )
                outcome, error = job_queries.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
        async with self._db.write() as conn:
            await job_queries.finish(
                conn, job_id, status=outcome, now=self._clock.now(), error=error
            )
        return outcome

    async def _chain(self, result: JobResult) -> None:
        # The next occurrence first: a post that fails (the job is marked failed, the post
        # retried later) must not break the chain.
        if result.next_run is not None:
            following = result.next_run
            await self.schedule(following.kind, following.key, following.when, following.payload)
        await self.publish(result.publications)

    async def run_due(self) -> list[str]:
        """Fire every pending job whose time has come by the clock (tests, catch-up)."""
        now = self._clock.now()
        async with self._db.read() as conn:
            rows = await job_queries.unfinished(conn)
        return [
            await self.fire(row.id) for row in rows if row.status == "pending" and row.run_at <= now
        ]
