"""Entry moderation: organizers hide, disqualify or restore entries; members report them.

A hidden or disqualified entry is out of the contest: every listing that feeds galleries,
results and judging leaves it out (``listed_submissions``, the one place that rule lives),
its votes stop counting and give their voters' allowance back, and it takes no new votes
or reports. Hide and disqualify need a reason; each change is audited, resolves the entry's
open reports and is told to the team by DM (the submitter and the captain), each DM once
(its journal key names the audit record). Results are final once a contest closes, so its
entries are no longer moderated then. Restoring an entry makes its votes count again, even
for a voter who has used the freed vote elsewhere meanwhile.

Reports: one per member per entry (a database constraint), never for one's own team's
entry, with an optional reason of at most ``MAX_REPORT_TEXT`` characters. Entries with open
reports form the organizers' queue; when an entry's open reports reach
``[moderation] report_alert_threshold`` the organizers' channel gets a notice (once per
crossing: its key names the report that crossed).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.services.contests.base import ContestBase, present
from bot.services.contests.errors import (
    AlreadyDisqualified,
    AlreadyHidden,
    AlreadyReported,
    ContestClosed,
    EntryModerated,
    EntryNotModerated,
    InvalidReason,
    InvalidReportText,
    ModerationClosed,
    NoOpenReports,
    OwnEntryReport,
    SubmissionNotFound,
)
from bot.services.contests.models import (
    ModerationNotice,
    ModerationOutcome,
    ReportAlert,
    ReportedEntry,
    ReportOutcome,
    Submission,
    submission_from_row,
)
from bot.services.publications import Publication
from storage.queries import members as member_queries
from storage.queries import teams as team_queries
from storage.queries.contests import entries as q
from storage.queries.contests import moderation as mq
from storage.queries.contests.entries import ContestRow, DuplicateRow, SubmissionRow
from storage.queries.contests.moderation import EntryFound

HIDDEN = "hidden"
DISQUALIFIED = "disqualified"
RESTORED = "restored"
#: The publication kind of the DM that tells a team about its entry's moderation.
MODERATION_PUBLICATION = "contest.moderation-notice"
#: The publication kind of the organizers' notice about an entry's reports.
REPORT_ALERT_PUBLICATION = "contest.report-alert"
ORGANIZERS = "channel:organizers"
MAX_REASON = 200
MAX_REPORT_TEXT = 300
#: Entries the report queue shows at once, and reasons per entry.
QUEUE_SIZE = 5
QUEUE_REASONS = 3

_ACTIONS = {HIDDEN: "contest.entry_hide", DISQUALIFIED: "contest.entry_disqualify"}


class ModerationMixin(ContestBase):
    """The moderation use cases of the contest service."""

    async def listed_submissions(
        self, conn: AsyncConnection, contest_id: int
    ) -> list[SubmissionRow]:
        """The contest's entries that count: not withdrawn, not hidden, not disqualified,
        oldest first. Standings, results, the public gallery and judging read entries
        through this one rule."""
        return await q.unmoderated_submissions(conn, contest_id)

    async def listed_entries(self, contest: str | int) -> list[Submission]:
        """The contest's entries that count (``listed_submissions``), without vote counts."""
        async with self.db.read() as conn:
            row = await self._resolve(conn, contest)
            rows = await self.listed_submissions(conn, row.id)
        return [submission_from_row(r, row.name, 0) for r in rows]

    async def find_entries(self, text: str, *, limit: int = 25) -> list[EntryFound]:
        """Entries of unclosed contests matching ``text`` (id, title or team), moderated ones
        too (for the organizers' autocomplete), newest first."""
        async with self.db.read() as conn:
            return await mq.search_entries(conn, self.season, text, limit=limit)

    # -- organizers ---------------------------------------------------------------------
    async def hide(self, *, actor_id: int, submission_id: int, reason: str) -> ModerationOutcome:
        """``/contest entry-hide``: take the entry out of the gallery, votes and results
        until restored (see the module docstring)."""
        return await self._moderate(actor_id, submission_id, HIDDEN, _reason(reason))

    async def disqualify(
        self, *, actor_id: int, submission_id: int, reason: str
    ) -> ModerationOutcome:
        """``/contest entry-disqualify``: as hiding, and the gallery says it is disqualified."""
        return await self._moderate(actor_id, submission_id, DISQUALIFIED, _reason(reason))

    async def restore(
        self, *, actor_id: int, submission_id: int, reason: str | None = None
    ) -> ModerationOutcome:
        """``/contest entry-restore``: undo a hide or disqualification; its votes count again."""
        clean = _reason(reason) if reason and reason.strip() else ""
        return await self._moderate(actor_id, submission_id, None, clean)

    async def _entry(
        self, conn: AsyncConnection, submission_id: int
    ) -> tuple[SubmissionRow, ContestRow]:
        stored = await q.get_submission(conn, submission_id)
        if stored is None or stored.withdrawn_at is not None:
            raise SubmissionNotFound(id=submission_id)
        contest = await q.get_contest(conn, stored.contest_id)
        if contest is None or contest.season != self.season:
            raise SubmissionNotFound(id=submission_id)
        return stored, contest

    async def _moderate(
        self, actor_id: int, submission_id: int, state: str | None, reason: str
    ) -> ModerationOutcome:
        now = self.clock.now()
        async with self.db.write() as conn:
            # One moderation of an entry at a time: the second reads the first's result.
            await mq.lock_entry(conn, submission_id)
            stored, contest = await self._entry(conn, submission_id)
            if contest.closed_at is not None:
                raise ModerationClosed(contest=contest.name)
            current = await mq.get_state(conn, submission_id)
            previous = current.state if current is not None else None
            if state is None:
                if not await mq.clear_state(conn, submission_id):
                    raise EntryNotModerated(id=submission_id)
            else:
                already = AlreadyHidden if state == HIDDEN else AlreadyDisqualified
                if previous == state:
                    raise already(id=submission_id)
                try:
                    await mq.set_state(
                        conn, submission_id, state=state, reason=reason, by=actor_id, at=now
                    )
                except DuplicateRow:  # another organizer moderated it at the same moment
                    raise already(id=submission_id) from None
            resolved = await mq.resolve_reports(conn, submission_id, at=now, by=actor_id)
            audit_id = await self.audit.record(
                conn,
                actor_id=actor_id,
                action=_ACTIONS.get(state or "", "contest.entry_restore"),
                target=f"submission:{submission_id}",
                details={
                    "contest_id": contest.id,
                    "team_id": stored.team_id,
                    "title": stored.title,
                    "reason": reason,
                    "previous": previous,
                    "reports_resolved": resolved,
                },
            )
            recipients = [stored.user_id]
            team = await team_queries.get(conn, stored.team_id)
            if team is not None and team.captain_id not in recipients:
                recipients.append(team.captain_id)
            default = self.competition.competition.default_locale
            publications = []
            for user_id in recipients:
                member = await member_queries.get(conn, user_id)
                notice = ModerationNotice(
                    submission_id=submission_id,
                    title=stored.title,
                    contest_name=contest.name,
                    action=state or RESTORED,
                    reason=reason,
                    locale=member.locale if member is not None else default,
                )
                publications.append(
                    Publication(
                        f"contest-moderation:{audit_id}:dm:{user_id}",
                        MODERATION_PUBLICATION,
                        notice,
                        user_id=user_id,
                    )
                )
            shown = present(await q.submission_shown(conn, submission_id))
        entry = submission_from_row(shown[0], shown[1], shown[2], shown[3])
        return ModerationOutcome(entry=entry, previous=previous, publications=tuple(publications))

    async def report_queue(
        self, contest: str | int | None = None, *, limit: int = QUEUE_SIZE
    ) -> list[ReportedEntry]:
        """``/contest reports``: entries with open reports (of one contest, or all of the
        season's), most reports first, each with its newest reasons."""
        async with self.db.read() as conn:
            contest_id = (await self._resolve(conn, contest)).id if contest else None
            rows = await mq.queue(conn, self.season, contest_id=contest_id, limit=limit)
            texts = await mq.latest_texts(
                conn, [r.submission_id for r in rows], per_entry=QUEUE_REASONS
            )
        return [
            ReportedEntry(
                submission_id=r.submission_id,
                contest_name=r.contest_name,
                title=r.title,
                team_name=r.team_name,
                open_reports=r.open_reports,
                latest_at=r.latest_at,
                reasons=tuple(texts.get(r.submission_id, ())),
            )
            for r in rows
        ]

    async def dismiss_reports(self, *, actor_id: int, submission_id: int) -> int:
        """The queue's Dismiss: the entry's open reports are resolved and it stays listed;
        audited. Returns how many were dismissed; raises NoOpenReports when none were open."""
        now = self.clock.now()
        async with self.db.write() as conn:
            stored, _contest = await self._entry(conn, submission_id)
            dismissed = await mq.resolve_reports(conn, submission_id, at=now, by=actor_id)
            if not dismissed:
                raise NoOpenReports(id=submission_id)
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="contest.reports_dismiss",
                target=f"submission:{submission_id}",
                details={"contest_id": stored.contest_id, "reports": dismissed},
            )
        return dismissed

    # -- members ------------------------------------------------------------------------
    async def _report_target(
        self, conn: AsyncConnection, user_id: int, submission_id: int
    ) -> tuple[SubmissionRow, ContestRow]:
        stored, contest = await self._entry(conn, submission_id)
        if contest.closed_at is not None:
            raise ContestClosed(contest=contest.name)
        if await mq.get_state(conn, submission_id) is not None:
            raise EntryModerated()
        team = await team_queries.team_of(conn, self.season, user_id)
        if team is not None and team.id == stored.team_id:
            raise OwnEntryReport()
        if await mq.has_report(conn, submission_id, user_id):
            raise AlreadyReported()
        return stored, contest

    async def check_report(self, *, user_id: int, submission_id: int) -> None:
        """Raise what ``report`` would refuse (before asking the member for a reason)."""
        async with self.db.read() as conn:
            await self._report_target(conn, user_id, submission_id)

    async def report(
        self, *, user_id: int, submission_id: int, text: str | None = None
    ) -> ReportOutcome:
        """A member's Report of an entry, once per member and entry (see the module
        docstring); a refused report raises and records nothing."""
        clean = " ".join((text or "").split()) or None
        if clean is not None and len(clean) > MAX_REPORT_TEXT:
            raise InvalidReportText(max=MAX_REPORT_TEXT)
        now = self.clock.now()
        async with self.db.write() as conn:
            stored, contest = await self._report_target(conn, user_id, submission_id)
            try:
                report_id = await mq.insert_report(
                    conn,
                    submission_id=submission_id,
                    contest_id=contest.id,
                    user_id=user_id,
                    text_=clean,
                    at=now,
                )
            except DuplicateRow:
                raise AlreadyReported() from None
            open_reports = await mq.open_count(conn, submission_id)
        threshold = self.competition.moderation.report_alert_threshold
        publications: tuple[Publication, ...] = ()
        if threshold and open_reports == threshold:
            alert = ReportAlert(
                submission_id=submission_id,
                title=stored.title,
                team_name=stored.team_name,
                contest_name=contest.name,
                open_reports=open_reports,
            )
            key = f"contest-reports:{submission_id}:{report_id}"
            publications = (Publication(key, REPORT_ALERT_PUBLICATION, alert, resource=ORGANIZERS),)
        return ReportOutcome(
            submission_id=submission_id, open_reports=open_reports, publications=publications
        )


def _reason(reason: str | None) -> str:
    """A trimmed reason of 1 to 200 characters; raises InvalidReason."""
    clean = " ".join((reason or "").split())
    if not 1 <= len(clean) <= MAX_REASON:
        raise InvalidReason()
    return clean
