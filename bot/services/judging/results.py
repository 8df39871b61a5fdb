"""A round's results: the preview while judging, publishing exactly once (placing points to
the ledger, the results post to the gallery), and the judges' comments for teams."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.services.judging.base import rubric_from_json, to_round
from bot.services.judging.errors import AlreadyPublished, RoundNotClosed
from bot.services.judging.models import EntryResult, Round, RoundResults
from bot.services.judging.scoring import EntryInput, SheetScore, Weights, rank_entries, sheet_score
from bot.services.judging.work import JudgingWork
from bot.services.publications import Publication
from storage.queries import judging as q
from storage.queries.contests import entries as contest_queries
from storage.queries.contests import votes as vote_queries

#: The publication kind of a round's results post (rendered by the judging cog).
RESULTS_PUBLICATION = "judging.results"


def results_key(round_id: int) -> str:
    """The journal key of a round's results post (one per round)."""
    return f"judging:{round_id}:results"


def points_reference(round_id: int, entry_id: int) -> str:
    """The ledger reference of an entry's placing points in a round."""
    return f"judging:{round_id}:{entry_id}"


def _results_posts(results: RoundResults, gallery: int | None) -> tuple[Publication, ...]:
    """The one results post of a published round: to the contest's gallery channel, else
    the configured gallery."""
    return (
        Publication(
            results_key(results.round.id),
            RESULTS_PUBLICATION,
            results,
            channel_id=gallery,
            resource="channel:gallery",
        ),
    )


class JudgingResults(JudgingWork):
    """Computes, publishes and shares a round's results."""

    __slots__ = ()

    async def _sheet_scores(self, conn: AsyncConnection, row: q.RoundRow) -> list[SheetScore]:
        """Scores of the round's submitted sheets on assignments still current."""
        rubric = rubric_from_json(row.rubric)
        return [
            SheetScore(judge_id, entry_id, sheet_score(scores, rubric))
            for judge_id, entry_id, scores in await q.submitted_scores(conn, row.id)
        ]

    async def _is_last_round(self, conn: AsyncConnection, row: q.RoundRow) -> bool:
        return await q.next_ordinal(conn, row.contest_id) == row.ordinal + 1

    async def _compute(self, conn: AsyncConnection, row: q.RoundRow) -> list[EntryResult]:
        """The round's ranked results from its current sheets and the contest's votes.
        Placing points go to the contest's last round only."""
        # An entry hidden or disqualified after the round opened leaves the results, and
        # its votes leave the vote shares, as they leave the contest's standings.
        listed = await self._listed_ids(conn, row.contest_id)
        entries = [e for e in await q.round_entries(conn, row.id) if e.submission_id in listed]
        counts = {
            entry: count
            for entry, count in (await vote_queries.counts(conn, row.contest_id)).items()
            if entry in listed
        }
        rubric = rubric_from_json(row.rubric)
        placing = self.config.placing_points if await self._is_last_round(conn, row) else ()
        return rank_entries(
            [
                EntryInput(
                    e.submission_id,
                    e.team_id,
                    e.team_name,
                    e.title,
                    counts.get(e.submission_id, 0),
                    e.position,
                )
                for e in entries
            ],
            await self._sheet_scores(conn, row),
            Weights(
                row.judge_weight,
                row.community_weight,
                rubric.scale_min,
                rubric.scale_max,
                row.normalize,
            ),
            total_votes=sum(counts.values()),
            placing_points=placing,
        )

    async def _results(self, conn: AsyncConnection, row: q.RoundRow) -> RoundResults:
        if row.published_at is None:
            return RoundResults(to_round(row), tuple(await self._compute(conn, row)), None)
        titles = {e.submission_id: e.title for e in await q.round_entries(conn, row.id)}
        frozen = tuple(
            EntryResult(
                rank=r.rank,
                entry_id=r.submission_id,
                team_id=r.team_id,
                team_name=r.team_name,
                judge_score=r.judge_score,
                normalized_score=r.normalized_score,
                vote_share=r.vote_share,
                final=r.final,
                tie_break=r.tie_break,
                sheets=r.sheets,
                title=titles.get(r.submission_id, ""),
                points=r.points,
            )
            for r in await q.round_results(conn, row.id)
        )
        return RoundResults(to_round(row), frozen, row.published_at)

    async def results(self, round_id: int) -> RoundResults:
        """The round's results: a preview from the current sheets until published, then the
        published (frozen) ones."""
        async with self.db.read() as conn:
            return await self._results(conn, await self._round(conn, round_id))

    async def publish(
        self, *, actor_id: int, round_id: int
    ) -> tuple[RoundResults, tuple[Publication, ...]]:
        """Publish a closed round's results, exactly once: freeze them, credit placing
        points (source ``judging``, reference ``judging:<round>:<entry>``) and return the
        results post for the contest's gallery. A second call raises AlreadyPublished."""
        now = self.clock.now()
        async with self.db.write() as conn:
            row = await self._round(conn, round_id)
            if row.status == "published":
                raise AlreadyPublished(id=round_id)
            if row.status != "closed":
                raise RoundNotClosed(id=round_id)
            if not await q.set_round_status(
                conn, round_id, expected="closed", status="published", published_at=now
            ):  # pragma: no cover - one writer: the status read above is current
                raise AlreadyPublished(id=round_id)
            contest = await contest_queries.get_contest(conn, row.contest_id)
            contest_name = contest.name if contest is not None else str(row.contest_id)
            stored = []
            for position, result in enumerate(await self._compute(conn, row)):
                credited = 0
                if result.points > 0:
                    entry = await self.points.credit(
                        conn,
                        team_id=result.team_id,
                        amount=result.points,
                        reason=f"{contest_name} · {row.name}: #{result.rank}",
                        source="judging",
                        reference=points_reference(round_id, result.entry_id),
                        actor_id=actor_id,
                    )
                    credited = entry.amount if entry is not None else 0
                stored.append(
                    q.ResultRow(
                        submission_id=result.entry_id,
                        position=position,
                        rank=result.rank,
                        team_id=result.team_id,
                        team_name=result.team_name,
                        judge_score=result.judge_score,
                        normalized_score=result.normalized_score,
                        vote_share=result.vote_share,
                        final=result.final,
                        sheets=result.sheets,
                        tie_break=result.tie_break,
                        points=credited,
                    )
                )
            await q.insert_results(conn, round_id, stored)
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="judging.publish",
                target=f"judging_round:{round_id}",
                details={"ranks": [[r.rank, r.submission_id, r.points] for r in stored]},
            )
            published = await self._results(conn, await self._round(conn, round_id))
        gallery = contest.gallery_channel_id if contest is not None else None
        return published, _results_posts(published, gallery)

    async def results_posts(self, round_id: int) -> tuple[Publication, ...]:
        """The results post of a published round (none before): what ``publish`` returned,
        again, for sending a post a crash left unsent (its journal key makes it a no-op
        once it is in the gallery)."""
        async with self.db.read() as conn:
            row = await self._round(conn, round_id)
            if row.published_at is None:
                return ()
            contest = await contest_queries.get_contest(conn, row.contest_id)
            published = await self._results(conn, row)
        return _results_posts(published, contest.gallery_channel_id if contest else None)

    async def comments_for_team(self, team_id: int, round_id: int) -> list[str]:
        """The judges' comments on the team's entries in a published round, without the
        judges' names; empty unless ``[judging] share_comments`` is on."""
        if not self.config.share_comments:
            return []
        async with self.db.read() as conn:
            row = await self._round(conn, round_id)
            if row.status != "published":
                return []
            entries = {
                e.submission_id
                for e in await q.round_entries(conn, round_id)
                if e.team_id == team_id
            }
            sheets = await q.round_sheets(conn, round_id)
            comments = []
            for a in await q.round_assignments(conn, round_id):
                sheet = sheets.get(a.id)
                if a.submission_id not in entries or a.status != "submitted" or sheet is None:
                    continue
                if sheet.comment:
                    comments.append(sheet.comment)
        return comments

    async def team_feedback(self, team_id: int) -> list[tuple[Round, list[str]]]:
        """Each published round of the season with the judges' comments on the team's
        entries (``comments_for_team``: no names; nothing unless ``share_comments``)."""
        if not self.config.share_comments:
            return []
        async with self.db.read() as conn:
            rounds = [to_round(r) for r in await q.season_rounds(conn, self.season, None)]
        found = []
        for round_ in rounds:
            if round_.status == "published":
                comments = await self.comments_for_team(team_id, round_.id)
                if comments:
                    found.append((round_, comments))
        return found

    async def published_results(self, contest_id: int) -> list[RoundResults]:
        """The contest's published rounds' (frozen) results, in round order: what the
        public contest page shows. Unpublished rounds stay private."""
        async with self.db.read() as conn:
            rows = await q.season_rounds(conn, self.season, contest_id)
            return [await self._results(conn, r) for r in rows if r.published_at is not None]
