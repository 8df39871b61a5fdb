"""The public calendar page and its iCalendar feed through the real aiohttp app."""

import datetime as dt
from typing import Any

from icalendar import Calendar

from bot.config import load_competition
from tests.conftest import EXAMPLE_COMPETITION
from tests.web.conftest import Web


def events_by_uid(body: bytes) -> dict[str, Any]:
    calendar = Calendar.from_ical(body)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


async def test_calendar_page_lists_the_phases_in_order_with_the_current_one_marked(web: Web):
    response = await web.client.get("/calendar")
    assert response.status == 200
    page = await response.text()
    order = [page.index(name) for name in ("Registration", "Check-in", "Round 1", "Awards")]
    assert order == sorted(order)
    # T0 is 2026-11-25: registration (until 2026-12-31 23:59 Shanghai time) is running.
    assert 'data-phase="registration" data-state="current" aria-current="true"' in page
    assert 'data-phase="round1" data-state="upcoming"' in page
    assert "Next deadline: Registration closes 2026-12-31 23:59 (Asia/Shanghai)." in page
    assert "Weekly office hours" in page  # a Q&A session of the seeded demo
    assert "Best unboxing video: submissions" in page
    assert 'href="/calendar.ics"' in page
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert "Content-Security-Policy" in response.headers


async def test_calendar_page_in_chinese_links_the_chinese_feed(web: Web):
    response = await web.client.get("/calendar", params={"lang": "zh"})
    page = await response.text()
    assert '<html lang="zh-CN">' in page
    assert "第一轮" in page
    assert "赛季日历" in page
    assert 'href="/calendar.ics?lang=zh"' in page


async def test_front_page_links_the_calendar(web: Web):
    page = await (await web.client.get("/")).text()
    assert 'href="/calendar"' in page


async def test_feed_parses_and_holds_every_configured_phase_with_its_times(web: Web):
    response = await web.client.get("/calendar.ics")
    assert response.status == 200
    assert response.content_type == "text/calendar"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    events = events_by_uid(await response.read())
    competition = load_competition(EXAMPLE_COMPETITION)
    for phase in competition.calendar.phases:
        event = events[f"2026-phase-{phase.key}@podium"]
        assert str(event["SUMMARY"]) == phase.name.en
        assert event.decoded("DTSTART") == phase.start
        assert event.decoded("DTEND") == phase.end
        assert event.decoded("DTSTART").tzinfo.key == "Asia/Shanghai"
        assert event.decoded("DTSTAMP") == web.clock.now()


async def test_feed_holds_the_qa_sessions_and_both_contest_windows(web: Web):
    events = events_by_uid(await (await web.client.get("/calendar.ics")).read())
    sessions = await web.services.qa.upcoming()
    assert sessions
    for session in sessions:
        event = events[f"2026-qa-{session.id}@podium"]
        assert str(event["SUMMARY"]) == f"Q&A: {session.title}"
        assert event.decoded("DTSTART") == session.starts_at
    contest_id = web.report.contest_id
    submissions = events[f"2026-contest-{contest_id}-submissions@podium"]
    voting = events[f"2026-contest-{contest_id}-voting@podium"]
    assert str(submissions["SUMMARY"]) == "Best unboxing video: submissions"
    assert submissions.decoded("DTEND") == voting.decoded("DTSTART")


async def test_feed_uids_stay_the_same_from_one_fetch_to_the_next(web: Web):
    first = events_by_uid(await (await web.client.get("/calendar.ics")).read())
    web.clock.advance(dt.timedelta(minutes=10))
    second = events_by_uid(await (await web.client.get("/calendar.ics")).read())
    assert set(first) == set(second)
    assert len(first) >= 6 + 3 + 2


async def test_feed_in_chinese_names_the_phases_in_chinese_and_has_a_time_zone(web: Web):
    body = await (await web.client.get("/calendar.ics", params={"lang": "zh"})).read()
    calendar = Calendar.from_ical(body)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    events = events_by_uid(body)
    assert str(events["2026-phase-round1@podium"]["SUMMARY"]) == "第一轮"
