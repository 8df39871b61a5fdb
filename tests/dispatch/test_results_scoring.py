"""``/results show``, ``/results board`` (with its page buttons) and ``/results rescore``
through the real command tree, on orders stored as an applied import leaves them."""

from __future__ import annotations

import datetime as dt

from bot.services.registry import Services
from tests.dispatch.conftest import ORGANIZER_ID, PARTICIPANT_ID, Harness
from tests.dispatch.test_points import as_message, custom_ids
from tests.points_support import add_team
from tests.results_support import add_daily, add_orders


async def _last_week_orders(services: Services) -> dict[str, int]:
    """Alpha (the participant's team) and Beta with orders and visitors last week."""
    week = services.results_scoring.weekly.week("last")
    day = dt.datetime.combine(week.first_day + dt.timedelta(days=1), dt.time(3), dt.UTC)
    alpha = await add_team(services.db, "Alpha", members_=[PARTICIPANT_ID])
    beta = await add_team(services.db, "Beta")
    await add_orders(services.db, alpha, day, 12_000, 8_000, country="US", channel="tiktok")
    await add_orders(services.db, beta, day, 5_000, prefix="b", country="DE", channel="ads")
    await add_daily(services.db, alpha, week.first_day, visitors=100.0, ad_spend=40.0)
    await add_daily(services.db, beta, week.first_day, visitors=20.0, ad_spend=20.0)
    return {"alpha": alpha, "beta": beta}


async def test_a_member_sees_their_team_breakdown_with_weights_and_points(harness: Harness):
    await _last_week_orders(harness.services)
    shown = await harness.fake.invoke(
        "results show", user_id=PARTICIPANT_ID, options={"by": "country"}
    )
    assert shown.ephemeral
    text = shown.text
    assert "Store results of Alpha" in text
    # sales 200 > 50 (rank: beats Beta): 1 × 40 = 40 points; conversion 0.02 < 0.05: 0.
    assert "**sales**: 200.00 USD → normalized 1.00 × weight 40 = 40.0 points" in text
    assert "**conversion**: 2.00% → normalized 0.00 × weight 20 = 0.0 points" in text
    assert "Results points: **80** of 100" in text  # sales 40 + orders 30 + roi 10
    assert "not been scored into the ledger yet" in text
    assert "**US**: orders 2 · sales 200.00 USD · aov 100.00 USD" in text
    assert "DE" not in text  # Beta's numbers are not shown to Alpha


async def test_a_member_is_refused_another_teams_results_in_their_language(harness: Harness):
    await _last_week_orders(harness.services)
    refused = await harness.fake.invoke(
        "results show", user_id=PARTICIPANT_ID, options={"team": "Beta"}
    )
    assert refused.ephemeral
    assert "You can see your own team's store results only" in refused.text
    assert "50.00" not in refused.text
    chinese = await harness.fake.invoke(
        "results show", user_id=PARTICIPANT_ID, options={"team": "Beta"}, locale="zh-CN"
    )
    assert chinese.ephemeral
    assert "你只能查看自己团队的店铺成绩" in chinese.text


async def test_an_organizer_sees_any_team_and_the_ledger_after_the_weekly_run(harness: Harness):
    await _last_week_orders(harness.services)
    await harness.services.results_scoring.weekly.run_week(
        harness.services.results_scoring.weekly.week("last")
    )
    shown = await harness.fake.invoke(
        "results show", user_id=ORGANIZER_ID, options={"team": "Beta"}, locale="zh-CN"
    )
    assert shown.ephemeral
    assert "Beta 的店铺成绩" in shown.text
    assert "本周已记入积分账本：20 分" in shown.text  # Beta: conversion 0.05 beats Alpha's


async def test_the_board_ranks_teams_by_a_metric_and_pages_with_buttons(harness: Harness):
    services = harness.services
    week = services.results_scoring.weekly.week("last")
    day = dt.datetime.combine(week.first_day, dt.time(5), dt.UTC)
    for index in range(12):
        team = await add_team(services.db, f"Team {index:02d}")
        await add_orders(services.db, team, day, *([1_000] * (index % 6 + 1)))
    first = await harness.fake.invoke(
        "results board", user_id=ORGANIZER_ID, options={"metric": "orders"}
    )
    assert first.ephemeral
    assert "Results board · orders · Student · week" in first.text
    assert "**1.** Team 05 — 6" in first.text
    assert "**1.** Team 11 — 6" in first.text  # a tie shares the rank
    assert "**3.** Team 04 — 5" in first.text
    assert "Page 1 of 2 · 12 teams" in first.text
    followup = first.followups[0]
    (next_id,) = custom_ids(followup)
    assert next_id.startswith("podium:results-board:2:student:")
    message_id = as_message(harness.fake, followup)
    second = await harness.fake.click(next_id, user_id=ORGANIZER_ID, message_id=message_id)
    await second.wait_until_answered()
    assert second.response_type == 7
    assert "Page 2 of 2" in second.text
    assert "**11.** Team 00 — 1" in second.text
    # Members cannot press it, nor run the board.
    refused = await harness.fake.click(next_id, user_id=PARTICIPANT_ID, message_id=message_id)
    await refused.wait_until_answered()
    assert "Only organizers can do that" in refused.text
    member = await harness.fake.invoke(
        "results board", user_id=PARTICIPANT_ID, options={"metric": "orders"}
    )
    assert member.ephemeral
    assert "Only organizers can do that" in member.text


async def test_bad_board_input_and_an_unfinished_week_are_refused_and_change_nothing(
    harness: Harness,
):
    await _last_week_orders(harness.services)
    unknown = await harness.fake.invoke(
        "results board", user_id=ORGANIZER_ID, options={"metric": "likes"}
    )
    assert unknown.ephemeral
    assert "There is no metric likes. Choose one of: ad_spend, aov" in unknown.text
    page = await harness.fake.invoke(
        "results board", user_id=ORGANIZER_ID, options={"metric": "sales", "page": 3}
    )
    assert "Page 3 does not exist: the board has 1 page(s)." in page.text
    early = await harness.fake.invoke(
        "results rescore", user_id=ORGANIZER_ID, options={"week": "current"}, locale="zh-CN"
    )
    assert early.ephemeral
    assert "尚未结束" in early.text
    done = await harness.fake.invoke("results rescore", user_id=ORGANIZER_ID)
    assert "scored again: 2 teams, 2 new ledger entries, 0 reversed" in done.text
