"""The organizers' judging page and the live final: progress per judge and per entry, the
results preview, tying a live round to a Q&A session, the running order on the judges'
phones, and the reveal (published exactly once)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

import pytest

from bot.services.judging import RESULTS_PUBLICATION, AlreadyPublished
from bot.services.publications import Publication
from tests.web.conftest import Web
from tests.web.test_judge_portal import ORGANIZER, all_scores, judging_round, sign_in
from tests.web.test_pages import dashboard_form


def origin(web: Web) -> str:
    return str(web.client.make_url("")).rstrip("/")


async def test_the_judging_page_needs_an_organizer_session(web: Web):
    response = await web.client.get("/admin/judging", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/admin/signin"


async def test_the_judging_page_shows_progress_per_judge_and_entry_and_the_preview(web: Web):
    opened, judges = await judging_round(web, judges=3, per_entry=1)
    judging = web.services.judging
    task = (await judging.queue(judges[0].id))[0]
    await judging.submit(
        judge_id=judges[0].id,
        assignment_id=task.assignment.id,
        scores={c.key: 9 for c in opened.rubric.criteria},
        comment=None,
    )
    await dashboard_form(web)  # signs the client in as organizer 1
    page = await (await web.client.get("/admin/judging")).text()
    progress = await judging.progress(opened.id)
    per_judge = page.split('id="per-judge"')[1].split("</section>")[0]
    for row in progress.judges:
        assert row.judge.name in per_judge
    assert re.search(
        rf"{judges[0].name}.*?<td class=\"num\">\d+</td><td class=\"num\">1</td>", per_judge
    )
    per_entry = page.split('id="per-entry"')[1].split("</section>")[0]
    assert all(e.team_name in per_entry for e in progress.entries)
    results = page.split('id="results"')[1].split("</section>")[0]
    assert "Results preview" in results
    assert task.entry.team_name in results
    zh = await (await web.client.get("/admin/judging", params={"lang": "zh"})).text()
    assert '<html lang="zh-CN">' in zh
    assert "Progress per judge" not in zh


async def test_a_live_final_runs_in_a_qa_session_moves_on_stage_and_reveals_once(web: Web):
    opened, judges = await judging_round(web, judges=3, per_entry=3, live=True)
    services = web.services
    start = (web.clock.now() + dt.timedelta(days=1)).astimezone(services.competition.competition.tz)
    qa = await services.qa.schedule(
        actor_id=ORGANIZER,
        title="Roadshow final",
        kind="official",
        start=start.strftime("%Y-%m-%d %H:%M"),
        duration="2h",
        host_id=ORGANIZER,
    )
    _, csrf = await dashboard_form(web)
    page = await (await web.client.get("/admin/judging", params={"round": opened.id})).text()
    assert "Roadshow final" in page  # offered in the session choice
    response = await web.client.post(
        f"/admin/judging/{opened.id}/live",
        data={"csrf_token": csrf, "session": str(qa.id)},
        headers={"Origin": origin(web)},
    )
    assert response.status == 200
    live = await services.judging_live.live(opened.id)
    assert live is not None
    assert live.session.id == qa.id
    assert live.position is None
    # a judge's phone: waiting, then the first entry on stage with a link to score it
    await sign_in(web, judges[0].id)
    waiting = await (await web.client.get(f"/judge/live/{opened.id}")).text()
    assert "has not started yet" in waiting
    assert 'http-equiv="refresh"' in waiting
    response = await web.client.post(
        f"/admin/judging/{opened.id}/next",
        data={"csrf_token": csrf},
        headers={"Origin": origin(web)},
    )
    assert response.status == 200
    live = await services.judging_live.live(opened.id)
    assert live is not None
    assert live.current_entry_id == live.order[0]
    stage = await (await web.client.get(f"/judge/live/{opened.id}")).text()
    assert f"(1 of {len(live.order)})" in stage
    mine = [
        t
        for t in await services.judging.queue(judges[0].id, opened.id)
        if t.entry.entry_id == live.order[0]
    ]
    assert mine
    assert f'href="/judge/tasks/{mine[0].assignment.id}"' in stage
    await services.judging.submit(
        judge_id=judges[0].id,
        assignment_id=mine[0].assignment.id,
        scores={k: int(v) for k, v in all_scores(mine[0], 8).items()},
        comment=None,
    )
    for _ in live.order:
        await services.judging_live.advance(actor_id=ORGANIZER, round_id=opened.id)
    done = await (await web.client.get(f"/judge/live/{opened.id}")).text()
    assert "Every entry has presented" in done
    posted: list[Publication] = []

    class Recorder:
        async def publish(self, publications: Sequence[Publication]) -> list[str]:
            posted.extend(publications)
            return ["posted"] * len(publications)

    services.scheduler.set_publisher(Recorder())
    response = await web.client.post(
        f"/admin/judging/{opened.id}/reveal",
        data={"csrf_token": csrf},
        headers={"Origin": origin(web)},
    )
    assert response.status == 200
    assert "The results are published." in await response.text()
    assert [p.kind for p in posted] == [RESULTS_PUBLICATION]
    assert (await services.judging.round(opened.id)).status == "published"
    results = await services.judging.results(opened.id)
    assert results.published_at is not None
    with pytest.raises(AlreadyPublished):
        await services.judging_live.reveal(actor_id=ORGANIZER, round_id=opened.id)
    again = await web.client.post(
        f"/admin/judging/{opened.id}/reveal",
        data={"csrf_token": csrf},
        headers={"Origin": origin(web)},
    )
    assert again.status == 400
    assert "already published" in await again.text()
    assert len(posted) == 1


async def test_a_reveal_without_discord_publishes_and_says_the_post_was_not_made(web: Web):
    opened, _ = await judging_round(web, live=True)
    _, csrf = await dashboard_form(web)
    response = await web.client.post(
        f"/admin/judging/{opened.id}/reveal",
        data={"csrf_token": csrf},
        headers={"Origin": origin(web)},
    )
    assert response.status == 200
    assert "the results post was not made" in await response.text()
    assert (await web.services.judging.round(opened.id)).status == "published"


async def test_a_round_that_is_not_live_cannot_be_tied_to_a_session(web: Web):
    opened, _ = await judging_round(web)
    _, csrf = await dashboard_form(web)
    response = await web.client.post(
        f"/admin/judging/{opened.id}/live",
        data={"csrf_token": csrf, "session": "1"},
        headers={"Origin": origin(web)},
    )
    assert response.status == 400
    assert "is not a live final" in await response.text()
    assert await web.services.judging_live.live(opened.id) is None


async def test_an_organizer_gets_a_judge_link_on_the_dashboard_that_signs_the_judge_in(web: Web):
    _, csrf = await dashboard_form(web)
    empty = await (await web.client.get("/admin/judging")).text()
    assert "No judging rounds yet" in empty
    assert "No judges yet" in empty
    _, judges = await judging_round(web)
    page = await (await web.client.get("/admin/judging")).text()
    assert f'action="/admin/judging/judges/{judges[0].id}/link"' in page
    response = await web.client.post(
        f"/admin/judging/judges/{judges[0].id}/link",
        data={"csrf_token": csrf},
        headers={"Origin": origin(web)},
    )
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    shown = await response.text()
    match = re.search(r'value="(http[^"]+/judge/login\?token=[^"]+)"', shown)
    assert match is not None
    issued = await web.services.audit.recent(limit=1)
    assert (issued[0].action, issued[0].actor_id) == ("judging.link_issued", ORGANIZER)
    token = match.group(1).split("token=")[1]
    login = await web.client.get("/judge/login", params={"token": token}, allow_redirects=False)
    assert login.status == 303
    forged = await web.client.post(
        f"/admin/judging/judges/{judges[0].id}/link",
        data={"csrf_token": "forged"},
        headers={"Origin": origin(web)},
    )
    assert forged.status == 403
    unknown = await web.client.post(
        "/admin/judging/judges/999999/link",
        data={"csrf_token": csrf},
        headers={"Origin": origin(web)},
    )
    assert unknown.status == 400
    assert "There is no judge #999999" in await unknown.text()


async def test_a_draft_live_round_shows_empty_progress_and_the_session_choice(web: Web):
    judging = web.services.judging
    await judging.add_judge(actor_id=ORGANIZER, name="Solo", email="solo@example.com")
    assert web.report.contest_id is not None
    draft = await judging.create_round(
        actor_id=ORGANIZER,
        contest=web.report.contest_id,
        name="Roadshow",
        deadline=web.clock.now() + dt.timedelta(days=2),
        live=True,
    )
    await dashboard_form(web)
    response = await web.client.get("/admin/judging", params={"round": draft.id, "lang": "zh"})
    assert response.status == 200
    page = await response.text()
    assert "尚未开放" in page  # not open yet
    assert f'action="/admin/judging/{draft.id}/live"' in page
    assert f'action="/admin/judging/{draft.id}/reveal"' not in page
    assert "还没有已提交的评分" in page  # no submitted scores yet
