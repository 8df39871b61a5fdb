"""The public board, the dashboard sign-in and its forms in a real headless chromium."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import SCREENSHOTS, DemoSite


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def test_public_board_shows_seeded_teams_of_both_tracks(demo_site: DemoSite, page: Any):
    response = page.goto(demo_site.base_url + "/")
    assert response.status == 200
    tables = page.locator("table.board")
    assert tables.count() == 2
    student, professional = tables.nth(0).inner_text(), tables.nth(1).inner_text()
    assert "Silk Road Sellers" in student
    assert "长风电商" in student
    assert "Harbor Hustlers" in professional
    assert "跨境先锋" in professional
    shot(page, "public-board-desktop.png")


def test_public_board_fits_a_phone_width_without_horizontal_scroll(
    demo_site: DemoSite, browser: Any
):
    context = browser.new_context(
        viewport={"width": 375, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    try:
        page = context.new_page()
        page.goto(demo_site.base_url + "/?lang=zh")
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], widths
        assert page.locator("table.board").first.is_visible()
        shot(page, "public-board-phone.png")
    finally:
        context.close()


def test_admin_refuses_without_login(demo_site: DemoSite, page: Any):
    response = page.goto(demo_site.base_url + "/admin")
    assert page.url == demo_site.base_url + "/admin/signin"
    assert response.status == 200
    assert "/admin dashboard" in page.inner_text("main")
    assert page.locator("svg.chart").count() == 0


def test_a_dashboard_link_signs_in_and_shows_the_charts(demo_site: DemoSite, page: Any):
    page.goto(demo_site.link())
    assert page.url == demo_site.base_url + "/admin"
    assert page.locator("h1").inner_text() == "Organizer dashboard"
    charts = page.locator('svg.chart[role="img"]')
    assert charts.count() == 4
    assert page.locator("svg.chart polyline").count() >= 3  # one line per cohort
    assert page.locator("svg.chart rect.bar").count() > 10
    assert "Best unboxing video" in page.inner_text("#flagged")
    cookie = next(c for c in page.context.cookies() if c["name"] == "podium_session")
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Strict"
    shot(page, "dashboard.png")


def test_a_link_used_a_second_time_is_refused(demo_site: DemoSite, browser: Any):
    link = demo_site.link()
    first = browser.new_context()
    second = browser.new_context()
    try:
        first.new_page().goto(link)
        page = second.new_page()
        response = page.goto(link)
        assert response.status == 403
        assert "already used" in page.inner_text("main")
        assert page.locator("svg.chart").count() == 0
    finally:
        first.close()
        second.close()


def test_an_expired_link_is_refused(demo_site: DemoSite, page: Any):
    response = page.goto(demo_site.link("--ttl", "0"))
    assert response.status == 403
    assert "expired" in page.inner_text("main")


def test_a_tampered_link_is_refused(demo_site: DemoSite, page: Any):
    link = demo_site.link()
    tampered = link[:-1] + ("A" if link[-1] != "A" else "B")
    response = page.goto(tampered)
    assert response.status == 403
    assert "not valid" in page.inner_text("main")
    assert page.goto(link).status == 200  # the real link was untouched by the attempt


def test_logout_through_the_csrf_form_signs_out(demo_site: DemoSite, page: Any):
    page.goto(demo_site.link())
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(demo_site.base_url + "/admin/signin?bye=1")
    assert "You are signed out." in page.inner_text("main")
    page.goto(demo_site.base_url + "/admin")
    assert page.url == demo_site.base_url + "/admin/signin"


def test_a_forged_post_without_the_csrf_token_is_refused(demo_site: DemoSite, page: Any):
    page.goto(demo_site.link())
    response = page.request.post(
        demo_site.base_url + "/admin/logout",
        form={"csrf_token": "forged"},
        headers={"Origin": demo_site.base_url},
        max_redirects=0,
    )
    assert response.status == 403
    page.goto(demo_site.base_url + "/admin")
    assert page.url == demo_site.base_url + "/admin"  # still signed in
    assert page.locator("svg.chart").count() == 4


OVERLAPS_JS = """
() => [...document.querySelectorAll('svg.chart')].map(svg => {
  const box = svg.viewBox.baseVal;
  const texts = [...svg.querySelectorAll('text')].map(t => [t.textContent, t.getBBox()]);
  const outside = texts
    .filter(([, b]) => b.x < box.x - 0.5 || b.y < box.y - 0.5
      || b.x + b.width > box.x + box.width + 0.5 || b.y + b.height > box.y + box.height + 0.5)
    .map(([t]) => t);
  const legend = [...svg.querySelectorAll('text.legend')].map(t => [t.textContent, t.getBBox()]);
  const swatches = [...svg.children].filter(el => !el.classList.contains('bar')
    && !el.classList.contains('grid') && !el.classList.contains('series')
    && !el.classList.contains('partial') && el.tagName !== 'text' && el.tagName !== 'title'
    && el.tagName !== 'defs').map(el => el.getBBox());
  const touching = [];
  for (const [name, b] of legend) {
    for (const s of swatches) {
      const sameRow = s.y < b.y + b.height && b.y < s.y + s.height;
      if (sameRow && s.x > b.x && s.x < b.x + b.width + 4) touching.push(name);
    }
  }
  return {title: svg.querySelector('title').textContent, outside, touching};
})
"""


def test_chart_labels_stay_inside_and_legends_keep_apart_in_both_languages(
    demo_site: DemoSite, browser: Any
):
    for locale, lang in (("en-US", "en"), ("zh-CN", "zh")):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
        try:
            page = context.new_page()
            page.goto(demo_site.link())
            page.goto(f"{demo_site.base_url}/admin?lang={lang}")
            charts = page.evaluate(OVERLAPS_JS)
            assert len(charts) == 4
            for chart in charts:
                assert chart["outside"] == [], chart
                assert chart["touching"] == [], chart
            shot(page, f"dashboard-{lang}.png")
            page.goto(f"{demo_site.base_url}/admin/audit?lang={lang}")
            assert page.locator("table.audit tbody tr").count() == 25
            shot(page, f"audit-{lang}.png")
        finally:
            context.close()
