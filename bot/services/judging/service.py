"""The judging service: the pool, rounds, sheets, results and reminders parts put together."""

from __future__ import annotations

from bot.services.judging.pool import JudgingPool
from bot.services.judging.rounds import JudgingRounds
from bot.services.judging.sheets import JudgingSheets


class JudgingService(JudgingPool, JudgingRounds, JudgingSheets):
    """Judges, rounds, assignment, scoring, results and reminders (issue 16).

    Built from its collaborators as ``JudgingService(db, clock, competition, audit, points,
    outbox, scheduler)`` (the fields of ``JudgingBase``)."""

    __slots__ = ()
