"""The judge portal in a real headless chromium at phone size: an external judge opens the
sign-in link printed by ``podium judge-link``, keeps a draft, submits their scores and
edits them before the deadline, against the real ``podium run --only web``."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from bot.bootstrap import migrated_services
from bot.config import load_competition
from tests.browser.conftest import SCREENSHOTS, DemoSite, require_browser, seed_site, serve


@dataclass
class JudgingSite:
    site: DemoSite
    judge_id: int
    round_id: int
    live_round_id: int
    links: list[str]


async def _open_rounds(site: DemoSite) -> tuple[int, int, int]:
    """An external judge, an open round (one judge per entry) on the demo's contest, and an
    open live final with a scheduled Q&A session for it (not tied yet)."""
    competition = load_competition(site.workdir / "competition.toml")
    url = site.env["DATABASE_URL"]
    async with migrated_services(url, competition, guild_id=0) as services:
        front = await services.dashboard.public_front()
        contest_id = front.contests[0].id
        judge = await services.judging.add_judge(
            actor_id=1, name="Ada Lovelace", email="ada@example.com"
        )
        created = await services.judging.create_round(
            actor_id=1,
            contest=contest_id,
            name="Preliminary",
            judges_per_entry=1,
            deadline=dt.datetime.now(dt.UTC) + dt.timedelta(days=3),
        )
        opened = await services.judging.open_round(actor_id=1, round_id=created.id)
        final = await services.judging.create_round(
            actor_id=1,
            contest=contest_id,
            name="Roadshow final",
            judges_per_entry=1,
            deadline=dt.datetime.now(dt.UTC) + dt.timedelta(days=2),
            live=True,
        )
        await services.judging.open_round(actor_id=1, round_id=final.id)
        start = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        await services.qa.schedule(
            actor_id=1,
            title="Roadshow on stage",
            kind="official",
            start=start.isoformat(timespec="minutes"),
            duration="2h",
            host_id=1,
        )
        return judge.id, opened.id, final.id


@pytest.fixture(scope="module")
def judging_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JudgingSite]:
    require_browser()
    site = seed_site(tmp_path_factory.mktemp("judging"), tmp_path_factory)
    judge_id, round_id, live_round_id = asyncio.run(_open_rounds(site))
    outputs = site.podium_batch(
        *(["judge-link", "--judge", str(judge_id), "--by", "1"] for _ in range(3)),
        *(["dashboard-link", "--user", "1"] for _ in range(2)),
    )
    links = [o.strip() for o in outputs[:3]]
    site.links[("organizer",)] = [o.strip() for o in outputs[3:]]
    with serve(site):
        yield JudgingSite(site, judge_id, round_id, live_round_id, links)


def phone(browser: Any, locale: str = "en-US") -> Any:
    return browser.new_context(
        viewport={"width": 375, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale=locale,
    )


def fits_width(page: Any) -> bool:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    return bool(widths[0] <= widths[1])


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def sheet_of(site: DemoSite, round_id: int) -> list[tuple[str, str, str | None]]:
    """(assignment status, scores JSON, comment) of the round's sheets, read from the file."""
    with sqlite3.connect(site.workdir / "demo.db") as conn:
        return conn.execute(
            "SELECT a.status, s.scores, s.comment FROM judging_score_sheets s "
            "JOIN judging_assignments a ON a.id = s.assignment_id WHERE a.round_id = ?",
            (round_id,),
        ).fetchall()


def test_an_external_judge_signs_in_by_link_scores_and_edits_before_the_deadline(
    judging_site: JudgingSite, browser: Any
):
    site = judging_site.site
    link = judging_site.links.pop()
    assert link.startswith(site.base_url + "/judge/login?token=")
    context = phone(browser)
    try:
        page = context.new_page()
        page.goto(link)
        assert page.url == site.base_url + "/judge"
        assert page.locator("h1").inner_text() == "Judge portal"
        assert "Ada Lovelace" in page.inner_text("main")
        assert fits_width(page)
        shot(page, "judge-portal-list-phone.png")
        preliminary = page.locator("section", has=page.locator("h2", has_text="Preliminary"))
        entries = preliminary.locator("ul.tasks li a")
        assert entries.count() == 6  # one judge per entry: all six are Ada's
        entries.first.click()
        assert "/judge/tasks/" in page.url
        inputs = page.locator('form.scoring input[type="number"]')
        assert inputs.count() == 3
        # a draft with one score is kept on the server
        inputs.nth(0).fill("7")
        page.fill("#comment", "Clear plan, thin on costs.")
        page.get_by_role("button", name="Save draft").click()
        assert "Draft saved" in page.inner_text("main")
        assert inputs.nth(0).input_value() == "7"
        assert sheet_of(site, judging_site.round_id)[0][0] == "draft"
        # submit every criterion
        inputs.nth(1).fill("8")
        inputs.nth(2).fill("6")
        page.get_by_role("button", name="Submit").click()
        assert "Scores submitted" in page.inner_text("main")
        assert fits_width(page)
        shot(page, "judge-portal-entry-phone.png")
        # edit before the deadline
        inputs.nth(2).fill("9")
        page.get_by_role("button", name="Submit").click()
        assert "Scores submitted" in page.inner_text("main")
        assert inputs.nth(2).input_value() == "9"
        status, scores, comment = sheet_of(site, judging_site.round_id)[0]
        assert status == "submitted"
        assert 9 in json.loads(scores).values()  # the stored JSON, however it is spaced
        assert comment == "Clear plan, thin on costs."
        # the list shows the entry as submitted, after the ones still to score
        page.get_by_role("link", name="Back to my entries").click()
        assert "submitted" in preliminary.locator("ul.tasks li").last.inner_text()
        assert "to score" in preliminary.locator("ul.tasks li").first.inner_text()
        cookie = next(c for c in context.cookies() if c["name"] == "podium_judge")
        assert cookie["httpOnly"]
        assert cookie["sameSite"] == "Strict"
        # the judge's session does not open the organizer dashboard
        page.goto(site.base_url + "/admin")
        assert page.url == site.base_url + "/admin/signin"
    finally:
        context.close()


def test_an_out_of_scale_score_is_refused_in_chinese_and_the_link_works_once(
    judging_site: JudgingSite, browser: Any
):
    site = judging_site.site
    link = judging_site.links.pop()
    context = phone(browser, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(link)
        assert page.url == site.base_url + "/judge"
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        preliminary = page.locator("section", has=page.locator("h2", has_text="Preliminary"))
        preliminary.locator("ul.tasks li a").nth(1).click()
        inputs = page.locator('form.scoring input[type="number"]')
        inputs.nth(0).fill("12")
        # the draft button skips the browser's own range check: the server refuses
        page.locator('button[value="draft"]').click()
        alert = page.locator('[role="alert"]').inner_text()
        assert "12" in alert
        assert "Nothing was saved" not in alert  # shown in Chinese
        shot(page, "judge-portal-refusal-zh.png")
        again = context.new_page()
        response = again.goto(link)
        assert response.status == 403
    finally:
        context.close()


def test_the_organizer_sees_the_judges_progress_and_the_preview(
    judging_site: JudgingSite, page: Any
):
    site = judging_site.site
    page.goto(site.link("organizer"))
    page.goto(f"{site.base_url}/admin/judging?round={judging_site.round_id}")
    assert page.locator("h1").inner_text() == "Judging"
    assert "Ada Lovelace" in page.inner_text("#judges")
    per_judge = page.inner_text("#per-judge")
    assert "Ada Lovelace" in per_judge
    assert "6" in per_judge  # six entries assigned
    assert page.locator("#per-entry tbody tr").count() == 6
    assert "Results preview" in page.inner_text("#results")
    shot(page, "admin-judging.png")


def test_a_live_final_the_organizer_runs_is_scored_from_a_judges_phone(
    judging_site: JudgingSite, browser: Any, page: Any
):
    site, round_id = judging_site.site, judging_site.live_round_id
    page.goto(site.link("organizer"))
    page.goto(f"{site.base_url}/admin/judging?round={round_id}")
    live = page.locator("#live")
    choice = live.locator("select[name=session]")
    assert "Roadshow on stage" in choice.inner_text()
    choice.select_option(index=0)
    live.get_by_role("button", name="Use this session").click()
    assert "Session: Roadshow on stage" in page.inner_text("#live")
    phone_context = phone(browser)
    try:
        judge = phone_context.new_page()
        judge.goto(judging_site.links.pop())
        judge.get_by_role("link", name=re.compile("Live final")).click()
        assert "has not started yet" in judge.inner_text("#stage")
        page.locator("#live").get_by_role("button", name="Start with the first entry").click()
        assert "on stage" in page.locator("#live tr.onstage").inner_text()
        judge.reload()  # the page refreshes itself every 15 s; no test waits for it
        assert "(1 of 6)" in judge.inner_text("#stage")
        judge.get_by_role("link", name="Score this entry").click()
        inputs = judge.locator('form.scoring input[type="number"]')
        for index, value in enumerate(("9", "8", "7")):
            inputs.nth(index).fill(value)
        judge.get_by_role("button", name="Submit").click()
        assert "Scores submitted" in judge.inner_text("main")
        assert fits_width(judge)
        shot(judge, "judge-live-phone.png")
        judge.get_by_role("link", name="Back to the live final").click()
        assert "(1 of 6)" in judge.inner_text("#stage")
    finally:
        phone_context.close()
    page.locator("#live").get_by_role("button", name="Next entry").click()
    assert page.locator("#live tr.onstage td.rank").inner_text() == "2"
    page.get_by_role("button", name="Reveal the results").click()
    # the web-only process publishes; the results post needs the Discord process
    assert "the results post was not made" in page.inner_text("main")
    assert "Results (published" in page.inner_text("#results")
    shot(page, "admin-judging-live.png")
