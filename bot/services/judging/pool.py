"""The judge pool: adding, changing and removing judges (a removed judge's unfinished work
goes to others by the assignment rules). Every change is audited."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.services.judging.base import to_judge
from bot.services.judging.errors import InvalidJudge, InvalidTags, JudgeExists
from bot.services.judging.models import Judge
from bot.services.judging.work import UNFINISHED, JudgingWork
from storage.queries import judging as q

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_TAGS, MAX_TAG = 10, 30


def clean_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Tags lower-cased and trimmed, each once, in the order given (InvalidTags if too
    many or too long)."""
    result: list[str] = []
    for tag in tags:
        text = " ".join(str(tag).split()).lower()
        if not text:
            continue
        if len(text) > MAX_TAG:
            raise InvalidTags()
        if text not in result:
            result.append(text)
    if len(result) > MAX_TAGS:
        raise InvalidTags()
    return tuple(result)


class JudgingPool(JudgingWork):
    """Adds, changes and removes judges."""

    __slots__ = ()

    async def add_judge(
        self,
        *,
        actor_id: int,
        user_id: int | None = None,
        name: str,
        email: str | None = None,
        tags: Iterable[str] = (),
        conflict_team_ids: Iterable[int] = (),
    ) -> Judge:
        """Add a Discord judge (``user_id``) or an external one (``email``). A removed judge
        added again comes back with the new tags and conflicts. Audited."""
        clean_name = " ".join(name.split())
        clean_email = email.strip().lower() if email and email.strip() else None
        if not 1 <= len(clean_name) <= 100:
            raise InvalidJudge()
        if clean_email is not None and (
            len(clean_email) > 254 or not _EMAIL.fullmatch(clean_email)
        ):
            raise InvalidJudge()
        if user_id is None and clean_email is None:
            raise InvalidJudge()
        clean = clean_tags(tags)
        conflicts = sorted({int(t) for t in conflict_team_ids})
        now = self.clock.now()
        async with self.db.write() as conn:
            by_user = await q.judge_by(conn, self.season, user_id=user_id)
            by_email = await q.judge_by(conn, self.season, email=clean_email)
            if by_user is not None and by_email is not None and by_user.id != by_email.id:
                raise JudgeExists(name=by_email.name, id=by_email.id)
            found = by_user or by_email
            values = {
                "name": clean_name,
                "email": clean_email,
                "tags": list(clean),
                "conflict_team_ids": conflicts,
                "active": True,
                "updated_at": now,
            }
            if found is not None:
                if found.active:
                    raise JudgeExists(name=found.name, id=found.id)
                await q.update_judge(conn, found.id, **values)
                judge_id = found.id
            else:
                try:
                    judge_id = await q.insert_judge(
                        conn,
                        season=self.season,
                        user_id=user_id,
                        created_by=actor_id,
                        created_at=now,
                        **values,
                    )
                except q.DuplicateRow:  # pragma: no cover - checked just above, one writer
                    raise JudgeExists(name=clean_name, id=0) from None
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="judging.judge.add",
                target=f"judge:{judge_id}",
                details={
                    "user_id": user_id,
                    "external": user_id is None,
                    "tags": list(clean),
                    "conflicts": conflicts,
                },
            )
            return to_judge(await self._judge(conn, judge_id))

    async def update_judge(
        self,
        *,
        actor_id: int,
        judge_id: int,
        tags: Iterable[str] | None = None,
        conflict_team_ids: Iterable[int] | None = None,
    ) -> Judge:
        """Change a judge's tags or declared conflicts. Their work in open rounds that the
        new conflicts forbid goes to other judges (a sheet already submitted there no
        longer counts). Audited."""
        async with self.db.write() as conn:
            row = await self._judge(conn, judge_id)
            values: dict[str, object] = {"updated_at": self.clock.now()}
            if tags is not None:
                values["tags"] = list(clean_tags(tags))
            if conflict_team_ids is not None:
                values["conflict_team_ids"] = sorted({int(t) for t in conflict_team_ids})
            await q.update_judge(conn, judge_id, **values)
            moved = 0
            if conflict_team_ids is not None and row.active:
                updated = await self._judge(conn, judge_id)
                conflicts = await self._conflicts_of(conn, updated)
                moved = await self._withdraw_work(
                    conn, judge_id, conflicts.__contains__, finished_too=True
                )
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="judging.judge.update",
                target=f"judge:{judge_id}",
                details={k: v for k, v in values.items() if k in ("tags", "conflict_team_ids")}
                | {"reassigned": moved},
            )
            return to_judge(await self._judge(conn, judge_id))

    async def remove_judge(self, *, actor_id: int, judge_id: int) -> int:
        """Take a judge out of the pool: their unfinished assignments in open rounds go to
        other judges (NotEnoughJudges refuses the removal); submitted sheets stay. Returns
        how many assignments were reassigned. Audited."""
        async with self.db.write() as conn:
            await self._judge(conn, judge_id)
            await q.update_judge(conn, judge_id, active=False, updated_at=self.clock.now())
            moved = await self._withdraw_work(conn, judge_id, lambda _: True)
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="judging.judge.remove",
                target=f"judge:{judge_id}",
                details={"reassigned": moved},
            )
        return moved

    async def _withdraw_work(
        self,
        conn: AsyncConnection,
        judge_id: int,
        forbidden: Callable[[int], bool],
        *,
        finished_too: bool = False,
    ) -> int:
        """Reassign the judge's unfinished work (and submitted sheets when
        ``finished_too``: a conflict voids them) in open rounds on entries whose team
        ``forbidden(team_id)`` says they may not judge."""
        statuses = (*UNFINISHED, "submitted") if finished_too else UNFINISHED
        moved = 0
        for round_row in await q.open_rounds(conn):
            found = await q.get_round(conn, round_row.id)
            if found is None or found[1] != self.season:
                continue
            entries = {e.submission_id: e for e in await q.round_entries(conn, round_row.id)}
            withdraw = [
                a
                for a in await q.judge_assignments(conn, judge_id, round_row.id)
                if a.status in statuses
                and a.submission_id in entries
                and forbidden(entries[a.submission_id].team_id)
            ]
            moved += await self._refill(conn, round_row, withdraw, {judge_id})
        return moved

    # -- reading ----------------------------------------------------------------------------
    async def judges(self, *, include_removed: bool = False) -> list[Judge]:
        """The season's judges (active ones unless ``include_removed``)."""
        async with self.db.read() as conn:
            rows = await q.season_judges(conn, self.season, active_only=not include_removed)
        return [to_judge(r) for r in rows]

    async def judge(self, judge_id: int) -> Judge:
        """One judge (UnknownJudge if not this season's)."""
        async with self.db.read() as conn:
            return to_judge(await self._judge(conn, judge_id))

    async def judge_of_user(self, user_id: int) -> Judge | None:
        """The member's judge record when they are an active judge this season."""
        async with self.db.read() as conn:
            row = await q.judge_by(conn, self.season, user_id=user_id)
        return to_judge(row) if row is not None and row.active else None

    async def judge_of_email(self, email: str) -> Judge | None:
        """The active judge with that e-mail this season (the web portal's sign-in)."""
        async with self.db.read() as conn:
            row = await q.judge_by(conn, self.season, email=email.strip())
        return to_judge(row) if row is not None and row.active else None
