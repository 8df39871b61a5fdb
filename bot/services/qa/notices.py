"""Q&A notices: the reminder, start and cancellation jobs (their keys and timing, their
handler), whom a firing notice reaches, its WhatsApp relay and its Discord deliveries.

The database is the truth. A session's reminders and its start notice are scheduled jobs
``qa:<id>:remind:<seconds before>`` and ``qa:<id>:start``, written in the same transaction
as the session, so the scheduler rebuilt at start knows them; a cancellation notice is the
job ``qa:<id>:cancel``. One key is one notice: an edit moves the jobs still pending and
never re-sends one that ran. Reminder offsets are exact durations.

A firing notice is queued for the audience's WhatsApp subscribers, and its handler returns
its Discord deliveries as publications (``NOTICE_PUBLICATION``): one post per audience
cohort's first channel, mentioning that cohort's role, and one DM per member who RSVP'd
(journal key ``<job key>:dm:<user id>``). The one publisher posts each once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from typing import Any

from bot.scheduler import Job, JobResult
from bot.services.posts import target_key
from bot.services.publications import Publication
from bot.services.qa.base import QABase
from bot.services.qa.models import Notice, NoticePost, _session
from storage.queries import jobs as job_queries
from storage.queries import members as member_queries
from storage.queries import qa as q

#: The package's logger: log lines keep the name they had before the service was split.
log = logging.getLogger("bot.services.qa")

REMINDER_JOB = "qa.reminder"
START_JOB = "qa.start"
CANCEL_JOB = "qa.cancel"
#: Notice kinds, as ``Notice.what``.
REMINDER, START, CANCELLED = "reminder", "start", "cancelled"
#: The notice kind of each job kind.
NOTICE_OF_JOB = {REMINDER_JOB: REMINDER, START_JOB: START, CANCEL_JOB: CANCELLED}
#: The kind of a notice's Discord deliveries (``NoticePost``), rendered by the Q&A cog.
NOTICE_PUBLICATION = "qa.notice"

#: What a notice says on WhatsApp: its texts and its template variables, per language.
NoticeWording = Callable[[Notice], tuple[dict[str, str], dict[str, dict[str, str]]]]


def reminder_key(session_id: int, offset: dt.timedelta) -> str:
    """``qa:<id>:remind:<seconds before the start>``."""
    return f"qa:{session_id}:remind:{int(offset.total_seconds())}"


def start_key(session_id: int) -> str:
    """``qa:<id>:start``."""
    return f"qa:{session_id}:start"


def cancel_key(session_id: int) -> str:
    """``qa:<id>:cancel``."""
    return f"qa:{session_id}:cancel"


class QANotices(QABase):
    """The notice jobs of sessions and what each one reaches."""

    __slots__ = ()

    def _notice_plan(
        self, session_id: int, starts_at: dt.datetime
    ) -> list[tuple[str, str, dt.datetime | None]]:
        """(kind, key, run_at) of the reminders and the start notice; run_at None for a
        reminder whose time has already passed."""
        now = self.clock.now()
        plan: list[tuple[str, str, dt.datetime | None]] = []
        for offset in self.competition.reminders.offsets:
            run_at = starts_at - offset
            key = reminder_key(session_id, offset)
            plan.append((REMINDER_JOB, key, run_at if run_at > now else None))
        plan.append((START_JOB, start_key(session_id), starts_at))
        return plan

    async def _write_jobs(
        self, conn: Any, session_id: int, starts_at: dt.datetime
    ) -> tuple[list[tuple[str, str, dt.datetime]], list[str]]:
        """Create or move the session's jobs in the transaction; returns (to arm, to
        withdraw): a reminder whose time has passed is withdrawn if still pending."""
        now = self.clock.now()
        arm: list[tuple[str, str, dt.datetime]] = []
        withdraw: list[str] = []
        for kind, key, run_at in self._notice_plan(session_id, starts_at):
            if run_at is None:
                existing = await job_queries.get_by_key(conn, key)
                if existing is not None and existing.status == job_queries.PENDING:
                    withdraw.append(key)
                continue
            row = await q.put_job(
                conn,
                kind=kind,
                key=key,
                run_at=run_at,
                payload={"session_id": session_id},
                now=now,
            )
            if row.status == job_queries.PENDING:
                arm.append((kind, key, run_at))
        return arm, withdraw

    async def _arm(self, arm: list[tuple[str, str, dt.datetime]], withdraw: list[str]) -> None:
        for kind, key, run_at in arm:
            session_id = int(key.split(":")[1])
            await self.scheduler.schedule(kind, key, run_at, {"session_id": session_id})
        for key in withdraw:
            await self.scheduler.cancel(key)

    async def jobs(self, session_id: int) -> dict[str, str]:
        """Status per job key of a session's notices (for organizers and tests)."""
        async with self.db.read() as conn:
            return {j.key: j.status for j in await q.jobs_with_prefix(conn, f"qa:{session_id}:")}

    async def notice(self, *, session_id: int, key: str, what: str) -> Notice | None:
        """What a firing notice job must reach, or None when it must not go out (the
        session was cancelled, or, for a reminder, it already started)."""
        async with self.db.read() as conn:
            row = await q.get_session(conn, session_id)
            rsvps = await q.rsvp_user_ids(conn, session_id) if row is not None else []
        if row is None:
            return None
        now = self.clock.now()
        if what == CANCELLED:
            if row.status != "cancelled":
                return None
        elif row.status == "cancelled":
            return None
        elif what == REMINDER and row.starts_at <= now:
            log.info("qa reminder skipped: session started id=%s key=%s", row.id, key)
            return None
        if row.audience_teams is not None:
            async with self.db.read() as conn:
                members = await q.members_of_teams(conn, row.audience_teams)
            return Notice(key, what, _session(row), (), tuple(rsvps), tuple(members))
        cohorts = tuple(row.audience) or self.competition.cohort_keys
        return Notice(key, what, _session(row), cohorts, tuple(rsvps))

    async def relay(
        self,
        notice: Notice,
        texts: Mapping[str, str],
        variables: Mapping[str, Mapping[str, Any]],
    ) -> int:
        """Queue the notice for the audience's WhatsApp subscribers (idempotent per job key
        and subscriber); returns rows added. A session for a team list reaches exactly
        those teams' members."""
        if notice.session.teams:
            if not notice.member_ids:
                return 0
            return await self.outbox.enqueue(
                occurrence_key=notice.key,
                kind="reminder",
                texts=texts,
                variables=variables,
                user_ids=notice.member_ids,
            )
        if not notice.session.audience:
            return await self.outbox.enqueue(
                occurrence_key=notice.key, kind="reminder", texts=texts, variables=variables
            )
        added = 0
        for cohort in notice.cohorts:
            added += await self.outbox.enqueue(
                occurrence_key=notice.key,
                kind="reminder",
                texts=texts,
                variables=variables,
                cohort=cohort,
            )
        return added

    async def locales(self, user_ids: list[int]) -> dict[int, str]:
        """The Discord locale the bot last saw for each member (for DMs)."""
        found: dict[int, str] = {}
        async with self.db.read() as conn:
            for user_id in user_ids:
                member = await member_queries.get(conn, user_id)
                if member is not None:
                    found[user_id] = member.locale
        return found

    async def run_notice(self, job: Job, wording: NoticeWording) -> JobResult:
        """Fire one reminder, start notice or cancellation (idempotent per job key): queue
        it for WhatsApp in ``wording`` and return its Discord posts and DMs."""
        notice = await self.notice(
            session_id=int(job.payload["session_id"]), key=job.key, what=NOTICE_OF_JOB[job.kind]
        )
        if notice is None:
            return JobResult()
        texts, variables = wording(notice)
        added = await self.relay(notice, texts, variables)
        log.info("qa notice queued for whatsapp key=%s rows=%d", notice.key, added)
        return JobResult(publications=await self.notice_publications(notice))

    async def notice_publications(self, notice: Notice) -> tuple[Publication, ...]:
        """The notice's Discord deliveries: a post in each audience cohort's first channel
        (in the competition's language), then a DM to each member who RSVP'd (in the
        locale the bot last saw for them). A session for a team list has no channel
        post: each member of its teams gets the notice by DM instead (with the RSVPs)."""
        default = self.competition.competition.default_locale
        posts = [
            Publication(
                notice.key,
                NOTICE_PUBLICATION,
                NoticePost(notice, default, cohort),
                resource=f"channel:cohort:{cohort}:0",
                per_channel=True,
            )
            for cohort in notice.cohorts
        ]
        direct = list(dict.fromkeys(notice.member_ids + notice.rsvp_user_ids))
        if direct:
            locales = await self.locales(direct)
            posts += [
                Publication(
                    target_key(notice.key, f"dm:{user_id}"),
                    NOTICE_PUBLICATION,
                    NoticePost(notice, locales.get(user_id, default)),
                    user_id=user_id,
                )
                for user_id in direct
            ]
        return tuple(posts)
