"""The public contest page shows a judging round's results once published, and nothing of
an unpublished round (no judge names, no scores before the reveal)."""

from __future__ import annotations

from tests.web.conftest import Web
from tests.web.test_judge_portal import ORGANIZER, judging_round


async def test_published_judging_results_appear_on_the_public_contest_page_and_not_before(
    web: Web,
):
    opened, judges = await judging_round(web, judges=2, per_entry=2)
    judging = web.services.judging
    for judge in judges:
        for n, task in enumerate(await judging.queue(judge.id)):
            await judging.submit(
                judge_id=judge.id,
                assignment_id=task.assignment.id,
                scores={c.key: 3 + n for c in opened.rubric.criteria},
                comment="Private note",
            )
    await judging.close_round(actor_id=ORGANIZER, round_id=opened.id)
    path = f"/contests/{web.report.contest_id}"

    before = await (await web.client.get(path)).text()
    assert f'id="judged-{opened.id}"' not in before

    await judging.publish(actor_id=ORGANIZER, round_id=opened.id)
    page = await (await web.client.get(path)).text()
    section = page.split(f'id="judged-{opened.id}"')[1].split("</section>")[0]
    assert (
        "Judges&#39; results: Preliminary" in section or "Judges' results: Preliminary" in section
    )
    results = (await judging.results(opened.id)).results
    assert [r.team_name for r in results] == [
        row.split("</td><td")[2].removeprefix(">")
        for row in section.split('<tr><td class="rank">')[1:]
    ]
    assert all(j.name not in page for j in judges)
    assert "Private note" not in page
    zh = await (await web.client.get(path, params={"lang": "zh"})).text()
    assert "评审结果：Preliminary" in zh
