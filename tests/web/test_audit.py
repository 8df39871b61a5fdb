"""The dashboard's audit log (``/admin`` and ``/admin/audit``): member names instead of
ids, the competition's local time, newest first, readable details with phone numbers
masked, a filter by action and member, and pages."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

from bot.demo import ORGANIZER_ID
from tests.web.conftest import Web
from tests.web.test_pages import login

PHONE = "+12025550142"
MASKED = "+1 ••••••0142"


async def record(
    web: Web,
    *,
    action: str,
    actor_id: int | None,
    target: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    async with web.services.audit.db.write() as conn:
        await web.services.audit.record(
            conn, actor_id=actor_id, action=action, target=target, details=details
        )


def text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def audit_rows(page: str) -> list[list[str]]:
    """The audit table's rows as cell texts; the details cell as ``key: value; …``."""
    table = page.split('<table class="audit">', 1)[1].split("</table>", 1)[0]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        if len(cells) == 5:
            pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", cells[4], re.S)
            cells[4] = "; ".join(f"{text(k)}: {text(v)}" for k, v in pairs)
        rows.append([text(c) if i < 4 else c for i, c in enumerate(cells)])
    return rows


async def audit_page(web: Web, **params: str) -> str:
    response = await web.client.get("/admin/audit", params=params)
    assert response.status == 200
    return await response.text()


async def test_the_audit_log_needs_a_session(web: Web):
    response = await web.client.get("/admin/audit", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/admin/signin"


async def test_members_appear_by_display_name_not_by_id(web: Web):
    member = web.report.user_ids[0]
    name = await display_name(web, member)
    await login(web)
    page = await audit_page(web, action="cohort.assign", member=str(member))
    rows = audit_rows(page)
    assert rows
    targets = {row[3] for row in rows}
    assert name in targets
    assert not any(re.fullmatch(r"user:\d+", t) for t in targets)
    assert f"user:{member}" not in page
    assert str(member) not in page.split('<table class="audit">', 1)[1]


async def display_name(web: Web, user_id: int) -> str:
    member = await web.services.members.get(user_id)
    assert member is not None
    return member.display_name


async def test_times_are_the_competitions_local_time_and_the_newest_comes_first(web: Web):
    await login(web)
    later = dt.datetime(2026, 11, 25, 23, 30, tzinfo=dt.UTC)  # 07:30 next day in Shanghai
    earlier = dt.datetime(2026, 11, 25, 1, 5, tzinfo=dt.UTC)  # 09:05 in Shanghai
    web.clock.set(later)
    await record(web, action="zz.order", actor_id=None, details={"step": "recorded first"})
    web.clock.set(earlier)  # recorded second, but it happened earlier
    await record(web, action="zz.order", actor_id=None, details={"step": "recorded second"})
    page = await audit_page(web, action="zz")
    assert "When (Asia/Shanghai)" in page
    rows = audit_rows(page)
    assert [row[0] for row in rows] == ["2026-11-26 07:30", "2026-11-25 09:05"]
    assert "recorded first" in rows[0][4]
    assert "(UTC)" not in page.split('<table class="audit">', 1)[1]


async def test_details_are_readable_pairs_not_json(web: Web):
    await login(web)
    member = web.report.user_ids[1]
    name = await display_name(web, member)
    await record(
        web,
        action="team.admin_move",
        actor_id=ORGANIZER_ID,
        target=f"user:{member}",
        details={
            "from_team": "Silk Road Sellers",
            "to_team": "长风电商",
            "user_id": member,
            "notify": True,
            "tracks": ["student", "professional"],
        },
    )
    page = await audit_page(web, action="team.admin_move")
    (row,) = audit_rows(page)
    assert row[1] == f"#{ORGANIZER_ID}"  # the demo organizer has no members row
    assert row[3] == name
    details = row[4]
    assert "from team: Silk Road Sellers" in details
    assert "to team: 长风电商" in details
    assert f"user id: {name}" in details
    assert "tracks: student, professional" in details
    assert "{" not in details
    assert '"' not in details


async def test_teams_appear_by_name_and_instants_in_details_in_local_time(web: Web):
    await login(web)
    team = (await web.services.points.week_board(week="current", track="student", limit=1)).rows[0]
    team_id = team.team_id
    await record(
        web,
        action="team.admin_lock",
        actor_id=ORGANIZER_ID,
        target=f"team:{team_id}",
        details={"until": "2026-11-30T16:00:00+00:00", "host_id": web.report.user_ids[0]},
    )
    (row,) = audit_rows(await audit_page(web, action="team.admin_lock"))
    assert row[3] == team.name
    assert "until: 2026-12-01 00:00" in row[4]  # Shanghai
    assert f"host id: {await display_name(web, web.report.user_ids[0])}" in row[4]


async def test_the_action_filter_matches_an_action_or_its_prefix(web: Web):
    await login(web)
    await record(web, action="teamwork.other", actor_id=None)
    await record(web, action="team.admin_lock", actor_id=ORGANIZER_ID, target="team:1")
    cohort = audit_rows(await audit_page(web, action="cohort"))
    assert cohort
    assert all(row[2].startswith("cohort.") for row in cohort)
    exact = audit_rows(await audit_page(web, action="cohort.assign"))
    assert {row[2] for row in exact} == {"cohort.assign"}
    team = audit_rows(await audit_page(web, action="team"))
    assert {row[2] for row in team} == {"team.admin_lock"}  # a prefix ends at a dot
    page = await audit_page(web, action="team")
    assert 'value="team"' in page  # the form shows the filter in force


async def test_the_member_filter_takes_a_name_or_an_id(web: Web):
    await login(web)
    member = web.report.user_ids[2]
    name = await display_name(web, member)
    by_name = audit_rows(await audit_page(web, member=name.upper()))
    assert by_name
    assert all(name in (row[1], row[3]) for row in by_name)
    by_id = audit_rows(await audit_page(web, member=str(member)))
    assert by_id == by_name
    nobody = await audit_page(web, member="nobody by this name")
    assert "No member's name contains “nobody by this name”." in html.unescape(nobody)
    assert audit_rows(nobody) == [["No audit records match."]]


async def test_pages_of_25_newest_first_with_links_that_keep_the_filter(web: Web):
    await login(web)
    for index in range(30):
        web.clock.advance(dt.timedelta(minutes=1))
        await record(web, action="zz.paging", actor_id=None, details={"n": index})
    first = await audit_page(web, action="zz.paging")
    assert "Page 1 of 2 · 30 records, newest first" in html.unescape(first)
    rows = audit_rows(first)
    assert len(rows) == 25
    assert rows[0][4] == "n: 29"
    older = re.search(r'<a rel="next" href="([^"]+)"', first)
    assert older is not None
    href = html.unescape(older.group(1))
    assert href == "/admin/audit?action=zz.paging&page=2"
    second = await (await web.client.get(href)).text()
    assert [row[4] for row in audit_rows(second)] == [f"n: {n}" for n in range(4, -1, -1)]
    assert 'rel="prev"' in second
    assert 'rel="next"' not in second
    beyond = await audit_page(web, action="zz.paging", page="999")
    assert "Page 2 of 2" in beyond
    odd = await audit_page(web, action="zz.paging", page="²")
    assert "Page 1 of 2" in odd


async def test_the_audit_log_speaks_chinese(web: Web):
    await login(web)
    page = await audit_page(web, lang="zh")
    assert "<h1>审计日志</h1>" in page
    assert "时间（Asia/Shanghai）" in page
    assert "返回管理面板" in page


async def test_the_dashboard_shows_the_latest_records_and_links_to_the_whole_log(web: Web):
    await login(web)
    page = await (await web.client.get("/admin")).text()
    section = page.split('id="audit"', 1)[1]
    assert 'href="/admin/audit"' in section
    rows = audit_rows(section)
    assert 1 <= len(rows) <= 10
    assert rows[0][2] == "web.login"  # this very sign-in, newest first
