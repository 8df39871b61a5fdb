"""The judge portal through the real aiohttp app: sign-in links (single use, expired,
tampered), a judge sees only their entries, drafts kept, submit, edit before the round
closes, read-only after, refusals localized, a removed judge loses the session."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from bot.services.judge_access import JudgeNotActive
from bot.services.judging import Judge, JudgeTask, Round
from tests.web.conftest import Web

ORGANIZER = 1


async def judging_round(
    web: Web, *, judges: int = 3, per_entry: int = 1, live: bool = False
) -> tuple[Round, list[Judge]]:
    """External judges and an open round on the demo's contest (six entries)."""
    judging = web.services.judging
    assert web.report.contest_id is not None
    pool = [
        await judging.add_judge(
            actor_id=ORGANIZER, name=f"Judge {i + 1}", email=f"judge{i + 1}@example.com"
        )
        for i in range(judges)
    ]
    created = await judging.create_round(
        actor_id=ORGANIZER,
        contest=web.report.contest_id,
        name="Live final" if live else "Preliminary",
        judges_per_entry=per_entry,
        deadline=web.clock.now() + dt.timedelta(days=3),
        live=live,
    )
    opened = await judging.open_round(actor_id=ORGANIZER, round_id=created.id)
    return opened, pool


async def sign_in(web: Web, judge_id: int) -> None:
    """Sign the test client in as the judge (the client keeps the cookie)."""
    link = await web.services.judge_access.issue_link(actor_id=ORGANIZER, judge_id=judge_id)
    response = await web.client.get(
        "/judge/login", params={"token": link.token}, allow_redirects=False
    )
    assert response.status == 303, await response.text()
    assert response.headers["Location"] == "/judge"


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match is not None
    return match.group(1)


async def first_task(web: Web, judge: Judge) -> JudgeTask:
    tasks = await web.services.judging.queue(judge.id)
    assert tasks
    return tasks[0]


async def post_scores(
    web: Web, task: JudgeTask, action: str, scores: dict[str, str], comment: str = ""
) -> tuple[int, str]:
    path = f"/judge/tasks/{task.assignment.id}"
    page = await (await web.client.get(path)).text()
    form = {"csrf_token": csrf_of(page), "action": action, "comment": comment}
    form |= {f"score_{key}": value for key, value in scores.items()}
    origin = str(web.client.make_url("")).rstrip("/")
    response = await web.client.post(path, data=form, headers={"Origin": origin})
    return response.status, await response.text()


def all_scores(task: JudgeTask, value: int) -> dict[str, str]:
    return {c.key: str(value) for c in task.round.rubric.criteria}


# -- sign-in links -------------------------------------------------------------------------
async def test_a_judge_link_signs_in_once_with_a_strict_cookie_for_the_portal_only(web: Web):
    _, judges = await judging_round(web)
    link = await web.services.judge_access.issue_link(actor_id=ORGANIZER, judge_id=judges[0].id)
    assert link.url.endswith(f"/judge/login?token={link.token}")
    response = await web.client.get(
        "/judge/login", params={"token": link.token}, allow_redirects=False
    )
    assert response.status == 303
    header = response.headers["Set-Cookie"]
    assert header.startswith("podium_judge=")
    assert "HttpOnly" in header
    assert "SameSite=Strict" in header
    assert "Path=/judge" in header
    home = await web.client.get("/judge")
    assert home.status == 200
    assert "Judge 1" in await home.text()
    again = await web.client.get("/judge/login", params={"token": link.token})
    assert again.status == 403
    assert "already used" in await again.text()
    # the judge's session is no dashboard session
    admin = await web.client.get("/admin", allow_redirects=False)
    assert admin.headers["Location"] == "/admin/signin"
    judging_admin = await web.client.get("/admin/judging", allow_redirects=False)
    assert judging_admin.headers["Location"] == "/admin/signin"
    actions = [a.action for a in await web.services.audit.recent(limit=5)]
    assert "judging.link_issued" in actions
    assert "judging.web_login" in actions


async def test_an_expired_judge_link_is_refused_in_the_judges_language(web: Web):
    _, judges = await judging_round(web)
    link = await web.services.judge_access.issue_link(
        actor_id=ORGANIZER, judge_id=judges[0].id, ttl=dt.timedelta(hours=1)
    )
    web.clock.advance(dt.timedelta(hours=1))
    response = await web.client.get("/judge/login", params={"token": link.token, "lang": "zh"})
    assert response.status == 403
    page = await response.text()
    assert "72" in page
    assert '<html lang="zh-CN">' in page
    assert "podium_judge" not in response.cookies


async def test_a_tampered_link_and_a_dashboard_link_are_refused_as_invalid(web: Web):
    _, judges = await judging_round(web)
    link = await web.services.judge_access.issue_link(actor_id=ORGANIZER, judge_id=judges[0].id)
    raw, signature = link.token.split(".")
    tampered = f"{raw}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    dashboard = await web.services.web_auth.issue_link(user_id=ORGANIZER)
    for token in (tampered, f"x{raw}.{signature}", dashboard.token, "", "no-dot"):
        response = await web.client.get("/judge/login", params={"token": token})
        assert response.status == 403, token
        assert "not valid" in await response.text()
    # the untouched link still works once: refusals used nothing up
    ok = await web.client.get("/judge/login", params={"token": link.token}, allow_redirects=False)
    assert ok.status == 303


async def test_a_removed_judge_gets_no_link_and_loses_the_session_at_the_next_request(web: Web):
    _, judges = await judging_round(web)
    await sign_in(web, judges[0].id)
    assert (await web.client.get("/judge")).status == 200
    await web.services.judging.remove_judge(actor_id=ORGANIZER, judge_id=judges[0].id)
    response = await web.client.get("/judge", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/judge/signin"
    ended = await web.services.audit.recent(limit=1)
    assert ended[0].action == "judging.web_access_ended"
    with pytest.raises(JudgeNotActive):
        await web.services.judge_access.issue_link(actor_id=ORGANIZER, judge_id=judges[0].id)


# -- the list and the materials ------------------------------------------------------------
async def test_a_judge_sees_only_their_own_entries(web: Web):
    _, judges = await judging_round(web, judges=3, per_entry=1)
    mine = await web.services.judging.queue(judges[0].id)
    theirs = await web.services.judging.queue(judges[1].id)
    assert mine
    assert theirs
    await sign_in(web, judges[0].id)
    page = await (await web.client.get("/judge")).text()
    for task in mine:
        assert f'href="/judge/tasks/{task.assignment.id}"' in page
    for task in theirs:
        assert f'href="/judge/tasks/{task.assignment.id}"' not in page
        other = await web.client.get(f"/judge/tasks/{task.assignment.id}")
        assert other.status == 404


async def test_the_entry_page_shows_the_materials_and_one_input_per_criterion(web: Web):
    _, judges = await judging_round(web)
    await sign_in(web, judges[0].id)
    task = await first_task(web, judges[0])
    page = await (await web.client.get(f"/judge/tasks/{task.assignment.id}")).text()
    assert task.entry.title in page
    for url in task.entry.links:
        assert f'href="{url}"' in page
    rubric = task.round.rubric
    inputs = re.findall(r'<input type="number"[^>]*name="score_(\w+)"', page)
    assert inputs == [c.key for c in rubric.criteria]
    assert f'min="{rubric.scale_min}" max="{rubric.scale_max}"' in page
    zh = await (await web.client.get(f"/judge/tasks/{task.assignment.id}?lang=zh")).text()
    assert all(c.name_zh in zh for c in rubric.criteria)


# -- drafts, submit, edit, close -----------------------------------------------------------
async def test_save_draft_keeps_partial_scores_server_side(web: Web):
    _, judges = await judging_round(web)
    await sign_in(web, judges[0].id)
    task = await first_task(web, judges[0])
    first = task.round.rubric.criteria[0].key
    status, page = await post_scores(web, task, "draft", {first: "7"}, comment="promising")
    assert status == 200  # followed the 303 back to the entry page
    assert "Draft saved" in page
    kept = await web.services.judging.task(judges[0].id, task.assignment.id)
    assert kept.sheet is not None
    assert dict(kept.sheet.scores) == {first: 7}
    assert kept.sheet.comment == "promising"
    assert kept.sheet.submitted_at is None
    assert kept.assignment.status == "draft"
    assert re.search(rf'name="score_{first}"[^>]*value="7"', page)
    assert "promising</textarea>" in page


async def test_submit_then_edit_before_the_deadline(web: Web):
    _, judges = await judging_round(web)
    await sign_in(web, judges[0].id)
    task = await first_task(web, judges[0])
    status, page = await post_scores(web, task, "submit", all_scores(task, 8))
    assert status == 200
    assert "Scores submitted" in page
    listed = await (await web.client.get("/judge")).text()
    total = len(await web.services.judging.queue(judges[0].id))
    assert f"1 of {total} submitted" in listed
    submitted = await web.services.judging.task(judges[0].id, task.assignment.id)
    assert submitted.assignment.status == "submitted"
    assert set(submitted.sheet.scores.values()) == {8}  # type: ignore[union-attr]
    web.clock.advance(dt.timedelta(days=1))
    status, _ = await post_scores(web, task, "submit", all_scores(task, 5), comment="revised")
    assert status == 200
    edited = await web.services.judging.task(judges[0].id, task.assignment.id)
    assert set(edited.sheet.scores.values()) == {5}  # type: ignore[union-attr]
    assert edited.sheet.comment == "revised"  # type: ignore[union-attr]


async def test_out_of_scale_and_non_numbers_are_refused_in_both_languages_saving_nothing(
    web: Web,
):
    _, judges = await judging_round(web)
    await sign_in(web, judges[0].id)
    task = await first_task(web, judges[0])
    scores = all_scores(task, 6)
    key = task.round.rubric.criteria[0].key
    scores[key] = "11"
    status, page = await post_scores(web, task, "submit", scores)
    assert status == 400
    assert "Nothing was saved" in page
    assert "from 1 to 10" in page
    assert f"({task.round.rubric.criteria[0].name}: 11)" in page  # named, not keyed
    assert 'value="11"' in page  # the typed values come back to fix
    scores[key] = "seven"
    status, page = await post_scores(web, task, "draft", scores)
    assert status == 400
    assert "is not a whole number" in page
    await web.client.get("/judge", params={"lang": "zh"})  # remembered in a cookie
    status, zh = await post_scores(web, task, "submit", scores | {key: "0"})
    assert status == 400
    assert '<html lang="zh-CN">' in zh
    assert "Nothing was saved" not in zh
    untouched = await web.services.judging.task(judges[0].id, task.assignment.id)
    assert untouched.sheet is None
    assert untouched.assignment.status == "pending"


async def test_submit_without_every_criterion_is_refused(web: Web):
    _, judges = await judging_round(web)
    await sign_in(web, judges[0].id)
    task = await first_task(web, judges[0])
    first = task.round.rubric.criteria[0].key
    status, page = await post_scores(web, task, "submit", {first: "9"})
    assert status == 400
    assert "Score every criterion" in page


async def test_the_entry_is_editable_until_the_round_closes_then_read_only(web: Web):
    opened, judges = await judging_round(web)
    await sign_in(web, judges[0].id)
    task = await first_task(web, judges[0])
    path = f"/judge/tasks/{task.assignment.id}"
    web.clock.advance(dt.timedelta(days=4))  # past the deadline: open until closed
    before = await (await web.client.get(path)).text()
    assert "Save draft" in before
    csrf = csrf_of(before)
    await web.services.judging.close_round(actor_id=ORGANIZER, round_id=opened.id)
    page = await (await web.client.get(path)).text()
    assert "read-only" in page
    assert "Save draft" not in page
    assert re.search(r'name="score_\w+"[^>]*disabled', page)
    origin = str(web.client.make_url("")).rstrip("/")
    form = {"csrf_token": csrf, "action": "submit"} | {
        f"score_{k}": v for k, v in all_scores(task, 5).items()
    }
    response = await web.client.post(path, data=form, headers={"Origin": origin})
    assert response.status == 400
    assert "closed" in await response.text()
    assert (await web.services.judging.task(judges[0].id, task.assignment.id)).sheet is None


async def test_a_form_without_the_csrf_token_or_from_another_site_is_refused(web: Web):
    _, judges = await judging_round(web)
    await sign_in(web, judges[0].id)
    task = await first_task(web, judges[0])
    path = f"/judge/tasks/{task.assignment.id}"
    csrf = csrf_of(await (await web.client.get(path)).text())
    origin = str(web.client.make_url("")).rstrip("/")
    data = {"action": "draft"} | {f"score_{k}": v for k, v in all_scores(task, 5).items()}
    no_token = await web.client.post(path, data=data, headers={"Origin": origin})
    assert no_token.status == 403
    other_site = await web.client.post(
        path, data=data | {"csrf_token": csrf}, headers={"Origin": "https://evil.example"}
    )
    assert other_site.status == 403
    assert (await web.services.judging.task(judges[0].id, task.assignment.id)).sheet is None


async def test_signing_out_ends_the_judge_session(web: Web):
    _, judges = await judging_round(web)
    await sign_in(web, judges[0].id)
    csrf = csrf_of(await (await web.client.get("/judge")).text())
    origin = str(web.client.make_url("")).rstrip("/")
    response = await web.client.post(
        "/judge/logout", data={"csrf_token": csrf}, headers={"Origin": origin}
    )
    assert response.status == 200
    assert "signed out" in await response.text()
    assert (await web.client.get("/judge", allow_redirects=False)).status == 302


async def test_arriving_from_an_e_mail_link_re_navigates_once_from_this_site(web: Web):
    response = await web.client.get(
        "/judge/tasks/12", headers={"Sec-Fetch-Site": "cross-site"}, allow_redirects=False
    )
    assert response.status == 200
    assert 'content="0;url=/judge/tasks/12?again=1"' in await response.text()
    plain = await web.client.get("/judge/tasks/12", allow_redirects=False)
    assert plain.status == 302
    assert plain.headers["Location"] == "/judge/signin"
