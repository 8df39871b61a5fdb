"""The contests' values: contests, entries, vote and void outcomes, results, flagged clusters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.services.publications import Publication
from storage.queries.contests.entries import ContestRow, SubmissionRow


@dataclass(frozen=True, slots=True)
class Contest:
    """A contest; ``voting_ends`` is the exclusive end (the close instant if closed early)."""

    id: int
    name: str
    category: str
    submissions_open: dt.datetime
    submissions_close: dt.datetime
    voting_close: dt.datetime
    max_votes: int
    gallery_channel_id: int | None
    closed_at: dt.datetime | None
    results_message_id: int | None

    @property
    def voting_opens(self) -> dt.datetime:
        """Voting opens when submissions close (inclusive)."""
        return self.submissions_close

    @property
    def voting_ends(self) -> dt.datetime:
        """The exclusive end of voting."""
        return voting_ends(self.voting_close, self.closed_at)


def voting_ends(voting_close: dt.datetime, closed_at: dt.datetime | None) -> dt.datetime:
    """The exclusive end of voting: the voting close, or the close instant if earlier."""
    if closed_at is not None and closed_at < voting_close:
        return closed_at
    return voting_close


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file given with a submission (as the platform reported it)."""

    url: str
    filename: str
    content_type: str | None
    size: int


@dataclass(frozen=True, slots=True)
class Submission:
    """An entry as the gallery shows it."""

    id: int
    contest_id: int
    contest_name: str
    team_id: int
    team_name: str
    user_id: int
    title: str
    url: str | None
    attachment_url: str | None
    attachment_name: str | None
    channel_id: int | None
    message_id: int | None
    withdrawn: bool
    votes: int
    #: ``hidden`` or ``disqualified`` by an organizer, else None (listed normally)
    moderation: str | None = None


@dataclass(frozen=True, slots=True)
class VoteOutcome:
    """What one press did: ``added`` True for a vote, False for a vote taken back; ``used``
    of ``max_votes`` is the voter's allowance. The entry's count is not part of it: a
    press does not need it, and the gallery reads it when it re-renders (``count``)."""

    submission_id: int
    added: bool
    used: int
    max_votes: int
    channel_id: int | None
    message_id: int | None


@dataclass(frozen=True, slots=True)
class VoidOutcome:
    """One vote voided: its entry, the entry's count now, and the gallery post to refresh."""

    submission_id: int
    count: int
    channel_id: int | None
    message_id: int | None


@dataclass(frozen=True, slots=True)
class Placing:
    """One line of the results: place (None before close), entry, counted votes, points."""

    place: int | None
    submission_id: int
    title: str
    team_id: int
    team_name: str
    votes: int
    points: int


@dataclass(frozen=True, slots=True)
class Results:
    """A contest's standings; final when ``closed``. ``closed_now``: this call closed it."""

    contest: Contest
    closed: bool
    closed_now: bool
    placings: tuple[Placing, ...]


@dataclass(frozen=True, slots=True)
class FlaggedCluster:
    """A brushing cluster with the entry it concerns."""

    submission_id: int
    title: str
    team_name: str
    vote_ids: tuple[int, ...]
    voter_ids: tuple[int, ...]
    reasons: tuple[str, ...]
    first_vote_at: dt.datetime
    last_vote_at: dt.datetime


def contest_from_row(row: ContestRow, default_max: int) -> Contest:
    """A stored contest as the service shows it (``default_max`` when it sets no maximum)."""
    return Contest(
        id=row.id,
        name=row.name,
        category=row.category,
        submissions_open=row.submissions_open,
        submissions_close=row.submissions_close,
        voting_close=row.voting_close,
        max_votes=row.max_votes or default_max,
        gallery_channel_id=row.gallery_channel_id,
        closed_at=row.closed_at,
        results_message_id=row.results_message_id,
    )


def submission_from_row(
    row: SubmissionRow, contest_name: str, count: int, moderation: str | None = None
) -> Submission:
    """A stored entry as the gallery shows it, with its contest's name, counted votes and
    moderation state."""
    return Submission(
        id=row.id,
        contest_id=row.contest_id,
        contest_name=contest_name,
        team_id=row.team_id,
        team_name=row.team_name,
        user_id=row.user_id,
        title=row.title,
        url=row.url,
        attachment_url=row.attachment_url,
        attachment_name=row.attachment_name,
        channel_id=row.channel_id,
        message_id=row.message_id,
        withdrawn=row.withdrawn_at is not None,
        votes=count,
        moderation=moderation,
    )


@dataclass(frozen=True, slots=True)
class ModerationNotice:
    """What the team is told by DM when an organizer hides, disqualifies or restores their
    entry (``action``: ``hidden``, ``disqualified`` or ``restored``), in ``locale``."""

    submission_id: int
    title: str
    contest_name: str
    action: str
    reason: str
    locale: str


@dataclass(frozen=True, slots=True)
class ModerationOutcome:
    """An entry hidden, disqualified or restored: the entry now (to re-render its gallery
    post), its state before, and the DMs to its team (post them with the publisher)."""

    entry: Submission
    previous: str | None
    publications: tuple[Publication, ...]


@dataclass(frozen=True, slots=True)
class ReportAlert:
    """The organizers' notice that an entry has ``open_reports`` open reports."""

    submission_id: int
    title: str
    team_name: str
    contest_name: str
    open_reports: int


@dataclass(frozen=True, slots=True)
class ReportOutcome:
    """A report recorded: the entry's open reports now, and the organizers' notice when
    this report reached the threshold (post it with the publisher)."""

    submission_id: int
    open_reports: int
    publications: tuple[Publication, ...]


@dataclass(frozen=True, slots=True)
class ReportedEntry:
    """One line of the organizers' report queue, with the newest reasons given."""

    submission_id: int
    contest_name: str
    title: str
    team_name: str
    open_reports: int
    latest_at: dt.datetime
    reasons: tuple[str, ...]
