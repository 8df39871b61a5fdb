"""Brushing review: the vote clusters the detector flags, and voiding votes."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.services.brushing import Cluster, VoteSignal, find_clusters
from bot.services.contests.base import ContestBase, present
from bot.services.contests.errors import InvalidReason, InvalidVoteIds, UnknownVotes
from bot.services.contests.models import Contest, FlaggedCluster, VoidOutcome, contest_from_row
from storage.queries.contests import entries as q
from storage.queries.contests import votes as vote_queries

MAX_REASON = 200


def parse_vote_ids(text: str) -> list[int]:
    """Vote ids from ``"12, 15 #31"``-style input, deduplicated, in order.

    Raises InvalidVoteIds.
    """
    parts = [p for p in re.split(r"[\s,;]+", text.strip()) if p]
    ids: list[int] = []
    for part in parts:
        digits = part.removeprefix("#")
        if not digits.isdigit() or len(digits) > 18:
            raise InvalidVoteIds()
        if int(digits) not in ids:
            ids.append(int(digits))
    if not ids:
        raise InvalidVoteIds()
    return ids


class VoteReviewMixin(ContestBase):
    """The brushing-review use cases of the contest service."""

    async def flagged(self, contest: str | int) -> tuple[Contest, list[FlaggedCluster]]:
        """``/contest flagged``: clusters of counted votes the brushing detector links."""
        async with self.db.read() as conn:
            row = await self._resolve(conn, contest)
            votes = await vote_queries.contest_votes(conn, row.id)
            entries = {s.id: s for s in await q.active_submissions(conn, row.id)}
        signals = [
            VoteSignal(
                vote_id=v.id,
                submission_id=v.submission_id,
                voter_id=v.voter_id,
                account_created_at=v.voter_created_at,
                joined_at=v.voter_joined_at,
                voted_at=v.created_at,
            )
            for v in votes
            if v.voided_at is None
        ]
        clusters: list[Cluster] = find_clusters(signals, self.rules.brushing_window)
        flagged = [
            FlaggedCluster(
                submission_id=c.submission_id,
                title=entries[c.submission_id].title if c.submission_id in entries else "?",
                team_name=entries[c.submission_id].team_name if c.submission_id in entries else "?",
                vote_ids=c.vote_ids,
                voter_ids=c.voter_ids,
                reasons=c.reasons,
                first_vote_at=c.first_vote_at,
                last_vote_at=c.last_vote_at,
            )
            for c in clusters
        ]
        return contest_from_row(row, self.rules.max_votes_per_contest), flagged

    async def void(
        self, *, actor_id: int, vote_ids: str | Sequence[int], reason: str
    ) -> list[VoidOutcome]:
        """``/contest void``: void the votes (kept, no longer counted); audited per vote.
        Unknown ids refuse the whole request; already voided ones are skipped."""
        ids = (
            parse_vote_ids(vote_ids) if isinstance(vote_ids, str) else list(dict.fromkeys(vote_ids))
        )
        clean_reason = " ".join(reason.split())
        if not 1 <= len(clean_reason) <= MAX_REASON:
            raise InvalidReason()
        now = self.clock.now()
        outcomes: list[VoidOutcome] = []
        async with self.db.write() as conn:
            found = {v.id: v for v in await vote_queries.votes_by_id(conn, ids)}
            contests = {v.contest_id for v in found.values()}
            seasons = {cid: (await q.get_contest(conn, cid)) for cid in contests}
            found = {
                i: v
                for i, v in found.items()
                if (c := seasons.get(v.contest_id)) is not None and c.season == self.season
            }
            missing = [i for i in ids if i not in found]
            if missing:
                raise UnknownVotes(ids=", ".join(str(i) for i in missing))
            for vote_id in ids:
                vote = found[vote_id]
                if not await vote_queries.void_vote(
                    conn, vote_id, at=now, by=actor_id, reason=clean_reason
                ):
                    continue
                await vote_queries.add_events(
                    conn,
                    [
                        {
                            "contest_id": vote.contest_id,
                            "submission_id": vote.submission_id,
                            "voter_id": vote.voter_id,
                            "vote_id": vote_id,
                            "action": "void",
                            "at": now,
                        }
                    ],
                )
                await self.audit.record(
                    conn,
                    actor_id=actor_id,
                    action="contest.void_vote",
                    target=f"vote:{vote_id}",
                    details={
                        "contest_id": vote.contest_id,
                        "submission_id": vote.submission_id,
                        "voter_id": vote.voter_id,
                        "voted_at": vote.created_at.isoformat(),
                        "reason": clean_reason,
                    },
                )
                stored = await q.get_submission(conn, vote.submission_id)
                stored = present(stored)
                outcomes.append(
                    VoidOutcome(
                        submission_id=vote.submission_id,
                        count=await vote_queries.count_for(conn, vote.submission_id),
                        channel_id=stored.channel_id,
                        message_id=stored.message_id,
                    )
                )
        return outcomes
