"""The live roadshow final: a live judging round run inside a scheduled Q&A session.

The organizer schedules the session with the Q&A scheduling (``/qa schedule``: its
reminders, Discord event and check-in come with it) and ties the live round to it
(``attach``). The running order is the round's entry order. The organizer moves the
entry on stage (``advance``: first, next, … then finished); judges see the entry on stage
in the web portal and score it from their phones. At the end the organizer reveals the
results: the round is closed if still open, then published (``JudgingService.publish``,
exactly once).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from bot.clock import Clock
from bot.errors import PodiumError
from bot.i18n import N_
from bot.scheduler import Scheduler
from bot.services.audit import AuditService
from bot.services.judging import JudgeTask, JudgingService, Round
from bot.services.qa import QAService
from bot.services.qa.models import Session
from storage.engine import Database
from storage.queries import judging_live as q

log = logging.getLogger(__name__)


class NotLiveRound(PodiumError):
    """Only a round created as live has a live final."""

    message = N_("Round {round} is not a live final (create the round with live on).")


class LiveNotSetUp(PodiumError):
    """The live round has no Q&A session yet."""

    message = N_("Round {round} is not tied to a scheduled session yet.")


class LiveSessionCancelled(PodiumError):
    """A cancelled session cannot host the final."""

    message = N_("Session {session} was cancelled: choose another one.")


class LiveFinished(PodiumError):
    """Every entry has presented."""

    message = N_("Every entry of round {round} has presented already.")


class LiveRoundNotOpen(PodiumError):
    """The stage moves while the round is open for scoring."""

    message = N_("Open round {round} for scoring before the presentations start.")


@dataclass(frozen=True, slots=True)
class LiveFinal:
    """A live final: its round, session, running order (entry ids), the position on stage
    (None before the start) and whether every entry has presented."""

    round: Round
    session: Session
    order: tuple[int, ...]
    position: int | None
    finished: bool

    @property
    def current_entry_id(self) -> int | None:
        """The entry on stage now, or None (not started, or finished)."""
        if self.finished or self.position is None or self.position >= len(self.order):
            return None
        return self.order[self.position]


@dataclass(frozen=True, slots=True)
class Revealed:
    """A revealed round; ``posted``: its results post went to the publisher."""

    round: Round
    posted: bool


@dataclass(slots=True)
class LiveFinalService:
    """Ties live rounds to Q&A sessions and moves their running order (audited)."""

    db: Database
    clock: Clock
    audit: AuditService
    judging: JudgingService
    qa: QAService
    scheduler: Scheduler

    async def attach(self, *, actor_id: int, round_id: int, session_id: int) -> LiveFinal:
        """Run the live round ``round_id`` in the Q&A session ``session_id`` (audited as
        ``judging.live_attach``). Raises UnknownRound, NotLiveRound, SessionNotFound or
        LiveSessionCancelled."""
        found = await self.judging.round(round_id)
        if not found.live:
            raise NotLiveRound(round=found.name)
        session = await self.qa.get(session_id)
        if session.status == "cancelled":
            raise LiveSessionCancelled(session=session.title)
        async with self.db.write() as conn:
            await q.attach(conn, round_id, session_id, self.clock.now())
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="judging.live_attach",
                target=f"judging_round:{round_id}",
                details={"qa_session": session_id},
            )
        return await self._required(round_id)

    async def live(self, round_id: int) -> LiveFinal | None:
        """The live final of a round, or None when it is not tied to a session."""
        found = await self.judging.round(round_id)
        async with self.db.read() as conn:
            row = await q.get(conn, round_id)
            order = await q.running_order(conn, round_id) if row is not None else []
        if row is None:
            return None
        session = await self.qa.get(row.qa_session_id)
        return LiveFinal(found, session, tuple(order), row.position, row.finished_at is not None)

    async def _required(self, round_id: int) -> LiveFinal:
        live = await self.live(round_id)
        if live is None:
            raise LiveNotSetUp(round=round_id)
        return live

    async def advance(self, *, actor_id: int, round_id: int) -> LiveFinal:
        """Put the next entry on stage (the first one at the start; past the last one the
        final is finished). Audited as ``judging.live_next``. Raises LiveNotSetUp,
        LiveRoundNotOpen or LiveFinished; a concurrent press moves once."""
        live = await self._required(round_id)
        if live.round.status != "open":
            raise LiveRoundNotOpen(round=live.round.name)
        if live.finished:
            raise LiveFinished(round=live.round.name)
        position = 0 if live.position is None else live.position + 1
        now = self.clock.now()
        finished_at: dt.datetime | None = now if position >= len(live.order) else None
        async with self.db.write() as conn:
            moved = await q.move(
                conn,
                round_id,
                expected=live.position,
                position=None if finished_at else position,
                finished_at=finished_at,
                at=now,
            )
            if moved:
                await self.audit.record(
                    conn,
                    actor_id=actor_id,
                    action="judging.live_next",
                    target=f"judging_round:{round_id}",
                    details={
                        "position": None if finished_at else position,
                        "entry": None if finished_at else live.order[position],
                        "finished": finished_at is not None,
                    },
                )
        return await self._required(round_id)

    async def judge_view(self, judge_id: int, round_id: int) -> tuple[LiveFinal, JudgeTask | None]:
        """The live final as a judge sees it: the final, and their task for the entry on
        stage (None when nothing is on stage or they do not score it). Raises LiveNotSetUp."""
        live = await self._required(round_id)
        current = live.current_entry_id
        if current is None:
            return live, None
        for task in await self.judging.queue(judge_id, round_id):
            if task.entry.entry_id == current and task.assignment.status != "withdrawn":
                return live, task
        return live, None

    async def reveal(self, *, actor_id: int, round_id: int) -> Revealed:
        """Reveal the results at the end of the final: close the round if it is still open,
        then publish (exactly once: a second reveal raises AlreadyPublished). The results
        publication goes to the one publisher when this process has one (``podium run``);
        ``posted`` False says it has none (``run --only web``)."""
        found = await self.judging.round(round_id)
        if found.status == "open":
            await self.judging.close_round(actor_id=actor_id, round_id=round_id)
        results, publications = await self.judging.publish(actor_id=actor_id, round_id=round_id)
        if not self.scheduler.can_publish:
            log.warning("judging results published without a publisher round=%s", round_id)
            return Revealed(results.round, posted=False)
        await self.scheduler.publish(publications)
        return Revealed(results.round, posted=True)
