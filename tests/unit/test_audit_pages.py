"""``/admin audit`` pages: newest first, filters, clamping and masked phone numbers."""

from __future__ import annotations

import datetime as dt

from bot.clock import FrozenClock
from bot.services.registry import Services

ORG, OTHER = 100000000000000010, 100000000000000011


async def log(services: Services, actor: int | None, action: str, **kw) -> None:
    async with services.db.write() as conn:
        await services.audit.record(conn, actor_id=actor, action=action, **kw)


async def test_pages_hold_ten_records_newest_first_and_clamp_to_the_last_page(
    services: Services, clock: FrozenClock
):
    for i in range(23):
        clock.advance(dt.timedelta(minutes=1))
        await log(services, ORG, "points.award", target=f"team:{i}")
    first = await services.audit.page()
    assert (first.page, first.pages, first.total) == (1, 3, 23)
    assert [e.target for e in first.entries] == [f"team:{i}" for i in range(22, 12, -1)]
    last = await services.audit.page(page=99)
    assert last.page == 3
    assert [e.target for e in last.entries] == ["team:2", "team:1", "team:0"]


async def test_filters_match_an_action_prefix_and_a_member_as_actor_or_target(
    services: Services,
):
    await log(services, ORG, "team.admin_move", target="user:42")
    await log(services, OTHER, "team.admin_lock")
    await log(services, 42, "points.award", target="team:1")
    await log(services, OTHER, "cohort.assign", target="user:7")
    team = await services.audit.page(action="team")
    assert [e.action for e in team.entries] == ["team.admin_lock", "team.admin_move"]
    exact = await services.audit.page(action="team.admin_move")
    assert exact.total == 1
    member = await services.audit.page(user_id=42)
    assert [e.action for e in member.entries] == ["points.award", "team.admin_move"]
    empty = await services.audit.page(action="nothing")
    assert (empty.total, empty.page, empty.pages, empty.entries) == (0, 1, 1, ())
    assert await services.audit.actions() == [
        "cohort.assign",
        "points.award",
        "team.admin_lock",
        "team.admin_move",
    ]


async def test_phone_numbers_in_details_are_masked(services: Services):
    await log(
        services,
        ORG,
        "whatsapp.link",
        details={"phone": "+8613800001234", "to": "whatsapp:+14155550123", "n": 3},
    )
    (entry,) = (await services.audit.page()).entries
    assert "13800001234" not in entry.details
    assert "4155550123" not in entry.details
    assert "+86 •••••••1234" in entry.details
    assert "n=3" in entry.details
