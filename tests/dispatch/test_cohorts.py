"""`/cohort` through the real command tree and the fake Discord."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web

from cogs.cohorts.promotions import announce_promotions
from cogs.cohorts.roles import repair_drift
from tests.dispatch.conftest import ORGANIZER_ID, PARTICIPANT_ID, Harness
from tests.dispatch.test_points import fire_due_posts, settled
from tests.fakes.discord import FakeDiscord, wait_for

MEMBER_ID = 100000000000000030


@pytest.fixture
async def ready(harness: Harness) -> Harness:
    harness.fake.add_member(MEMBER_ID, "Mia Member")
    await harness.fake.invoke("admin setup", user_id=ORGANIZER_ID)
    return harness


def role_id(fake: FakeDiscord, name: str) -> int:
    role = fake.role_named(name)
    assert role is not None
    return int(role["id"])


def roles_of(fake: FakeDiscord, user_id: int) -> set[int]:
    return {int(r) for r in fake.members[user_id]["roles"]}


@pytest.fixture
async def file_server() -> AsyncIterator[dict[str, bytes]]:
    """Serves uploaded attachments, as Discord's CDN would."""
    files: dict[str, bytes] = {}

    async def serve(request: web.Request) -> web.Response:
        return web.Response(body=files[request.match_info["name"]], content_type="text/csv")

    app = web.Application()
    app.router.add_get("/{name}", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    files["__base__"] = f"http://127.0.0.1:{port}".encode()
    yield files
    await runner.cleanup()


def attachment(files: dict[str, bytes], name: str, data: bytes) -> dict[str, Any]:
    files[name] = data
    url = f"{files['__base__'].decode()}/{name}"
    return {
        "id": "555000000000000001",
        "filename": name,
        "size": len(data),
        "url": url,
        "proxy_url": url,
        "content_type": "text/csv",
    }


def store_followup(fake: FakeDiscord, followup: dict[str, Any]) -> int:
    """Keep an ephemeral followup as a message, so its buttons can be pressed."""
    message = fake._message_payload(int(fake.default_channel["id"]), followup, author=fake.bot_user)
    message["id"] = followup["id"]
    fake.messages[int(followup["id"])] = message
    return int(followup["id"])


async def test_assign_swaps_the_cohort_role_in_one_edit(ready: Harness):
    fake = ready.fake
    first = await fake.invoke(
        "cohort assign",
        user_id=ORGANIZER_ID,
        options={"member": str(PARTICIPANT_ID), "cohort": "rookie"},
    )
    assert first.ephemeral
    assert "is now in **Rookie**" in first.text
    assert role_id(fake, "Rookie") in roles_of(fake, PARTICIPANT_ID)
    edits = len(fake.calls("PATCH", f"/guilds/{ready.bot.guild_id}/members/{PARTICIPANT_ID}"))
    second = await fake.invoke(
        "cohort assign",
        user_id=ORGANIZER_ID,
        options={"member": str(PARTICIPANT_ID), "cohort": "advanced"},
    )
    assert "(was Rookie)" in second.text
    held = roles_of(fake, PARTICIPANT_ID)
    assert role_id(fake, "Advanced") in held
    assert role_id(fake, "Rookie") not in held
    after = len(fake.calls("PATCH", f"/guilds/{ready.bot.guild_id}/members/{PARTICIPANT_ID}"))
    assert after == edits + 1, "one role edit per assignment"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("en-US", "There is no cohort legend"), ("zh-CN", "没有名为 legend 的营")],
)
async def test_an_unknown_cohort_is_refused_in_the_organizers_language(
    ready: Harness, locale: str, expected: str
):
    reply = await ready.fake.invoke(
        "cohort assign",
        user_id=ORGANIZER_ID,
        options={"member": str(PARTICIPANT_ID), "cohort": "legend"},
        locale=locale,
    )
    assert reply.ephemeral
    assert expected in reply.text
    assert await ready.services.cohorts.cohort_of(PARTICIPANT_ID) is None


@pytest.mark.parametrize(
    ("locale", "expected"), [("en-US", "Only organizers can do that"), ("zh-CN", "只有组织者")]
)
async def test_participants_cannot_assign_import_or_run_promotions(
    ready: Harness, locale: str, expected: str
):
    for command, options in [
        ("cohort assign", {"member": str(MEMBER_ID), "cohort": "elite"}),
        ("cohort promote-run", {}),
    ]:
        reply = await ready.fake.invoke(
            command, user_id=PARTICIPANT_ID, options=options, locale=locale
        )
        assert reply.ephemeral
        assert expected in reply.text
    assert await ready.services.cohorts.cohort_of(MEMBER_ID) is None


async def test_show_tells_the_cohort_team_points_and_the_next_step(ready: Harness):
    fake = ready.fake
    none = await fake.invoke("cohort show", user_id=MEMBER_ID)
    assert none.ephemeral
    assert "not in a cohort yet" in none.text
    await fake.invoke(
        "team create", user_id=MEMBER_ID, options={"name": "Climbers", "track": "student"}
    )
    team = await ready.services.teams.team_of(MEMBER_ID)
    assert team is not None
    await ready.services.points.award(
        actor_id=ORGANIZER_ID, team=str(team.id), amount=120, reason="kick-off"
    )
    shown = await fake.invoke("cohort show", user_id=MEMBER_ID)
    assert "Your cohort: **Rookie**" in shown.text
    assert "120 season points" in shown.text
    assert "**Advanced** at 500 points — 380 to go" in shown.text


async def test_promote_run_promotes_swaps_roles_and_welcomes_in_the_new_channel(
    ready: Harness,
):
    fake = ready.fake
    await fake.invoke(
        "team create", user_id=MEMBER_ID, options={"name": "Climbers", "track": "student"}
    )
    team = await ready.services.teams.team_of(MEMBER_ID)
    assert team is not None
    await ready.services.points.award(
        actor_id=ORGANIZER_ID, team=str(team.id), amount=600, reason="great week"
    )
    reply = await fake.invoke("cohort promote-run", user_id=ORGANIZER_ID)
    assert "1 member(s) promoted" in reply.text
    assert role_id(fake, "Advanced") in roles_of(fake, MEMBER_ID)
    assert role_id(fake, "Rookie") not in roles_of(fake, MEMBER_ID)
    channel = fake.channel_named("advanced-camp")
    assert channel is not None
    (welcome,) = fake.messages_in(int(channel["id"]))
    assert f"<@{MEMBER_ID}>" in welcome["content"]
    assert welcome["allowed_mentions"]["parse"] == []
    dms = [m for m in fake.messages.values() if int(m["channel_id"]) in fake.dm_channels]
    assert any("Advanced" in m["content"] for m in dms)
    again = await fake.invoke("cohort promote-run", user_id=ORGANIZER_ID)
    assert "0 member(s) promoted" in again.text


async def test_a_promotion_reaches_an_uncached_member_once_however_often_it_is_announced(
    ready: Harness,
):
    """A worker process has no member cache: the role swap, the DM and the welcome still
    reach the member (REST lookups), and announcing the same promotion again (a retry after
    a crash) posts nothing twice."""
    fake = ready.fake
    bot = ready.bot
    await fake.invoke(
        "team create",
        user_id=MEMBER_ID,
        options={"name": "Far Climbers", "track": "student"},
        locale="zh-CN",
    )
    team = await ready.services.teams.team_of(MEMBER_ID)
    assert team is not None
    await ready.services.points.award(
        actor_id=ORGANIZER_ID, team=str(team.id), amount=5000, reason="record week"
    )
    (promotion,) = await ready.services.cohorts.promote_all()
    assert promotion.new_cohort == "elite"
    guild = bot.get_guild(bot.guild_id)
    assert guild is not None
    cached = guild.get_member(MEMBER_ID)
    assert cached is not None
    guild._remove_member(cached)
    bot._connection._users.pop(MEMBER_ID, None)
    assert guild.get_member(MEMBER_ID) is None
    assert bot.get_user(MEMBER_ID) is None
    assert await announce_promotions(bot, [promotion]) == 0
    assert roles_of(fake, MEMBER_ID) == {role_id(fake, "Elite")}
    channel = fake.channel_named("elite-camp")
    assert channel is not None
    (welcome,) = fake.messages_in(int(channel["id"]))
    assert f"<@{MEMBER_ID}>" in welcome["content"]
    assert welcome["allowed_mentions"]["parse"] == []
    (dm,) = [m for m in fake.messages.values() if int(m["channel_id"]) in fake.dm_channels]
    assert "精英营" in dm["content"], "in the member's language"
    assert dm["content"] != welcome["content"]
    assert await announce_promotions(bot, [promotion]) == 0
    assert len(fake.messages_in(int(channel["id"]))) == 1
    dms = [m for m in fake.messages.values() if int(m["channel_id"]) in fake.dm_channels]
    assert len(dms) == 1


async def test_import_previews_rows_and_errors_then_the_button_applies_it(
    ready: Harness, file_server: dict[str, bytes]
):
    fake = ready.fake
    data = (
        f"user_id,cohort\n{PARTICIPANT_ID},elite\n{MEMBER_ID},Advanced\n"
        f"999999999999999999,rookie\n{MEMBER_ID},rookie\n"
    ).encode()
    upload = attachment(file_server, "cohorts.csv", data)
    preview = await fake.invoke(
        "cohort import",
        user_id=ORGANIZER_ID,
        options={"file": upload["id"]},
        attachments=[upload],
    )
    followup = await preview.wait_for_followup()
    assert followup["flags"] & 64
    assert "1 member(s) will change cohort" in preview.text
    assert "999999999999999999 is not a member of this server" in preview.text
    assert "appears more than once" in preview.text
    assert await ready.services.cohorts.cohort_of(PARTICIPANT_ID) is None, "dry run first"
    (row,) = followup["components"]
    button = row["components"][0]
    message_id = store_followup(fake, followup)
    refused = await fake.click(button["custom_id"], user_id=PARTICIPANT_ID, message_id=message_id)
    assert "Only organizers can do that" in refused.text
    applied = await fake.click(button["custom_id"], user_id=ORGANIZER_ID, message_id=message_id)
    assert "1 member(s) changed cohort" in applied.text
    assert await ready.services.cohorts.cohort_of(PARTICIPANT_ID) == "elite"
    assert role_id(fake, "Elite") in roles_of(fake, PARTICIPANT_ID)
    twice = await fake.click(button["custom_id"], user_id=ORGANIZER_ID, message_id=message_id)
    assert "applied already" in twice.text


async def test_cohort_roles_changed_by_hand_are_set_back_and_logged(ready: Harness):
    fake = ready.fake
    await fake.invoke(
        "cohort assign",
        user_id=ORGANIZER_ID,
        options={"member": str(PARTICIPANT_ID), "cohort": "advanced"},
    )
    guild = ready.bot.get_guild(ready.bot.guild_id)
    assert guild is not None
    await wait_for(lambda: guild.get_member(MEMBER_ID) is not None)
    # Another admin edits roles in Discord while the bot runs.
    fake.set_member_roles(PARTICIPANT_ID, [role_id(fake, "Rookie")])
    fake.set_member_roles(MEMBER_ID, [role_id(fake, "Elite")])
    await wait_for(
        lambda: (
            roles_of(fake, PARTICIPANT_ID) == {role_id(fake, "Advanced")}
            and roles_of(fake, MEMBER_ID) == set()
        )
    )
    expected = {f"user:{PARTICIPANT_ID}", f"user:{MEMBER_ID}"}
    for _ in range(500):  # the audit record follows the role edit
        records = await ready.services.audit.recent(action="cohort.role_repair")
        if {r.target for r in records} == expected:
            break
        await asyncio.sleep(0.01)
    assert {r.target for r in records} == expected


async def test_the_start_up_repair_fixes_every_member_that_disagrees(ready: Harness):
    fake = ready.fake
    await ready.services.cohorts.assign(
        actor_id=ORGANIZER_ID, user_id=MEMBER_ID, display_name="Mia", cohort="elite"
    )
    assert await repair_drift(ready.bot) == 1
    assert roles_of(fake, MEMBER_ID) == {role_id(fake, "Elite")}
    assert await repair_drift(ready.bot) == 0, "nothing left to fix"


async def test_a_member_who_comes_back_gets_their_cohort_role_again(ready: Harness):
    fake = ready.fake
    await fake.invoke(
        "cohort assign", user_id=ORGANIZER_ID, options={"member": str(MEMBER_ID), "cohort": "elite"}
    )
    fake.remove_member(MEMBER_ID)
    await wait_for(lambda: ready.bot.get_guild(ready.bot.guild_id).get_member(MEMBER_ID) is None)  # type: ignore[union-attr]
    fake.add_member(MEMBER_ID, "Mia Member")
    await wait_for(
        lambda: MEMBER_ID in fake.members and roles_of(fake, MEMBER_ID) == {role_id(fake, "Elite")}
    )


async def test_promotions_run_after_the_weekly_boards_are_posted(ready: Harness, clock):
    fake = ready.fake
    await settled(ready)
    await fake.invoke(
        "team create", user_id=MEMBER_ID, options={"name": "Weekly Climbers", "track": "student"}
    )
    team = await ready.services.teams.team_of(MEMBER_ID)
    assert team is not None
    await ready.services.points.award(
        actor_id=ORGANIZER_ID, team=str(team.id), amount=600, reason="great week"
    )
    assert role_id(fake, "Advanced") not in roles_of(fake, MEMBER_ID)
    clock.set(dt.datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert await fire_due_posts(ready) == ["done"]
    await wait_for(lambda: role_id(fake, "Advanced") in roles_of(fake, MEMBER_ID))
    assert role_id(fake, "Rookie") not in roles_of(fake, MEMBER_ID)
    status = await ready.services.cohorts.status(MEMBER_ID)
    assert status.cohort == "advanced"


async def test_a_large_member_list_is_read_whole_through_member_chunks(
    ready: Harness,
):
    fake = ready.fake
    for offset in range(2500):  # members the bot was never told about (no events)
        user_id = 900_000_000_000_000_000 + offset
        fake.members[user_id] = fake._member_payload(
            fake._user_payload(user_id, f"member{offset}"), [], None
        )
    guild = ready.bot.get_guild(ready.bot.guild_id)
    assert guild is not None
    sent_before = len(fake.members)
    members = await guild.chunk()
    assert len(members) == sent_before
    assert len(guild.members) == sent_before
