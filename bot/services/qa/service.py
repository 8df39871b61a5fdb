"""The Q&A service: the sessions, questions, attendance and notices parts put together."""

from __future__ import annotations

from bot.services.qa.attendance import QAAttendance
from bot.services.qa.notices import QANotices
from bot.services.qa.questions import QAQuestions
from bot.services.qa.sessions import QASessions


class QAService(QAQuestions, QASessions, QANotices, QAAttendance):
    """Schedules sessions and their notices, keeps question queues, records check-ins.

    Built from its collaborators as ``QAService(db, clock, competition, audit, scheduler,
    outbox, points)`` (the fields of ``QABase``)."""

    __slots__ = ()
