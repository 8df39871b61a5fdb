"""Dashboard login links and sessions (bot/services/web_auth.py) on the real database."""

import datetime as dt

import pytest

from bot.services.web_auth import (
    InvalidLinkLifetime,
    LoginLinkExpired,
    LoginLinkInvalid,
    LoginLinkUsed,
    WebAuthService,
)
from storage.queries.audit import recent

ORGANIZER = 424242


async def test_a_link_opens_one_session_and_records_who_logged_in(services):
    link = await services.web_auth.issue_link(user_id=ORGANIZER)
    assert link.url.startswith("http://127.0.0.1:8080/admin/login?token=")
    opened = await services.web_auth.login(link.token)
    session = await services.web_auth.session(opened.cookie)
    assert session is not None
    assert session.user_id == ORGANIZER
    assert session.csrf_token == opened.session.csrf_token
    async with services.db.read() as conn:
        actions = [(r.action, r.actor_id) for r in await recent(conn, limit=5)]
    assert ("web.login", ORGANIZER) in actions
    assert ("web.link_issued", ORGANIZER) in actions


async def test_a_link_works_only_once(services):
    link = await services.web_auth.issue_link(user_id=ORGANIZER)
    await services.web_auth.login(link.token)
    with pytest.raises(LoginLinkUsed):
        await services.web_auth.login(link.token)


async def test_a_link_expires_after_ten_minutes(services, clock):
    link = await services.web_auth.issue_link(user_id=ORGANIZER)
    clock.advance(dt.timedelta(minutes=10))
    with pytest.raises(LoginLinkExpired):
        await services.web_auth.login(link.token)


async def test_a_link_still_works_just_before_ten_minutes(services, clock):
    link = await services.web_auth.issue_link(user_id=ORGANIZER)
    clock.advance(dt.timedelta(minutes=9, seconds=59))
    assert (await services.web_auth.login(link.token)).session.user_id == ORGANIZER


async def test_a_zero_lifetime_link_is_born_expired_and_longer_than_ten_minutes_is_refused(
    services,
):
    link = await services.web_auth.issue_link(user_id=ORGANIZER, ttl=dt.timedelta(0))
    with pytest.raises(LoginLinkExpired):
        await services.web_auth.login(link.token)
    with pytest.raises(InvalidLinkLifetime):
        await services.web_auth.issue_link(user_id=ORGANIZER, ttl=dt.timedelta(minutes=11))


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature changed
        lambda t: ("x" if t[0] != "x" else "y") + t[1:],  # random part changed
        lambda t: t.split(".")[0],  # signature removed
        lambda t: "",
    ],
)
async def test_a_tampered_link_is_refused_and_opens_no_session(services, tamper):
    link = await services.web_auth.issue_link(user_id=ORGANIZER)
    with pytest.raises(LoginLinkInvalid):
        await services.web_auth.login(tamper(link.token))
    # the untouched link still works: the refused attempt changed nothing
    assert (await services.web_auth.login(link.token)).session.user_id == ORGANIZER


class ExplodingDatabase:
    def read(self):
        raise AssertionError("the database was asked")

    def write(self):
        raise AssertionError("the database was asked")


async def test_a_bad_signature_is_refused_before_any_database_lookup(services, clock):
    link = await services.web_auth.issue_link(user_id=ORGANIZER)
    offline = WebAuthService(ExplodingDatabase(), clock, services.audit, secret="k" * 40)  # type: ignore[arg-type]
    with pytest.raises(LoginLinkInvalid):
        await offline.login(link.token)


async def test_links_signed_with_another_secret_are_refused(services, clock):
    services.web_auth.configure(secret="first-secret-" + "a" * 30, base_url="https://x.test")
    link = await services.web_auth.issue_link(user_id=ORGANIZER)
    other = WebAuthService(services.db, clock, services.audit)
    other.configure(secret="second-secret-" + "b" * 30, base_url="https://x.test")
    with pytest.raises(LoginLinkInvalid):
        await other.login(link.token)


async def test_without_a_configured_secret_one_is_generated_once_and_survives_restarts(
    services, clock
):
    link = await services.web_auth.issue_link(user_id=ORGANIZER)
    restarted = WebAuthService(services.db, clock, services.audit)  # a new process
    assert await restarted.signing_key() == await services.web_auth.signing_key()
    assert (await restarted.login(link.token)).session.user_id == ORGANIZER


async def test_a_session_ends_after_twelve_hours(services, clock):
    opened = await services.web_auth.login(
        (await services.web_auth.issue_link(user_id=ORGANIZER)).token
    )
    clock.advance(dt.timedelta(hours=11, minutes=59))
    assert await services.web_auth.session(opened.cookie) is not None
    clock.advance(dt.timedelta(minutes=1))
    assert await services.web_auth.session(opened.cookie) is None


async def test_logout_ends_only_that_session_and_revoke_all_ends_every_one(services):
    first = await services.web_auth.login(
        (await services.web_auth.issue_link(user_id=ORGANIZER)).token
    )
    second = await services.web_auth.login(
        (await services.web_auth.issue_link(user_id=ORGANIZER)).token
    )
    third = await services.web_auth.login(
        (await services.web_auth.issue_link(user_id=ORGANIZER)).token
    )
    assert await services.web_auth.logout(first.cookie) is True
    assert await services.web_auth.logout(first.cookie) is False
    assert await services.web_auth.session(first.cookie) is None
    assert await services.web_auth.session(second.cookie) is not None
    assert await services.web_auth.revoke_all(ORGANIZER) == 2
    assert await services.web_auth.session(second.cookie) is None
    assert await services.web_auth.session(third.cookie) is None


async def test_unknown_or_missing_cookies_have_no_session(services):
    assert await services.web_auth.session(None) is None
    assert await services.web_auth.session("not-a-session") is None


async def test_csrf_token_must_match_the_sessions_own(services):
    opened = await services.web_auth.login(
        (await services.web_auth.issue_link(user_id=ORGANIZER)).token
    )
    other = await services.web_auth.login(
        (await services.web_auth.issue_link(user_id=ORGANIZER + 1)).token
    )
    assert services.web_auth.csrf_ok(opened.session, opened.session.csrf_token)
    assert not services.web_auth.csrf_ok(opened.session, other.session.csrf_token)
    assert not services.web_auth.csrf_ok(opened.session, None)
    assert not services.web_auth.csrf_ok(opened.session, "")


async def test_purge_removes_links_and_sessions_ended_over_a_day_ago(services, clock):
    await services.web_auth.issue_link(user_id=ORGANIZER)
    opened = await services.web_auth.login(
        (await services.web_auth.issue_link(user_id=ORGANIZER)).token
    )
    assert await services.web_auth.purge() == 0
    clock.advance(dt.timedelta(days=2))
    assert await services.web_auth.purge() == 3
    assert await services.web_auth.session(opened.cookie) is None


async def test_access_holders_are_users_with_a_live_session_or_an_unused_link(services, clock):
    await services.web_auth.login((await services.web_auth.issue_link(user_id=ORGANIZER)).token)
    await services.web_auth.issue_link(user_id=ORGANIZER + 1)
    await services.web_auth.issue_link(user_id=ORGANIZER + 2, ttl=dt.timedelta(0))
    assert await services.web_auth.access_holders() == [ORGANIZER, ORGANIZER + 1]
    clock.advance(dt.timedelta(minutes=11))
    assert await services.web_auth.access_holders() == [ORGANIZER]


async def test_end_access_revokes_sessions_and_withdraws_unused_links_once_audited(services):
    first = await services.web_auth.login(
        (await services.web_auth.issue_link(user_id=ORGANIZER)).token
    )
    second = await services.web_auth.login(
        (await services.web_auth.issue_link(user_id=ORGANIZER)).token
    )
    unused = await services.web_auth.issue_link(user_id=ORGANIZER)
    other = await services.web_auth.login(
        (await services.web_auth.issue_link(user_id=ORGANIZER + 1)).token
    )

    ended = await services.web_auth.end_access(ORGANIZER, reason="not_organizer")

    assert (ended.sessions, ended.links) == (2, 1)
    assert await services.web_auth.session(first.cookie) is None
    assert await services.web_auth.session(second.cookie) is None
    assert await services.web_auth.session(other.cookie) is not None
    with pytest.raises(LoginLinkInvalid):
        await services.web_auth.login(unused.token)
    (record,) = await services.audit.recent(action="web.access_ended")
    assert record.actor_id is None
    assert record.target == f"user:{ORGANIZER}"
    assert record.details == {"reason": "not_organizer", "sessions": 2, "links": 1}

    again = await services.web_auth.end_access(ORGANIZER, reason="left")
    assert (again.sessions, again.links) == (0, 0)
    assert len(await services.audit.recent(action="web.access_ended")) == 1
