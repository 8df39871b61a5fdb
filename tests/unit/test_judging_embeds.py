"""The judging cog's embeds stay within Discord's limits with the longest names and many
entries (the fake Discord refuses more; here each embed is measured directly)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from bot.i18n import Catalogs
from bot.services.judging import (
    Criterion,
    EntryMaterials,
    EntryProgress,
    EntryResult,
    Judge,
    JudgeProgress,
    Progress,
    Round,
    RoundResults,
    Rubric,
)
from cogs.judging.renderers import RESULTS_PER_PAGE, progress_embed, results_embed

T0 = dt.datetime(2026, 11, 25, 6, 0, tzinfo=dt.UTC)
LONG = "W" * 100


def bot() -> Any:
    return SimpleNamespace(catalogs=Catalogs())


def a_round() -> Round:
    criteria = tuple(Criterion(f"c{i}", LONG, LONG, 1.0) for i in range(5))
    return Round(
        id=1,
        contest_id=1,
        name=LONG,
        ordinal=1,
        rubric=Rubric(criteria, 1, 10),
        entry_source="all",
        top_n=None,
        judges_per_entry=3,
        deadline=T0,
        judge_weight=0.5,
        community_weight=0.5,
        normalize=True,
        status="published",
        live=False,
    )


def results(count: int) -> RoundResults:
    return RoundResults(
        a_round(),
        tuple(
            EntryResult(
                rank=1,
                entry_id=i,
                team_id=i,
                team_name=LONG,
                judge_score=7.25,
                normalized_score=6.5,
                vote_share=0.125,
                final=0.5,
                tie_break="shared",
                sheets=3,
                title=LONG,
                points=100_000,
            )
            for i in range(count)
        ),
        T0,
    )


def within_limits(embed: Any) -> None:
    assert len(embed) <= 6000
    assert len(embed.title or "") <= 256
    assert len(embed.description or "") <= 4096
    assert len(embed.fields) <= 25
    assert all(len(f.value) <= 1024 and len(f.name) <= 256 for f in embed.fields)


def test_the_public_results_post_lists_what_fits_and_counts_the_rest():
    embed = results_embed(bot(), "zh_CN", results(200))
    within_limits(embed)
    assert embed.description is not None
    assert embed.description.endswith("行")  # "……还有 N 行": the entries left out are counted


def test_every_results_page_and_progress_page_fits():
    for page in range(1, 15):
        within_limits(
            results_embed(bot(), "en", results(200), page=page, per_page=RESULTS_PER_PAGE)
        )
    judge = Judge(1, 1, LONG, None, (), (), True)
    progress = Progress(
        a_round(),
        tuple(JudgeProgress(judge, 100, 50) for _ in range(120)),
        tuple(EntryProgress(i, LONG, 3, 1) for i in range(300)),
    )
    for page in (1, 5, 15, 99):
        within_limits(progress_embed(bot(), "en", progress, page))


def test_an_entry_with_the_longest_materials_fits():
    from bot.services.judging import Assignment, JudgeTask, ScoreSheet
    from cogs.judging.views import task_embed

    entry = EntryMaterials(
        1,
        1,
        LONG,
        LONG * 3,
        "D" * 5000,
        tuple(f"https://e.x/{LONG}{i}" for i in range(40)),
        tuple(f"https://cdn.e.x/{LONG}{i}.pdf" for i in range(40)),
    )
    sheet = ScoreSheet(1, {f"c{i}": 10 for i in range(5)}, "C" * 1000, T0, T0)
    task = JudgeTask(Assignment(1, 1, 1, 1, "submitted"), a_round(), entry, sheet)
    within_limits(task_embed(bot(), "en", task, [task]))
