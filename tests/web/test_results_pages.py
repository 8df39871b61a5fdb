"""``/admin/results`` and ``/judge/results``: store-results breakdowns with charts and the
metric board, for organizers and judges only, on the demo's teams with stored orders."""

from __future__ import annotations

import datetime as dt

from tests.results_support import add_orders
from tests.web.conftest import Web
from tests.web.test_judge_portal import ORGANIZER, sign_in
from tests.web.test_pages import login


async def _orders(web: Web) -> list[str]:
    """Orders of the demo's first two student teams this season; their names."""
    reports = web.services.results_scoring.reports
    first, second = (await reports.active_teams("student"))[:2]
    at = web.clock.now() - dt.timedelta(days=8)
    await add_orders(web.services.db, first.id, at, 10_000, 5_000, country="US", channel="ads")
    await add_orders(
        web.services.db, first.id, at, 2_500, prefix="x", country="DE", channel="tiktok"
    )
    await add_orders(web.services.db, second.id, at, 40_000, prefix="s", country="US")
    return [first.name, second.name]


async def test_organizers_see_the_track_by_country_with_charts_and_the_board(web: Web):
    first, second = await _orders(web)
    assert (await web.client.get("/admin/results", allow_redirects=False)).status == 302
    await login(web)
    response = await web.client.get(
        "/admin/results", params={"track": "student", "by": "country", "metric": "sales"}
    )
    assert response.status == 200
    page = await response.text()
    assert response.headers["Cache-Control"] == "no-store"
    assert page.count('<svg class="chart" role="img"') == 2
    assert "<title>US: 3</title>" in page  # three counted orders from the US
    assert "<title>US: 550</title>" in page  # 100 + 50 + 400 USD
    assert "<title>DE: 1</title>" in page
    # The board: the second team sold more.
    assert page.index(second) < page.index(first, page.index('id="board"'))
    assert "400.00" in page
    team_page = await (
        await web.client.get("/admin/results", params={"team": "1", "by": "channel"})
    ).text()
    assert "by channel" in team_page


async def test_judges_see_the_same_page_in_chinese_and_bad_input_is_refused(web: Web):
    await _orders(web)
    assert (await web.client.get("/judge/results", allow_redirects=False)).status == 302
    judge = await web.services.judging.add_judge(
        actor_id=ORGANIZER, name="Judge Ada", email="ada@example.com"
    )
    await sign_in(web, judge.id)
    page = await (
        await web.client.get("/judge/results", params={"by": "category", "lang": "zh"})
    ).text()
    assert "店铺成绩" in page
    assert "（未填写）" in page  # the orders' category was left empty
    bad = await web.client.get("/judge/results", params={"metric": "likes"})
    assert bad.status == 400
    assert "没有指标 likes" in await bad.text()
