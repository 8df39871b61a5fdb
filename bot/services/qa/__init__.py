"""Q&A sessions, expert clinics and alumni sharing (SPEC §3.5).

``sessions`` schedules, edits and cancels them; ``notices`` owns their reminder, start and
cancellation jobs; ``questions`` keeps each session's queue; ``attendance`` records RSVPs
and check-ins. ``QAService`` (``service``) is all of them in one object.
"""

from bot.services.qa.errors import (
    AlreadyCheckedIn,
    CheckInClosed,
    NothingToEdit,
    NotHost,
    OpenQuestionExists,
    OwnQuestion,
    QuestionAnswered,
    QuestionLength,
    QuestionNotFound,
    SessionCancelled,
    SessionNotFound,
    SessionOver,
    SessionStarted,
    StartInPast,
)
from bot.services.qa.models import CheckIn, Notice, NoticePost, Question, Session, Upvote
from bot.services.qa.notices import (
    CANCEL_JOB,
    CANCELLED,
    NOTICE_OF_JOB,
    NOTICE_PUBLICATION,
    REMINDER,
    REMINDER_JOB,
    START,
    START_JOB,
    NoticeWording,
    cancel_key,
    reminder_key,
    start_key,
)
from bot.services.qa.questions import MAX_QUESTION
from bot.services.qa.service import QAService
from bot.services.qa.sessions import KINDS, MAX_DURATION, MAX_TITLE

__all__ = [
    "CANCELLED",
    "CANCEL_JOB",
    "KINDS",
    "MAX_DURATION",
    "MAX_QUESTION",
    "MAX_TITLE",
    "NOTICE_OF_JOB",
    "NOTICE_PUBLICATION",
    "REMINDER",
    "REMINDER_JOB",
    "START",
    "START_JOB",
    "AlreadyCheckedIn",
    "CheckIn",
    "CheckInClosed",
    "NotHost",
    "NothingToEdit",
    "Notice",
    "NoticePost",
    "NoticeWording",
    "OpenQuestionExists",
    "OwnQuestion",
    "QAService",
    "Question",
    "QuestionAnswered",
    "QuestionLength",
    "QuestionNotFound",
    "Session",
    "SessionCancelled",
    "SessionNotFound",
    "SessionOver",
    "SessionStarted",
    "StartInPast",
    "Upvote",
    "cancel_key",
    "reminder_key",
    "start_key",
]
