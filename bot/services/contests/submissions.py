"""Entering a contest: submitting, editing and withdrawing entries, and the gallery posts."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.calendar import discord_timestamp
from bot.services.contests.base import ContestBase, present
from bot.services.contests.errors import (
    AttachmentTooLarge,
    AttachmentTypeRefused,
    ContestClosed,
    DisqualifiedWithdraw,
    InvalidTitle,
    InvalidUrl,
    NoTeam,
    NothingSubmitted,
    NotYourSubmission,
    SubmissionNotFound,
    SubmissionsClosed,
    SubmissionsNotOpen,
    TeamAlreadySubmitted,
)
from bot.services.contests.models import Attachment, Submission, submission_from_row
from storage.queries import teams as team_queries
from storage.queries.contests import entries as q
from storage.queries.contests import moderation as moderation_queries
from storage.queries.contests import votes as vote_queries
from storage.queries.contests.entries import ContestRow, DuplicateRow, SubmissionRow

MAX_URL = 512
TITLE_MIN, TITLE_MAX = 3, 100


def check_url(url: str) -> str:
    """A trimmed http(s) URL with a host, at most 512 characters; raises InvalidUrl."""
    cleaned = url.strip()
    if not cleaned or len(cleaned) > MAX_URL or any(c.isspace() for c in cleaned):
        raise InvalidUrl()
    try:
        parts = urlsplit(cleaned)
        host = parts.hostname
    except ValueError:
        raise InvalidUrl() from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise InvalidUrl()
    return cleaned


def check_title(title: str) -> str:
    """A trimmed title of 3 to 100 characters; raises InvalidTitle."""
    cleaned = " ".join(title.split())
    if not TITLE_MIN <= len(cleaned) <= TITLE_MAX:
        raise InvalidTitle()
    return cleaned


class SubmissionsMixin(ContestBase):
    """The entry use cases of the contest service."""

    def _check_attachment(self, attachment: Attachment) -> None:
        if attachment.size > self.rules.max_attachment_bytes:
            size_mb = f"{attachment.size / (1024 * 1024):.1f}"
            raise AttachmentTooLarge(size=size_mb, max=self.rules.max_attachment_mb)
        kind = (attachment.content_type or "").split(";")[0].strip().lower()
        if kind not in self.rules.attachment_types:
            raise AttachmentTypeRefused(
                type=kind or "?", types=", ".join(self.rules.attachment_types)
            )

    def _check_submission_window(self, contest: ContestRow, now: dt.datetime) -> None:
        if contest.closed_at is not None:
            raise ContestClosed(contest=contest.name)
        if now < contest.submissions_open:
            raise SubmissionsNotOpen(
                contest=contest.name, when=discord_timestamp(contest.submissions_open)
            )
        if now >= contest.submissions_close:
            raise SubmissionsClosed(
                contest=contest.name, when=discord_timestamp(contest.submissions_close)
            )

    async def submit(
        self,
        *,
        user_id: int,
        contest: str | int,
        title: str,
        url: str | None = None,
        attachment: Attachment | None = None,
    ) -> Submission:
        """``/submit``: an entry for the member's team, inside the submission window."""
        clean_title = check_title(title)
        clean_url = check_url(url) if url else None
        if attachment is not None:
            self._check_attachment(attachment)
        if clean_url is None and attachment is None:
            raise NothingSubmitted()
        now = self.clock.now()
        async with self.db.write() as conn:
            row = await self._resolve(conn, contest)
            self._check_submission_window(row, now)
            team = await team_queries.team_of(conn, self.season, user_id)
            if team is None:
                raise NoTeam()
            if not self.rules.allow_multiple_submissions:
                existing = await q.team_submissions(conn, row.id, team.id)
                if existing:
                    raise TeamAlreadySubmitted(contest=row.name, id=existing[0].id)
            try:
                new_id = await q.insert_submission(
                    conn,
                    contest_id=row.id,
                    team_id=team.id,
                    team_key=None if self.rules.allow_multiple_submissions else team.id,
                    user_id=user_id,
                    title=clean_title,
                    url=clean_url,
                    attachment_url=attachment.url if attachment else None,
                    attachment_name=attachment.filename[:256] if attachment else None,
                    attachment_type=attachment.content_type if attachment else None,
                    attachment_size=attachment.size if attachment else None,
                    created_at=now,
                    updated_at=now,
                )
            except DuplicateRow:
                raced = await q.team_submissions(conn, row.id, team.id)
                raise TeamAlreadySubmitted(
                    contest=row.name, id=raced[0].id if raced else "?"
                ) from None
            stored = await q.get_submission(conn, new_id)
        return submission_from_row(present(stored), row.name, 0)

    async def _own_submission(
        self, conn: AsyncConnection, user_id: int, submission_id: int
    ) -> tuple[SubmissionRow, ContestRow]:
        stored = await q.get_submission(conn, submission_id)
        if stored is None or stored.withdrawn_at is not None:
            raise SubmissionNotFound(id=submission_id)
        contest = await q.get_contest(conn, stored.contest_id)
        if contest is None or contest.season != self.season:
            raise SubmissionNotFound(id=submission_id)
        team = await team_queries.team_of(conn, self.season, user_id)
        if team is None or team.id != stored.team_id:
            raise NotYourSubmission(id=submission_id)
        self._check_submission_window(contest, self.clock.now())
        return stored, contest

    async def edit(
        self,
        *,
        user_id: int,
        submission_id: int,
        title: str | None = None,
        url: str | None = None,
        attachment: Attachment | None = None,
    ) -> Submission:
        """``/submit edit``: change title, link or file before submissions close (team members)."""
        values: dict[str, object] = {}
        if title is not None:
            values["title"] = check_title(title)
        if url is not None:
            values["url"] = check_url(url)
        if attachment is not None:
            self._check_attachment(attachment)
            values.update(
                attachment_url=attachment.url,
                attachment_name=attachment.filename[:256],
                attachment_type=attachment.content_type,
                attachment_size=attachment.size,
            )
        if not values:
            raise NothingSubmitted()
        async with self.db.write() as conn:
            stored, contest = await self._own_submission(conn, user_id, submission_id)
            await q.update_submission(conn, stored.id, updated_at=self.clock.now(), **values)
            updated = await q.get_submission(conn, stored.id)
            count = await vote_queries.count_for(conn, stored.id)
        return submission_from_row(present(updated), contest.name, count)

    async def withdraw(self, *, user_id: int, submission_id: int) -> Submission:
        """``/submit withdraw``: take the entry out before submissions close (team members).
        A disqualified entry stays (else the team could withdraw it and enter again)."""
        async with self.db.write() as conn:
            stored, contest = await self._own_submission(conn, user_id, submission_id)
            moderation = await moderation_queries.get_state(conn, stored.id)
            if moderation is not None and moderation.state == "disqualified":
                raise DisqualifiedWithdraw(id=submission_id)
            await q.update_submission(conn, stored.id, withdrawn_at=self.clock.now())
            updated = await q.get_submission(conn, stored.id)
        return submission_from_row(present(updated), contest.name, 0)

    async def team_entries(self, user_id: int) -> list[Submission]:
        """The member's team's active entries in unclosed contests (for autocomplete)."""
        async with self.db.read() as conn:
            team = await team_queries.team_of(conn, self.season, user_id)
            if team is None:
                return []
            found: list[Submission] = []
            for contest in await q.unclosed_contests(conn, self.season):
                for row in await q.team_submissions(conn, contest.id, team.id):
                    found.append(submission_from_row(row, contest.name, 0))
        return found

    async def submission(self, submission_id: int) -> Submission:
        """An entry with its counted votes. Raises SubmissionNotFound."""
        async with self.db.read() as conn:
            found = await q.submission_shown(conn, submission_id)
        if found is None:
            raise SubmissionNotFound(id=submission_id)
        stored, contest_name, count, moderation = found
        return submission_from_row(stored, contest_name, count, moderation)

    async def set_gallery_message(
        self, submission_id: int, *, channel_id: int, message_id: int
    ) -> None:
        """Remember where the entry's gallery post is."""
        async with self.db.write() as conn:
            await q.update_submission(
                conn, submission_id, channel_id=channel_id, message_id=message_id
            )
