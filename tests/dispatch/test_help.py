from tests.dispatch.conftest import ORGANIZER_ID, PARTICIPANT_ID, Harness


async def test_help_lists_participant_commands_privately_and_hides_organizer_ones(harness: Harness):
    result = await harness.fake.invoke("help", user_id=PARTICIPANT_ID)
    assert result.ephemeral
    help_id = next(c["id"] for c in harness.fake.commands if c["name"] == "help")
    assert f"</help:{help_id}>" in result.text
    assert "</admin setup:" not in result.text
    assert "Organizer commands" not in result.text


async def test_help_shows_organizer_commands_to_an_organizer_as_clickable_mentions(
    harness: Harness,
):
    result = await harness.fake.invoke("help", user_id=ORGANIZER_ID)
    admin_id = next(c["id"] for c in harness.fake.commands if c["name"] == "admin")
    assert f"</admin setup:{admin_id}>" in result.text
    assert "Organizer commands" in result.text


async def test_help_answers_in_chinese_for_a_chinese_discord_client(harness: Harness):
    result = await harness.fake.invoke("help", user_id=PARTICIPANT_ID, locale="zh-CN")
    assert "Podium 命令" in result.text
    assert "Podium commands" not in result.text


async def test_replies_never_allow_mentions(harness: Harness):
    result = await harness.fake.invoke("help", user_id=PARTICIPANT_ID)
    assert result.response is not None
    assert result.response["data"]["allowed_mentions"] == {"parse": []}


async def test_commands_are_synced_to_the_guild_with_chinese_names_and_descriptions(
    harness: Harness,
):
    help_command = next(c for c in harness.fake.commands if c["name"] == "help")
    assert help_command["name_localizations"]["zh-CN"] == "帮助"
    assert help_command["description_localizations"]["zh-CN"]
    admin = next(c for c in harness.fake.commands if c["name"] == "admin")
    setup = next(o for o in admin["options"] if o["name"] == "setup")
    assert setup["name_localizations"]["zh-CN"] == "初始化"


async def test_every_interaction_records_the_member_and_their_locale(harness: Harness):
    await harness.fake.invoke("help", user_id=PARTICIPANT_ID, locale="zh-CN")
    member = await harness.services.members.get(PARTICIPANT_ID)
    assert member is not None
    assert member.locale == "zh_CN"
    assert member.display_name == "Pat Participant"
