"""The organizers' progress funnel (``/admin/progress``): per track and cohort, the active
teams at each stage or beyond, as bars and a table, in the request's language."""

from __future__ import annotations

import re

from bot.demo import ORGANIZER_ID
from tests.web.conftest import Web
from tests.web.test_audit import text
from tests.web.test_pages import login


async def test_the_funnel_needs_a_session_and_counts_teams_at_each_stage_or_beyond(web: Web):
    response = await web.client.get("/admin/progress", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/admin/signin"

    teams = await web.services.progress.all_teams()
    moved = teams[0]
    await web.services.progress.set_stage(
        actor_id=ORGANIZER_ID, team_id=moved.team_id, stage="store_live"
    )
    await login(web)
    page = await (await web.client.get("/admin/progress")).text()
    assert "/admin/progress" in await (await web.client.get("/admin")).text()
    groups = await web.services.progress.funnel()
    sections = page.split('<section class="card funnel-group">')[1:]
    assert len(sections) == len(groups)
    for section, group in zip(sections, groups, strict=True):
        assert f"· {group.total} teams</h2>" in section
        assert "<svg" in section
        body = section.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
        rows = [text(r) for r in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
        assert [int(r.split()[-2]) for r in rows] == list(group.reached)
    assert sum(g.reached[2] for g in groups) == 1
    assert sum(g.total for g in groups) == len(teams)

    zh = await (await web.client.get("/admin/progress", params={"lang": "zh"})).text()
    assert "<h1>队伍进度</h1>" in zh
    assert "店铺上线" in zh
