"""Public pages, sign-in, dashboard, CSRF and metrics through the real aiohttp app."""

import datetime as dt
import re

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.demo import FIRST_MEMBER_ID
from tests.web.conftest import Web, open_web

TEAM_NAMES_STUDENT = ("Silk Road Sellers", "长风电商")
TEAM_NAMES_PROFESSIONAL = ("Harbor Hustlers", "跨境先锋")


async def login(web: Web, *, user_id: int = 1) -> str:
    link = await web.services.web_auth.issue_link(user_id=user_id)
    response = await web.client.get(
        "/admin/login", params={"token": link.token}, allow_redirects=False
    )
    assert response.status == 303
    return response.cookies["podium_session"].value


async def dashboard_form(web: Web) -> tuple[str, str]:
    """(session cookie, csrf token shown in the dashboard's forms)."""
    cookie = await login(web)
    page = await (await web.client.get("/admin")).text()
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match is not None
    return cookie, match.group(1)


# -- public pages ------------------------------------------------------------------------
async def test_front_page_shows_this_weeks_board_of_both_tracks_with_seeded_teams(web: Web):
    response = await web.client.get("/")
    assert response.status == 200
    page = await response.text()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "Student track" in page
    assert "Professional track" in page
    assert "Week 2026-W48" in page
    student, professional = page.split("Professional track", 1)
    assert all(name in student for name in TEAM_NAMES_STUDENT)
    assert all(name in professional for name in TEAM_NAMES_PROFESSIONAL)
    assert '<td class="rank">1</td>' in page


async def test_front_page_ranks_ties_as_the_points_service_does(web: Web):
    page = await (await web.client.get("/")).text()
    board = await web.services.points.week_board(week="current", track="student", limit=25)
    ranks = re.findall(r'<td class="rank">(\d+)</td>', page.split("Professional track")[0])
    assert [int(r) for r in ranks] == [s.rank for s in board.rows]


async def test_lang_zh_switches_to_chinese_and_is_remembered_in_a_cookie(web: Web):
    response = await web.client.get("/", params={"lang": "zh"})
    page = await response.text()
    assert '<html lang="zh-CN">' in page
    assert "学生组" in page
    assert "在职组" in page
    assert response.cookies["podium_lang"].value == "zh"
    assert response.headers["Cache-Control"] == "private, no-store"  # no shared caching
    again = await (await web.client.get("/")).text()  # the client keeps the cookie
    assert '<html lang="zh-CN">' in again


async def test_accept_language_picks_chinese_without_a_choice_made(web: Web):
    page = await (
        await web.client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    ).text()
    assert '<html lang="zh-CN">' in page
    english = await (
        await web.client.get("/", headers={"Accept-Language": "fr-FR,en;q=0.5"})
    ).text()
    assert '<html lang="en">' in english


async def test_closed_contest_gallery_shows_counts_and_places(web: Web):
    contest_id = web.report.contest_id
    assert contest_id is not None
    response = await web.client.get(f"/contests/{contest_id}")
    assert response.status == 200
    page = await response.text()
    results = await web.services.contests.results(contest_id)
    assert results.closed
    winner = results.placings[0]
    assert winner.title in page
    assert f'<td class="num">{winner.votes}</td>' in page
    assert "shown after voting closes" not in page


async def test_gallery_hides_counts_and_places_until_voting_closes(web: Web):
    services, clock = web.services, web.clock
    start = clock.now() + dt.timedelta(hours=1)
    contest = await services.contests.create(
        actor_id=1,
        name="Open contest",
        category="photo",
        submissions_open=start,
        submissions_close=start + dt.timedelta(days=1),
        voting_close=start + dt.timedelta(days=2),
    )
    clock.set(start + dt.timedelta(minutes=5))
    captain = FIRST_MEMBER_ID  # captain of the first seeded team
    entry = await services.contests.submit(
        user_id=captain, contest=contest.id, title="Our secret weapon", url="https://example.com/x"
    )
    clock.set(start + dt.timedelta(days=1, minutes=5))
    voter = web.report.user_ids[-1]  # a seeded account in no team
    await services.contests.vote(
        submission_id=entry.id,
        voter_id=voter,
        account_created_at=clock.now() - dt.timedelta(days=400),
        joined_at=clock.now() - dt.timedelta(days=40),
    )
    page = await (await web.client.get(f"/contests/{contest.id}")).text()
    assert "Our secret weapon" in page
    assert "Vote counts and places are shown after voting closes" in page
    assert 'class="num"' not in page
    clock.set(start + dt.timedelta(days=2))
    after = await (await web.client.get(f"/contests/{contest.id}")).text()
    assert '<td class="num">1</td>' in after


@pytest.mark.parametrize("path", ["/contests/999999", "/contests/abc", "/no/such/page"])
async def test_unknown_pages_get_the_localized_404_page(web: Web, path: str):
    response = await web.client.get(path)
    assert response.status == 404
    assert "Page not found" in await response.text()


async def test_static_css_is_served_cacheable(web: Web):
    page = await (await web.client.get("/")).text()
    href = re.search(r'href="(/static/app\.css\?v=[^"]+)"', page)
    assert href is not None
    response = await web.client.get(href.group(1).replace("&amp;", "&"))
    assert response.status == 200
    assert "max-age" in response.headers["Cache-Control"]


def phone_forms(e164: str) -> set[str]:
    digits = e164.lstrip("+")
    national = digits[1:]
    return {
        e164,
        digits,
        national,
        f"{national[:3]}-{national[3:6]}-{national[6:]}",
        f"({national[:3]}) {national[3:6]}-{national[6:]}",
        national[-7:],
    }


async def test_public_pages_hold_no_seeded_phone_number_or_user_id(web: Web):
    report = web.report
    assert report.phones
    assert report.user_ids
    pages = []
    for lang in ("en", "zh"):
        for path in ("/", f"/contests/{report.contest_id}", "/contests/999", "/admin/signin"):
            response = await web.client.get(path, params={"lang": lang})
            pages.append(await response.text())
    pages.append(await (await web.client.get("/metrics")).text())
    html = "\n".join(pages)
    assert "Silk Road Sellers" in html  # the scan reads real pages
    for phone in report.phones:
        for form in phone_forms(phone):
            assert form not in html, form
    for user_id in report.user_ids:
        assert str(user_id) not in html, user_id


# -- sign-in and sessions ------------------------------------------------------------------
async def test_admin_without_a_session_redirects_to_the_signin_page(web: Web):
    response = await web.client.get("/admin", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/admin/signin"
    signin = await (await web.client.get("/admin/signin")).text()
    assert "/admin dashboard" in signin


async def test_a_cross_site_arrival_without_cookie_re_navigates_once_from_this_site(web: Web):
    response = await web.client.get(
        "/admin", headers={"Sec-Fetch-Site": "cross-site"}, allow_redirects=False
    )
    assert response.status == 200
    assert 'http-equiv="refresh"' in await response.text()


async def test_the_login_link_sets_a_strict_httponly_cookie_and_redirects_to_admin(web: Web):
    link = await web.services.web_auth.issue_link(user_id=1)
    response = await web.client.get(
        "/admin/login", params={"token": link.token}, allow_redirects=False
    )
    assert response.status == 303
    assert response.headers["Location"] == "/admin"
    header = response.headers["Set-Cookie"]
    assert header.startswith("podium_session=")
    assert "HttpOnly" in header
    assert "SameSite=Strict" in header
    assert "Path=/" in header
    assert "Secure" not in header  # plain http here
    assert response.headers["Cache-Control"] == "no-store"


async def test_the_cookie_is_secure_when_the_public_address_is_https(seeded, tmp_path):
    async with open_web(seeded, tmp_path, public_base_url="https://podium.example.com") as web:
        link = await web.services.web_auth.issue_link(user_id=1)
        assert link.url.startswith("https://podium.example.com/admin/login?token=")
        response = await web.client.get(
            "/admin/login", params={"token": link.token}, allow_redirects=False
        )
        assert "Secure" in response.headers["Set-Cookie"]


async def test_the_dashboard_shows_charts_tables_and_the_flagged_cluster(web: Web):
    await login(web)
    response = await web.client.get("/admin")
    assert response.status == 200
    page = await response.text()
    assert page.count('<svg class="chart" role="img"') == 4
    assert page.count("<title id=") == 4
    assert "Daily active members per cohort" in page
    assert "Weekly active members per cohort" in page
    assert "Broadcast messages by delivery stage" in page
    assert "NPS " in page
    assert "Flagged vote clusters" in page
    assert "Best unboxing video" in page
    assert "No suspicious vote clusters." not in page
    assert "web.login" in page  # the audit log shows this very login
    assert "<script" not in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")


async def test_the_dashboard_audit_log_masks_phone_numbers(web: Web):
    async with web.services.audit.db.write() as conn:
        await web.services.audit.record(
            conn,
            actor_id=1,
            action="whatsapp.support_note",
            target="whatsapp:+12025550142",
            details={"phone": "+12025550142", "note": "called back", "attempts": 2},
        )
    await login(web)
    for path in ("/admin", "/admin/audit"):
        page = await (await web.client.get(path)).text()
        audit = page.split('<table class="audit">', 1)[1].split("</table>", 1)[0]
        for form in phone_forms("+12025550142"):
            assert form not in page, (path, form)
        # the details are shown, masked: dropping them fails this test
        assert "<dt>phone</dt><dd>+1 ••••••0142</dd>" in audit, path
        assert "<dt>note</dt><dd>called back</dd>" in audit, path
        assert "<dt>attempts</dt><dd>2</dd>" in audit, path
        assert "<td>+1 ••••••0142</td>" in audit, path  # the target, masked too


@pytest.mark.parametrize("case", ["used twice", "expired", "tampered"])
async def test_refused_links_get_a_403_page_and_no_session(web: Web, case: str):
    if case == "expired":
        link = await web.services.web_auth.issue_link(user_id=1, ttl=dt.timedelta(0))
        token = link.token
    else:
        link = await web.services.web_auth.issue_link(user_id=1)
        token = link.token
        if case == "used twice":
            await web.client.get("/admin/login", params={"token": token}, allow_redirects=False)
            web.client.session.cookie_jar.clear()
        else:
            token = token[:-1] + ("A" if token[-1] != "A" else "B")
    response = await web.client.get("/admin/login", params={"token": token}, allow_redirects=False)
    assert response.status == 403
    text = await response.text()
    assert "/admin dashboard" in text
    assert {"used twice": "already used", "expired": "expired", "tampered": "not valid"}[
        case
    ] in text
    assert "Set-Cookie" not in response.headers
    follow = await web.client.get("/admin", allow_redirects=False)
    assert follow.status == 302


async def test_logout_with_the_forms_csrf_token_ends_the_session(web: Web):
    cookie, csrf = await dashboard_form(web)
    origin = str(web.client.make_url("")).rstrip("/")
    response = await web.client.post(
        "/admin/logout",
        data={"csrf_token": csrf},
        headers={"Origin": origin},
        allow_redirects=False,
    )
    assert response.status == 303
    assert response.headers["Location"] == "/admin/signin?bye=1"
    assert await web.services.web_auth.session(cookie) is None
    assert (await web.client.get("/admin", allow_redirects=False)).status == 302


@pytest.mark.parametrize(
    ("data", "origin"),
    [
        ({}, "self"),  # no token
        ({"csrf_token": "forged"}, "self"),  # wrong token
        ({"csrf_token": "TOKEN"}, "https://evil.example"),  # right token, other site
        ({"csrf_token": "TOKEN"}, None),  # right token, no Origin and no Referer
    ],
)
async def test_a_forged_post_is_refused_with_403_and_changes_nothing(
    web: Web, data: dict, origin: str | None
):
    cookie, csrf = await dashboard_form(web)
    own = str(web.client.make_url("")).rstrip("/")
    headers = {} if origin is None else {"Origin": own if origin == "self" else origin}
    form = {k: (csrf if v == "TOKEN" else v) for k, v in data.items()}
    for path in ("/admin/logout", "/admin/sessions/revoke"):
        response = await web.client.post(path, data=form, headers=headers, allow_redirects=False)
        assert response.status == 403
        assert "did not come from this site" in await response.text()
    assert await web.services.web_auth.session(cookie) is not None


async def test_a_same_origin_referer_is_accepted_without_an_origin_header(web: Web):
    cookie, csrf = await dashboard_form(web)
    own = str(web.client.make_url("")).rstrip("/")
    response = await web.client.post(
        "/admin/logout",
        data={"csrf_token": csrf},
        headers={"Referer": own + "/admin"},
        allow_redirects=False,
    )
    assert response.status == 303
    assert await web.services.web_auth.session(cookie) is None


async def test_sign_out_everywhere_ends_every_session_of_the_organizer(web: Web):
    other_link = await web.services.web_auth.issue_link(user_id=1)
    other = await web.services.web_auth.login(other_link.token)
    _cookie, csrf = await dashboard_form(web)
    own = str(web.client.make_url("")).rstrip("/")
    response = await web.client.post(
        "/admin/sessions/revoke",
        data={"csrf_token": csrf},
        headers={"Origin": own},
        allow_redirects=False,
    )
    assert response.status == 303
    assert await web.services.web_auth.session(other.cookie) is None


# -- metrics -----------------------------------------------------------------------------
async def test_metrics_parse_as_prometheus_text_and_count_the_seeded_data(web: Web):
    response = await web.client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    families = {f.name: f for f in text_string_to_metric_families(await response.text())}
    assert families["podium_teams"].samples[0].value == web.report.teams
    assert families["podium_team_members"].samples[0].value == web.report.members
    assert families["podium_whatsapp_subscribers"].samples[0].value == web.report.subscribers - 1
    assert families["podium_votes"].samples[0].value == web.report.votes
    outbox = {s.labels["status"]: s.value for s in families["podium_outbox_messages"].samples}
    assert outbox == {k: float(v) for k, v in web.report.outbox.items()}
    assert "podium_scheduled_jobs_pending" in families
    assert "process_cpu_seconds" in families or "python_info" in families
