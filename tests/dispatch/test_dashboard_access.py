"""A dashboard session ends at its next request once its owner is no longer an organizer.

The real bot hears the change from the fake Discord's gateway (GUILD_MEMBER_UPDATE,
GUILD_MEMBER_REMOVE, GUILD_ROLE_DELETE, a new READY after the bot was away); the real
aiohttp dashboard then finds no session and sends the browser to the sign-in page.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.i18n import Catalogs
from bot.web import HealthSources, WebSite, build_web_app
from tests.conftest import GUILD_ID
from tests.dispatch.conftest import ORGANIZER_ID, Harness
from tests.fakes.discord import wait_for

HOLDER_ID = 100000000000000040


@pytest.fixture
async def web(harness: Harness) -> AsyncIterator[TestClient]:
    site = WebSite(harness.services, Catalogs())
    app = build_web_app(
        HealthSources(db=harness.services.db, scheduler=None, gateway=None), site=site
    )
    async with TestClient(TestServer(app)) as client:
        yield client


async def link_from_discord(harness: Harness, user_id: int) -> str:
    """`/admin dashboard` in Discord: the token of the private link it replies with."""
    result = await harness.fake.invoke("admin dashboard", user_id=user_id)
    match = re.search(r"login\?token=([^>\s]+)>", result.text)
    assert match is not None, result.text
    guild = harness.bot.get_guild(GUILD_ID)
    assert guild is not None
    # the bot keeps the link's owner in its member cache, so their updates reach it
    await wait_for(lambda: guild.get_member(user_id) is not None)
    return match.group(1)


async def sign_in(harness: Harness, web: TestClient, user_id: int) -> None:
    token = await link_from_discord(harness, user_id)
    opened = await web.get("/admin/login", params={"token": token}, allow_redirects=False)
    assert opened.status == 303
    assert (await web.get("/admin", allow_redirects=False)).status == 200


async def access_ended(harness: Harness, user_id: int) -> None:
    """Wait until the bot has handled the gateway event (it audits what it ended)."""
    for _ in range(1000):
        records = await harness.services.audit.recent(limit=20, action="web.access_ended")
        if any(r.target == f"user:{user_id}" for r in records):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the bot never ended the dashboard access")


async def assert_signed_out(web: TestClient) -> None:
    response = await web.get("/admin", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/admin/signin"


async def test_losing_manage_server_ends_the_dashboard_session_at_the_next_request(
    harness: Harness, web: TestClient
):
    await sign_in(harness, web, ORGANIZER_ID)

    harness.fake.set_member_roles(ORGANIZER_ID, [])  # GUILD_MEMBER_UPDATE over the gateway
    await access_ended(harness, ORGANIZER_ID)

    await assert_signed_out(web)
    record = (await harness.services.audit.recent(limit=1, action="web.access_ended"))[0]
    assert record.actor_id is None
    assert record.details == {"reason": "not_organizer", "sessions": 1, "links": 0}


async def test_losing_the_recorded_organizer_role_ends_the_session(
    harness: Harness, web: TestClient
):
    await harness.fake.invoke("admin setup", user_id=ORGANIZER_ID)
    recorded = (await harness.services.setup.resource_ids())["role:organizer"]
    harness.fake.add_member(HOLDER_ID, "Hana Holder", roles=[recorded])
    await sign_in(harness, web, HOLDER_ID)

    harness.fake.set_member_roles(HOLDER_ID, [])
    await access_ended(harness, HOLDER_ID)

    await assert_signed_out(web)


async def test_deleting_the_recorded_organizer_role_ends_its_holders_sessions(
    harness: Harness, web: TestClient
):
    await harness.fake.invoke("admin setup", user_id=ORGANIZER_ID)
    recorded = (await harness.services.setup.resource_ids())["role:organizer"]
    harness.fake.add_member(HOLDER_ID, "Hana Holder", roles=[recorded])
    await sign_in(harness, web, HOLDER_ID)

    harness.fake.roles.pop(recorded)
    harness.fake.members[HOLDER_ID]["roles"] = []
    harness.fake.dispatch(
        "GUILD_ROLE_DELETE", {"guild_id": str(GUILD_ID), "role_id": str(recorded)}
    )
    await access_ended(harness, HOLDER_ID)

    await assert_signed_out(web)


async def test_leaving_the_server_ends_the_session(harness: Harness, web: TestClient):
    await sign_in(harness, web, ORGANIZER_ID)

    harness.fake.remove_member(ORGANIZER_ID)  # GUILD_MEMBER_REMOVE
    await access_ended(harness, ORGANIZER_ID)

    await assert_signed_out(web)


async def test_an_unused_login_link_stops_working_when_its_owner_stops_being_an_organizer(
    harness: Harness, web: TestClient
):
    token = await link_from_discord(harness, ORGANIZER_ID)

    harness.fake.set_member_roles(ORGANIZER_ID, [])
    await access_ended(harness, ORGANIZER_ID)

    refused = await web.get("/admin/login", params={"token": token}, allow_redirects=False)
    assert refused.status == 403
    assert "podium_session" not in refused.cookies


async def test_a_role_change_while_the_bot_was_away_ends_the_session_when_it_is_back(
    harness: Harness, web: TestClient
):
    await sign_in(harness, web, ORGANIZER_ID)
    identified = harness.fake.identify_count

    await harness.fake.drop_connections(resumable=False)
    harness.fake.set_member_roles(ORGANIZER_ID, [], notify=False)  # nobody told the bot
    await wait_for(lambda: harness.fake.identify_count == identified + 1, timeout=20)
    await access_ended(harness, ORGANIZER_ID)

    await assert_signed_out(web)


async def test_an_organizer_who_stays_an_organizer_keeps_the_session(
    harness: Harness, web: TestClient
):
    await sign_in(harness, web, ORGANIZER_ID)
    manager = harness.fake.role_named("Server Manager")
    assert manager is not None
    extra = harness.fake.add_role("Helpers")
    harness.fake.dispatch("GUILD_ROLE_CREATE", {"guild_id": str(GUILD_ID), "role": extra})

    harness.fake.set_member_roles(ORGANIZER_ID, [int(manager["id"]), int(extra["id"])])
    guild = harness.bot.get_guild(GUILD_ID)
    assert guild is not None
    await wait_for(
        lambda: {r.id for r in guild.get_member(ORGANIZER_ID).roles} >= {int(extra["id"])}  # type: ignore[union-attr]
    )

    assert (await web.get("/admin", allow_redirects=False)).status == 200
    assert not await harness.services.audit.recent(limit=5, action="web.access_ended")
