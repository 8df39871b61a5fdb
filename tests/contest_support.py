"""Test helpers for contests: windows around T0, voters old enough to vote, rule copies."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.config import CompetitionConfig
from tests.conftest import T0

OPENS = T0 + dt.timedelta(hours=1)
SUBMISSIONS_CLOSE = T0 + dt.timedelta(days=1)
VOTING_CLOSE = T0 + dt.timedelta(days=2)
#: An instant inside the voting window.
VOTING = SUBMISSIONS_CLOSE + dt.timedelta(hours=1)
OLD_ACCOUNT = T0 - dt.timedelta(days=400)
OLD_MEMBER = T0 - dt.timedelta(days=60)


def with_votes(competition: CompetitionConfig, **rules: Any) -> CompetitionConfig:
    """A copy of ``competition`` with other ``[votes]`` rules (and optional placing points)."""
    placing = rules.pop("contest_placing", None)
    update: dict[str, Any] = {"votes": competition.votes.model_copy(update=rules)}
    if placing is not None:
        update["points"] = competition.points.model_copy(update={"contest_placing": placing})
    return competition.model_copy(update=update)
