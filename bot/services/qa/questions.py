"""Q&A questions: asking, upvoting, answering and the queue of each session."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from bot.services.qa.errors import (
    NotHost,
    OpenQuestionExists,
    OwnQuestion,
    QuestionAnswered,
    QuestionLength,
    QuestionNotFound,
    SessionCancelled,
    SessionNotFound,
)
from bot.services.qa.models import Question, Session, Upvote, _present, _question, _session
from bot.services.qa.sessions import QASessions
from storage.queries import qa as q
from storage.queries.qa import SessionRow

MAX_QUESTION = 300


class QAQuestions(QASessions):
    """Keeps each session's question queue: asking, upvoting, answering."""

    __slots__ = ()

    async def ask(self, *, user_id: int, session_id: int, text: str) -> Question:
        """Put a question in the session's queue: 1-300 characters, one open question per
        member per session (also a database constraint)."""
        cleaned = text.strip()
        if not cleaned or len(cleaned) > MAX_QUESTION:
            raise QuestionLength(max=MAX_QUESTION, length=len(cleaned))
        now = self.clock.now()
        try:
            async with self.db.write() as conn:
                await self._open_session(conn, session_id)
                existing = await q.open_question_of(conn, session_id, user_id)
                if existing is not None:
                    raise OpenQuestionExists(question=existing.id)
                question_id = await q.add_question(
                    conn,
                    session_id=session_id,
                    asker_id=user_id,
                    text=cleaned,
                    status="open",
                    created_at=now,
                )
                row = await q.get_question(conn, question_id)
        except IntegrityError:
            async with self.db.read() as conn:
                existing = await q.open_question_of(conn, session_id, user_id)
            raise OpenQuestionExists(question=existing.id if existing else 0) from None
        return _question(_present(row, session_id))

    async def set_question_message(
        self, question_id: int, channel_id: int, message_id: int
    ) -> None:
        """Remember the public message that shows a question."""
        async with self.db.write() as conn:
            await q.update_question(conn, question_id, channel_id=channel_id, message_id=message_id)

    async def set_queue_message(self, session_id: int, channel_id: int, message_id: int) -> None:
        """Remember the live queue message of a session (the newest one is kept current)."""
        async with self.db.write() as conn:
            await q.update_session(
                conn, session_id, queue_channel_id=channel_id, queue_message_id=message_id
            )

    async def question(self, question_id: int) -> Question:
        """One question (QuestionNotFound otherwise)."""
        async with self.db.read() as conn:
            row = await q.get_question(conn, question_id)
        if row is None:
            raise QuestionNotFound(id=question_id)
        return _question(row)

    async def upvote(self, *, user_id: int, question_id: int) -> Upvote:
        """Toggle the member's upvote on an open question (never their own)."""
        now = self.clock.now()
        async with self.db.write() as conn:
            row = await q.get_question(conn, question_id)
            if row is None:
                raise QuestionNotFound(id=question_id)
            if row.status != "open":
                raise QuestionAnswered(id=question_id)
            if row.asker_id == user_id:
                raise OwnQuestion()
            session = await q.get_session(conn, row.session_id)
            if session is None or session.status == "cancelled":
                raise SessionCancelled(id=row.session_id)
            if await q.has_vote(conn, question_id, user_id):
                await q.remove_vote(conn, question_id, user_id)
                added = False
            else:
                await q.add_vote(conn, question_id, user_id, now)
                added = True
            updated = await q.get_question(conn, question_id)
        return Upvote(_question(_present(updated, question_id)), added)

    async def queue(self, session_id: int, *, limit: int | None = 10) -> list[Question]:
        """The session's open questions, most upvoted first, then oldest first."""
        async with self.db.read() as conn:
            rows = await q.open_questions(conn, session_id, limit=limit)
        return [_question(row) for row in rows]

    async def question_counts(self, session_id: int) -> dict[str, int]:
        """Questions of a session per status (open, answered)."""
        async with self.db.read() as conn:
            return await q.count_questions(conn, session_id)

    def _require_host(self, session: SessionRow, actor_id: int, is_organizer: bool) -> None:
        if not is_organizer and session.host_id != actor_id:
            raise NotHost()

    async def host_queue(
        self, *, actor_id: int, is_organizer: bool, session_id: int, limit: int = 10
    ) -> tuple[Session, list[Question]]:
        """``/qa queue``: the top questions, for the host or an organizer."""
        async with self.db.read() as conn:
            row = await q.get_session(conn, session_id)
            if row is None or row.season != self.season:
                raise SessionNotFound(id=session_id)
            if row.status == "cancelled":
                raise SessionCancelled(id=session_id)
            self._require_host(row, actor_id, is_organizer)
            questions = await q.open_questions(conn, session_id, limit=limit)
        return _session(row), [_question(r) for r in questions]

    async def answered(self, *, actor_id: int, is_organizer: bool, question_id: int) -> Question:
        """Mark a question answered (host or organizer); the asker may then ask again."""
        now = self.clock.now()
        async with self.db.write() as conn:
            row = await q.get_question(conn, question_id)
            if row is None:
                raise QuestionNotFound(id=question_id)
            session = await q.get_session(conn, row.session_id)
            if session is None:
                raise QuestionNotFound(id=question_id)
            self._require_host(session, actor_id, is_organizer)
            if row.status != "open":
                raise QuestionAnswered(id=question_id)
            await q.update_question(
                conn, question_id, status="answered", answered_at=now, answered_by=actor_id
            )
            if is_organizer and session.host_id != actor_id:
                await self.audit.record(
                    conn,
                    actor_id=actor_id,
                    action="qa.answered",
                    target=f"qa-question:{question_id}",
                )
            updated = await q.get_question(conn, question_id)
        return _question(_present(updated, question_id))

    async def answerable(
        self, *, actor_id: int, is_organizer: bool, text: str, limit: int = 25
    ) -> list[Question]:
        """Open questions of sessions the actor hosts (all sessions for organizers)."""
        sessions = await self.upcoming(limit=200)
        ids = [s.id for s in sessions if is_organizer or s.host_id == actor_id]
        async with self.db.read() as conn:
            rows = await q.open_questions_for(conn, ids, limit=200)
        wanted = text.strip().casefold().lstrip("#")
        found = [
            _question(r)
            for r in rows
            if not wanted or wanted in r.text.casefold() or wanted == str(r.id)
        ]
        return found[:limit]
