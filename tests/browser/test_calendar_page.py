"""The season calendar page in a real headless chromium, and its .ics feed parsed with the
icalendar package against the configured phases."""

from __future__ import annotations

import datetime as dt
from typing import Any

from icalendar import Calendar

from bot.config import load_competition
from tests.browser.conftest import SCREENSHOTS, DemoSite
from tests.conftest import EXAMPLE_COMPETITION

COMPETITION = load_competition(EXAMPLE_COMPETITION)


def expected_state(start: dt.datetime, end: dt.datetime) -> str:
    """The state the page must show now (the web process runs on the real clock)."""
    now = dt.datetime.now(dt.UTC)
    if end <= now:
        return "past"
    return "current" if start <= now else "upcoming"


def test_calendar_page_shows_every_phase_in_order_with_its_state(demo_site: DemoSite, page: Any):
    response = page.goto(demo_site.base_url + "/calendar")
    assert response.status == 200
    rows = page.locator("table.phases tbody tr")
    phases = COMPETITION.calendar.ordered
    assert rows.count() == len(phases)
    for index, phase in enumerate(phases):
        row = rows.nth(index)
        assert row.get_attribute("data-phase") == phase.key
        assert phase.name.en in row.locator("th").inner_text()
        state = expected_state(phase.start, phase.end)
        assert row.get_attribute("data-state") == state
        assert (row.get_attribute("aria-current") == "true") == (state == "current")
        local_start = phase.start.astimezone(COMPETITION.tz).strftime("%Y-%m-%d %H:%M")
        assert row.locator("td").first.inner_text() == local_start
    assert "Weekly office hours" in page.locator("#events").inner_text()
    assert page.locator("#feed").get_attribute("href") == "/calendar.ics"
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "calendar-desktop.png"), full_page=True)


def test_calendar_page_in_chinese_fits_a_phone(demo_site: DemoSite, browser: Any):
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    try:
        page = context.new_page()
        page.goto(demo_site.base_url + "/calendar?lang=zh")
        assert page.locator("h1").inner_text() == "赛季日历"
        assert "第一轮" in page.locator("table.phases").inner_text()
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], widths
        assert page.locator("#feed").get_attribute("href") == "/calendar.ics?lang=zh"
        page.screenshot(path=str(SCREENSHOTS / "calendar-phone.png"), full_page=True)
    finally:
        context.close()


def test_the_linked_feed_parses_and_matches_the_configured_phases(demo_site: DemoSite, page: Any):
    page.goto(demo_site.base_url + "/calendar")
    href = page.locator("#feed").get_attribute("href")
    response = page.request.get(demo_site.base_url + href)
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.body())
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    season = COMPETITION.competition.season
    phase_events = {uid: e for uid, e in events.items() if "-phase-" in uid}
    assert len(phase_events) == len(COMPETITION.calendar.phases)
    for phase in COMPETITION.calendar.phases:
        event = phase_events[f"{season}-phase-{phase.key}@podium"]
        assert str(event["SUMMARY"]) == phase.name.en
        assert event.decoded("DTSTART") == phase.start
        assert event.decoded("DTEND") == phase.end
        assert "DTSTAMP" in event
    assert any("-qa-" in uid for uid in events), "the demo's Q&A sessions are in the feed"
    zones = [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")]
    assert zones == [COMPETITION.competition.timezone]
