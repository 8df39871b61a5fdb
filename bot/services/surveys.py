"""NPS surveys: a question with 0-10 buttons, one changeable answer per member, the score.

NPS = % promoters (9-10) − % detractors (0-6), rounded half up to a whole number, from
-100 to 100; passives (7-8) count only in the total. Surveys stay open: an organizer who
wants a fresh reading posts a new one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.clock import Clock
from bot.errors import PodiumError
from bot.i18n import N_
from bot.services.audit import AuditService
from storage.engine import Database
from storage.queries import surveys as q
from storage.queries.surveys import SurveyRow

MAX_QUESTION = 300
SCORES = range(0, 11)


class UnknownSurvey(PodiumError):
    """The survey id does not exist."""

    message = N_("There is no survey {survey}. Pick one from the list.")


class NoSurveys(PodiumError):
    """No survey was ever posted."""

    message = N_("No survey has been posted yet. Post one with /survey nps-post.")


class NoAnswersYet(PodiumError):
    """The survey exists but nobody answered."""

    message = N_("Survey {survey} has no answers yet, so there is no score to show.")


class InvalidQuestion(PodiumError):
    """The question is empty or too long."""

    message = N_("The question must be 1 to {max} characters long.")


class InvalidScore(PodiumError):
    """A score outside 0-10 (a forged button)."""

    message = N_("A score is a whole number from 0 to 10.")


@dataclass(frozen=True, slots=True)
class Survey:
    """A posted NPS survey."""

    id: int
    question: str
    channel_id: int | None
    message_id: int | None
    created_by: int
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class NpsAnswer:
    """What one press did: the score now held and the one it replaced (None: first)."""

    survey_id: int
    score: int
    previous: int | None


@dataclass(frozen=True, slots=True)
class NpsResults:
    """A survey's score with the counts behind it."""

    survey: Survey
    total: int
    promoters: int  # 9-10
    passives: int  # 7-8
    detractors: int  # 0-6
    nps: int  # -100..100, rounded half up
    distribution: tuple[int, ...]  # answers per score, index 0..10


def nps_score(promoters: int, detractors: int, total: int) -> int:
    """% promoters − % detractors, rounded half up to a whole number (total > 0)."""
    if total <= 0:
        raise ValueError("NPS needs at least one answer")
    # round half up in exact integer arithmetic: floor(x + 1/2) with x = 100 (p - d) / total
    return (200 * (promoters - detractors) + total) // (2 * total)


def _survey(row: SurveyRow) -> Survey:
    return Survey(
        id=row.id,
        question=row.question,
        channel_id=row.channel_id,
        message_id=row.message_id,
        created_by=row.created_by,
        created_at=row.created_at,
    )


class SurveyService:
    """Creates NPS surveys, stores answers and computes the score."""

    def __init__(self, db: Database, clock: Clock, audit: AuditService) -> None:
        self.db = db
        self.clock = clock
        self.audit = audit

    async def create(self, *, actor_id: int, question: str, channel_id: int | None) -> Survey:
        """A new survey (audited as ``survey.nps_post``); whitespace is collapsed."""
        clean = " ".join(question.split())
        if not 1 <= len(clean) <= MAX_QUESTION:
            raise InvalidQuestion(max=MAX_QUESTION)
        async with self.db.write() as conn:
            row = await q.create(
                conn,
                question=clean,
                channel_id=channel_id,
                created_by=actor_id,
                now=self.clock.now(),
            )
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="survey.nps_post",
                target=f"survey:{row.id}",
                details={"channel_id": channel_id},
            )
        return _survey(row)

    async def posted(self, survey_id: int, *, channel_id: int, message_id: int) -> None:
        """Remember the message that carries the survey's buttons."""
        async with self.db.write() as conn:
            await q.set_message(conn, survey_id, channel_id=channel_id, message_id=message_id)

    async def discard(self, survey_id: int) -> None:
        """Remove a survey whose message could not be posted (no one could answer it)."""
        async with self.db.write() as conn:
            await q.delete_unanswered(conn, survey_id)

    async def answer(self, *, survey_id: int, user_id: int, score: int) -> NpsAnswer:
        """Store the member's score, replacing an earlier one (one answer per member)."""
        if score not in SCORES:
            raise InvalidScore()
        async with self.db.write() as conn:
            if await q.get(conn, survey_id) is None:
                raise UnknownSurvey(survey=survey_id)
            previous = await q.answer_of(conn, survey_id, user_id)
            await q.put_answer(
                conn, survey_id=survey_id, user_id=user_id, score=score, now=self.clock.now()
            )
        return NpsAnswer(survey_id=survey_id, score=score, previous=previous)

    async def get(self, survey_id: int) -> Survey:
        """One survey (UnknownSurvey otherwise)."""
        async with self.db.read() as conn:
            row = await q.get(conn, survey_id)
        if row is None:
            raise UnknownSurvey(survey=survey_id)
        return _survey(row)

    async def recent(self, *, limit: int = 25) -> list[Survey]:
        """The newest surveys first (for autocomplete)."""
        async with self.db.read() as conn:
            return [_survey(row) for row in await q.recent(conn, limit=limit)]

    async def results(self, survey_id: int | None = None) -> NpsResults:
        """The NPS of ``survey_id`` (default: the latest survey).

        Raises NoSurveys, UnknownSurvey, or NoAnswersYet when nobody answered.
        """
        async with self.db.read() as conn:
            if survey_id is None:
                row = await q.latest(conn)
                if row is None:
                    raise NoSurveys()
            else:
                row = await q.get(conn, survey_id)
                if row is None:
                    raise UnknownSurvey(survey=survey_id)
            counts = await q.score_counts(conn, row.id)
        distribution = tuple(counts.get(score, 0) for score in SCORES)
        total = sum(distribution)
        if total == 0:
            raise NoAnswersYet(survey=row.id)
        promoters = distribution[9] + distribution[10]
        passives = distribution[7] + distribution[8]
        detractors = total - promoters - passives
        return NpsResults(
            survey=_survey(row),
            total=total,
            promoters=promoters,
            passives=passives,
            detractors=detractors,
            nps=nps_score(promoters, detractors, total),
            distribution=distribution,
        )

    async def latest_results(self) -> NpsResults | None:
        """The latest survey's results for the dashboard; None without a survey or answers."""
        try:
            return await self.results()
        except (NoSurveys, NoAnswersYet):
            return None
