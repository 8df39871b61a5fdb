"""Reminders to judges behind schedule: the round's reminder jobs, whom they reach, their
DMs (publications) and their WhatsApp messages (the outbox).

When a round opens, two jobs are written: ``judging:<round>:remind:midway`` halfway
between opening and the deadline (it reaches judges with less than half of their sheets
submitted) and ``judging:<round>:remind:final`` ``remind_hours_before_deadline`` before the
deadline (judges with any sheet unsubmitted); a window whose time has passed is left out,
and so is the midway one when it would not come before the final one. One key is one
window: a judge gets at most one DM (journal key ``<job key>:dm:<judge id>``) and one
WhatsApp message (occurrence ``<job key>:<judge id>``) per round per window, even when the
job runs twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from functools import cache

from bot.i18n import N_, Catalogs
from bot.scheduler import Job, JobResult
from bot.services.judging.base import to_judge, to_round
from bot.services.judging.models import Judge, Round
from bot.services.judging.work import JudgingWork
from bot.services.posts import target_key
from bot.services.publications import Publication
from storage.queries import judging as q
from storage.queries import members as member_queries

log = logging.getLogger(__name__)

REMINDER_JOB = "judging.reminder"
#: The publication kind of a reminder DM (rendered by the judging cog).
REMINDER_PUBLICATION = "judging.reminder"
MIDWAY, FINAL = "midway", "final"

REMINDER_TEXT = N_(
    "Judging reminder: {submitted} of your {assigned} score sheets in {round} are submitted. "
    "The deadline is {deadline} (UTC)."
)


def reminder_key(round_id: int, window: str) -> str:
    """``judging:<round>:remind:<window>``."""
    return f"judging:{round_id}:remind:{window}"


@dataclass(frozen=True, slots=True)
class JudgeReminder:
    """A reminder DM: the round, the judge, their work so far, and the reader's locale."""

    key: str
    window: str
    round: Round
    judge: Judge
    assigned: int
    submitted: int
    locale: str


@cache
def _catalogs() -> Catalogs:
    return Catalogs()


def behind(window: str, assigned: int, submitted: int) -> bool:
    """Whether a judge is behind schedule in a window: less than half done at midway,
    anything left at the final reminder."""
    if window == MIDWAY:
        return submitted * 2 < assigned
    return submitted < assigned


class JudgingReminders(JudgingWork):
    """Schedules a round's reminders and runs them."""

    __slots__ = ()

    def _reminder_plan(
        self, round_id: int, opened: dt.datetime, deadline: dt.datetime
    ) -> list[tuple[str, dt.datetime]]:
        """(job key, when) of the round's reminder windows still ahead."""
        final = deadline - dt.timedelta(hours=self.config.remind_hours_before_deadline)
        midway = opened + (deadline - opened) / 2
        plan = []
        if opened < midway < final:
            plan.append((reminder_key(round_id, MIDWAY), midway))
        if final > opened:
            plan.append((reminder_key(round_id, FINAL), final))
        return plan

    async def _schedule_reminders(
        self, round_id: int, opened: dt.datetime, deadline: dt.datetime
    ) -> None:
        for key, when in self._reminder_plan(round_id, opened, deadline):
            window = key.rsplit(":", 1)[1]
            await self.scheduler.schedule(
                REMINDER_JOB, key, when, {"round_id": round_id, "window": window}
            )

    async def ensure_jobs(self) -> int:
        """Schedule the reminders of every open round of the season (idempotent: a window
        that ran is not scheduled again); call at start, so a crash between opening a round
        and scheduling its reminders loses none. Returns how many were scheduled."""
        async with self.db.read() as conn:
            rows = [
                r
                for r in await q.open_rounds(conn)
                if (found := await q.get_round(conn, r.id)) is not None and found[1] == self.season
            ]
        count = 0
        for row in rows:
            opened = row.opened_at or row.deadline
            plan = self._reminder_plan(row.id, opened, row.deadline)
            for key, when in plan:
                if when > self.clock.now():
                    window = key.rsplit(":", 1)[1]
                    await self.scheduler.schedule(
                        REMINDER_JOB, key, when, {"round_id": row.id, "window": window}
                    )
                    count += 1
        return count

    async def _cancel_reminders(self, round_id: int) -> None:
        for window in (MIDWAY, FINAL):
            await self.scheduler.cancel(reminder_key(round_id, window))

    async def run_reminders(self, job: Job) -> JobResult:
        """The reminder job of one round and window: queue WhatsApp messages for linked
        judges behind schedule and return their DMs (nothing once the round is not open)."""
        round_id, window = int(job.payload["round_id"]), str(job.payload["window"])
        default = self.competition.competition.default_locale
        async with self.db.read() as conn:
            found = await q.get_round(conn, round_id)
            if found is None or found[0].status != "open":
                return JobResult()
            row = found[0]
            counts: dict[int, list[int]] = {}
            for a in await q.round_assignments(conn, round_id):
                if a.status == "withdrawn":
                    continue
                done = counts.setdefault(a.judge_id, [0, 0])
                done[0] += 1
                done[1] += a.status == "submitted"
            due = []
            for judge_id, (assigned, submitted) in sorted(counts.items()):
                judge_row = await q.get_judge(conn, judge_id)
                if judge_row is None or not judge_row.active or judge_row.user_id is None:
                    continue
                if not behind(window, assigned, submitted):
                    continue
                member = await member_queries.get(conn, judge_row.user_id)
                locale = member.locale if member is not None else default
                due.append((to_judge(judge_row), assigned, submitted, locale))
        round_ = to_round(row)
        publications = []
        for judge, assigned, submitted, locale in due:  # Discord judges only (user_id set)
            await self._whatsapp_reminder(job.key, round_, judge, assigned, submitted)
            publications.append(
                Publication(
                    target_key(job.key, f"dm:{judge.id}"),
                    REMINDER_PUBLICATION,
                    JudgeReminder(job.key, window, round_, judge, assigned, submitted, locale),
                    user_id=judge.user_id,
                )
            )
        log.info("judging reminders round=%s window=%s judges=%d", round_id, window, len(due))
        return JobResult(publications=tuple(publications))

    async def _whatsapp_reminder(
        self, key: str, round_: Round, judge: Judge, assigned: int, submitted: int
    ) -> int:
        """Queue the reminder for the judge's linked WhatsApp number (once per window)."""
        deadline = round_.deadline.strftime("%Y-%m-%d %H:%M")
        texts = {
            locale: _catalogs().gettext(
                locale,
                REMINDER_TEXT,
                submitted=submitted,
                assigned=assigned,
                round=round_.name,
                deadline=deadline,
            )
            for locale in ("en", "zh_CN")
        }
        variables = {
            locale: {"title": round_.name, "start": deadline} for locale in ("en", "zh_CN")
        }
        return await self.outbox.enqueue(
            occurrence_key=f"{key}:{judge.id}",
            kind="reminder",
            texts=texts,
            variables=variables,
            user_ids=[judge.user_id] if judge.user_id is not None else [],
        )
