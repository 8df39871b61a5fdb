import pytest

from tests.dispatch.conftest import ORGANIZER_ID, PARTICIPANT_ID, Harness


async def test_setup_creates_every_configured_role_and_channel_and_reports_them(harness: Harness):
    competition = harness.services.competition
    result = await harness.fake.invoke("admin setup", user_id=ORGANIZER_ID)
    assert result.ephemeral
    assert "Created" in result.text
    role_names = {role["name"] for role in harness.fake.roles.values()}
    assert {competition.roles.organizer, competition.roles.alumni} <= role_names
    assert {cohort.role for cohort in competition.cohorts} <= role_names
    channel_names = {channel["name"] for channel in harness.fake.channels.values()}
    assert {competition.channels.leaderboard, competition.channels.organizers} <= channel_names
    guild = harness.bot.get_guild(harness.bot.guild_id)
    assert guild is not None
    assert guild.get_channel((await harness.services.setup.resource_ids())["channel:leaderboard"])


async def test_setup_makes_cohort_and_organizer_channels_private(harness: Harness):
    await harness.fake.invoke("admin setup", user_id=ORGANIZER_ID)
    ids = await harness.services.setup.resource_ids()
    organizers = harness.fake.channels[ids["channel:organizers"]]
    everyone = next(
        o for o in organizers["permission_overwrites"] if int(o["id"]) == harness.bot.guild_id
    )
    assert int(everyone["deny"]) & (1 << 10)  # VIEW_CHANNEL denied to @everyone
    allowed = {
        int(o["id"]) for o in organizers["permission_overwrites"] if int(o["allow"]) & (1 << 10)
    }
    assert ids["role:organizer"] in allowed


async def test_running_setup_twice_creates_nothing_the_second_time(harness: Harness):
    await harness.fake.invoke("admin setup", user_id=ORGANIZER_ID)
    roles, channels = len(harness.fake.roles), len(harness.fake.channels)
    second = await harness.fake.invoke("admin setup", user_id=ORGANIZER_ID)
    assert "Nothing was created" in second.text
    assert (len(harness.fake.roles), len(harness.fake.channels)) == (roles, channels)


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("en-US", "Only organizers can do that"), ("zh-CN", "只有组织者")],
)
async def test_setup_is_refused_for_a_participant_in_their_language_and_changes_nothing(
    harness: Harness, locale: str, expected: str
):
    roles, channels = len(harness.fake.roles), len(harness.fake.channels)
    result = await harness.fake.invoke("admin setup", user_id=PARTICIPANT_ID, locale=locale)
    assert result.ephemeral
    assert expected in result.text
    assert (len(harness.fake.roles), len(harness.fake.channels)) == (roles, channels)
    assert await harness.services.setup.resource_ids() == {}


async def test_unexpected_failure_after_defer_becomes_a_followup_with_an_error_id(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
):
    async def broken(*_args, **_kwargs):
        raise RuntimeError("database exploded")

    monkeypatch.setattr(type(harness.services.setup), "plan", broken)
    result = await harness.fake.invoke("admin setup", user_id=ORGANIZER_ID)
    followup = await result.wait_for_followup()
    assert followup["flags"] & 64
    assert "quote error" in followup["content"]
    assert "Traceback" not in followup["content"]
    assert "exploded" not in followup["content"]


async def test_setup_without_manage_roles_reports_what_failed_and_keeps_what_it_made(
    harness: Harness,
):
    competition = harness.services.competition
    roles = sum(1 for r in harness.services.setup.desired() if r.kind == "role")
    harness.fake.fail("POST", f"/guilds/{harness.bot.guild_id}/roles", times=roles)
    result = await harness.fake.invoke("admin setup", user_id=ORGANIZER_ID)
    assert "Could not create" in result.text
    assert competition.roles.organizer in result.text
    assert "Manage Roles" in result.text
    ids = await harness.services.setup.resource_ids()
    assert "role:organizer" not in ids
    assert "channel:leaderboard" in ids, "channels were still created"
    fixed = await harness.fake.invoke("admin setup", user_id=ORGANIZER_ID)
    assert competition.roles.organizer in fixed.text
    assert "Could not create" not in fixed.text
    assert "role:organizer" in await harness.services.setup.resource_ids()
