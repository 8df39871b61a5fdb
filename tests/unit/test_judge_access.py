"""Judge portal sign-in links and sessions (bot/services/judge_access.py) on the real
database: single use, expiry, tampering, their own signing domain, removal ending access."""

import datetime as dt

import pytest

from bot.services.judge_access import (
    InvalidJudgeLinkLifetime,
    JudgeLinkExpired,
    JudgeLinkInvalid,
    JudgeLinkUsed,
    JudgeNotActive,
)
from bot.services.judging import UnknownJudge
from bot.services.web_auth import LoginLinkInvalid
from storage.queries.audit import recent

ORGANIZER = 424242


async def external_judge(services, name="Grace Hopper", email="grace@example.com"):
    return await services.judging.add_judge(actor_id=ORGANIZER, name=name, email=email)


async def test_a_judge_link_opens_one_judge_session_and_is_audited(services):
    judge = await external_judge(services)
    link = await services.judge_access.issue_link(actor_id=ORGANIZER, judge_id=judge.id)
    assert link.url == f"http://127.0.0.1:8080/judge/login?token={link.token}"
    opened = await services.judge_access.login(link.token)
    session = await services.judge_access.session(opened.cookie)
    assert session is not None
    assert session.judge_id == judge.id
    assert services.judge_access.csrf_ok(session, opened.session.csrf_token)
    assert not services.judge_access.csrf_ok(session, "forged")
    with pytest.raises(JudgeLinkUsed):
        await services.judge_access.login(link.token)
    # a judge session is not a dashboard session
    assert await services.web_auth.session(opened.cookie) is None
    async with services.db.read() as conn:
        actions = [(r.action, r.actor_id, r.target) for r in await recent(conn, limit=5)]
    assert ("judging.link_issued", ORGANIZER, f"judge:{judge.id}") in actions
    assert ("judging.web_login", None, f"judge:{judge.id}") in actions


async def test_a_judge_link_lasts_72_hours_and_no_longer(services, clock):
    judge = await external_judge(services)
    early = await services.judge_access.issue_link(actor_id=ORGANIZER, judge_id=judge.id)
    late = await services.judge_access.issue_link(actor_id=ORGANIZER, judge_id=judge.id)
    clock.advance(dt.timedelta(hours=71, minutes=59))
    assert (await services.judge_access.login(early.token)).session.judge_id == judge.id
    clock.advance(dt.timedelta(minutes=1))
    with pytest.raises(JudgeLinkExpired):
        await services.judge_access.login(late.token)
    with pytest.raises(InvalidJudgeLinkLifetime):
        await services.judge_access.issue_link(
            actor_id=ORGANIZER, judge_id=judge.id, ttl=dt.timedelta(hours=73)
        )


async def test_tampered_links_and_dashboard_links_are_invalid(services):
    judge = await external_judge(services)
    link = await services.judge_access.issue_link(actor_id=ORGANIZER, judge_id=judge.id)
    raw, signature = link.token.split(".")
    dashboard = await services.web_auth.issue_link(user_id=ORGANIZER)
    for token in (f"{raw}x.{signature}", f"{raw}.{signature[::-1]}", dashboard.token, "é.é"):
        with pytest.raises(JudgeLinkInvalid):
            await services.judge_access.login(token)
    # nor does a judge link open the dashboard
    with pytest.raises(LoginLinkInvalid):
        await services.web_auth.login(link.token)


async def test_removing_a_judge_ends_their_session_and_links_at_the_next_read(services):
    judge = await external_judge(services)
    other = await external_judge(services, name="Other", email="other@example.com")
    opened = await services.judge_access.login(
        (await services.judge_access.issue_link(actor_id=ORGANIZER, judge_id=judge.id)).token
    )
    unused = await services.judge_access.issue_link(actor_id=ORGANIZER, judge_id=judge.id)
    kept = await services.judge_access.login(
        (await services.judge_access.issue_link(actor_id=ORGANIZER, judge_id=other.id)).token
    )
    await services.judging.remove_judge(actor_id=ORGANIZER, judge_id=judge.id)
    assert await services.judge_access.session(opened.cookie) is None
    with pytest.raises(JudgeLinkInvalid):  # withdrawn with the session
        await services.judge_access.login(unused.token)
    with pytest.raises(JudgeNotActive):
        await services.judge_access.issue_link(actor_id=ORGANIZER, judge_id=judge.id)
    assert await services.judge_access.session(kept.cookie) is not None
    async with services.db.read() as conn:
        ended = [r for r in await recent(conn, limit=10) if r.action == "judging.web_access_ended"]
    assert len(ended) == 1
    assert ended[0].target == f"judge:{judge.id}"


async def test_a_link_for_an_unknown_judge_is_refused_and_logout_ends_the_session(services):
    with pytest.raises(UnknownJudge):
        await services.judge_access.issue_link(actor_id=ORGANIZER, judge_id=999)
    judge = await external_judge(services)
    opened = await services.judge_access.login(
        (await services.judge_access.issue_link(actor_id=ORGANIZER, judge_id=judge.id)).token
    )
    assert await services.judge_access.logout(opened.cookie)
    assert await services.judge_access.session(opened.cookie) is None
    assert not await services.judge_access.logout(opened.cookie)
