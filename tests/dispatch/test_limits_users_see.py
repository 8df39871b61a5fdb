"""What users see stays inside Discord's limits, so Discord shows it instead of refusing it.

The fake Discord answers 400 / 50035 to a payload Discord would refuse, and the harness
fails a test that leaves such a refusal; these tests drive the cases that used to breach a
limit (a long file name, a long audience list, a team at its largest size) and the Vote
button's double-press boundary, which is exactly 2 seconds.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.config import CompetitionConfig, load_competition
from bot.services.contests.voting import DOUBLE_PRESS
from tests.conftest import EXAMPLE_COMPETITION
from tests.dispatch.conftest import ORGANIZER_ID, PARTICIPANT_ID, Harness
from tests.dispatch.test_contests import VOTERS, setup_contest, vote_button
from tests.dispatch.test_points import FileHost, custom_ids, files  # noqa: F401 (a fixture)
from tests.points_support import add_team, csv_bytes

LARGEST_TEAM = 50
LONG_COHORT_NAME = "Rookies of the Spring Cross-Border E-commerce Challenge, " * 2


@pytest.fixture
def competition() -> CompetitionConfig:
    """The example rules with teams as large as the configuration allows."""
    base = load_competition(EXAMPLE_COMPETITION)
    first = base.cohorts[0]
    long_name = first.name.model_copy(update={"en": LONG_COHORT_NAME})
    return base.model_copy(
        update={
            "teams": base.teams.model_copy(update={"max_size": LARGEST_TEAM}),
            "cohorts": (first.model_copy(update={"name": long_name}), *base.cohorts[1:]),
        }
    )


async def test_the_import_preview_of_a_long_underscored_file_name_keeps_its_title_within_256(
    harness: Harness,
    files: FileHost,  # noqa: F811
):
    await add_team(harness.services.db, "Alpha")
    name = ("week_12__final_results_v2_" * 10)[:196] + ".csv"
    attachment = files.attachment(
        harness.fake, name, csv_bytes("team,points,reason,key", "Alpha,10,quiz,q1")
    )
    result = await harness.fake.invoke(
        "points import",
        user_id=ORGANIZER_ID,
        options={"file": attachment["id"]},
        attachments=[attachment],
    )
    preview = result.followups[0]
    title = preview["embeds"][0]["title"]
    assert len(title) <= 256
    assert title.startswith("Import preview: week\\_12\\_\\_final\\_results")
    shown = title.removeprefix("Import preview: ").removesuffix("…").replace("\\", "")
    assert name.startswith(shown), "shortened before escaping: no escape cut in half"
    assert len(shown) > 100
    assert "1 rows ready for 1 teams" in result.text
    assert len(custom_ids(preview)) == 2, "Import and Cancel are there to press"


async def test_the_qa_audience_autocomplete_offers_only_choices_of_at_most_100_characters(
    harness: Harness,
):
    typed = "x" * 92 + ","
    choices = await harness.fake.autocomplete(
        "qa schedule", user_id=ORGANIZER_ID, focused="audience", value=typed
    )
    keys = harness.bot.competition.cohort_keys
    assert [c["value"] for c in choices] == [typed + k for k in keys if len(typed + k) <= 100]
    assert choices, "the keys that still fit are offered"
    assert all(len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in choices)
    assert any(len(typed + k) > 100 for k in keys), "the test reaches past the limit"


async def test_the_broadcast_audience_autocomplete_shortens_a_long_cohort_name_to_100(
    harness: Harness,
):
    assert len(LONG_COHORT_NAME) > 100
    key = harness.bot.competition.cohorts[0].key
    choices = await harness.fake.autocomplete(
        "broadcast now", user_id=ORGANIZER_ID, focused="audience", value=key
    )
    choice = next(c for c in choices if c["value"] == f"cohort:{key}")
    assert len(choice["name"]) <= 100
    assert choice["name"].startswith("Rookies of the Spring")
    assert choice["name"].endswith(f"… (cohort:{key})")


async def test_team_info_of_a_team_at_the_configured_maximum_shows_every_member(
    harness: Harness,
):
    team = [PARTICIPANT_ID] + [760000000000000000 + i for i in range(LARGEST_TEAM - 1)]
    await add_team(harness.services.db, "Full House", members_=team)
    info = await harness.fake.invoke("team info", user_id=PARTICIPANT_ID)
    fields: list[dict[str, Any]] = info.final_message["embeds"][0]["fields"]
    members = [f for f in fields if f["name"].startswith("Members (")]
    assert [f["name"] for f in members[1:]] == [f"{members[0]['name']} (continued)"] * (
        len(members) - 1
    )
    lines = [line for f in members for line in f["value"].split("\n")]
    shown = [line.split(" · ")[0] for line in lines if line.startswith("<@")]
    assert shown == [f"<@{user_id}>" for user_id in team]
    assert members[0]["name"] == f"Members ({LARGEST_TEAM}/{LARGEST_TEAM})"
    assert lines[-1] == "*Complete team*"
    assert all(len(f["value"]) <= 1024 for f in fields)


@pytest.mark.parametrize(
    ("after", "text", "votes"),
    [
        (DOUBLE_PRESS - dt.timedelta(milliseconds=1), "Vote counted — 1 of 3 votes used.", 1),
        (DOUBLE_PRESS, "Vote taken back — 0 of 3 votes used.", 0),
        (DOUBLE_PRESS + dt.timedelta(milliseconds=1), "Vote taken back — 0 of 3 votes used.", 0),
    ],
    ids=["1.999s-double-click", "2.000s-new-press", "2.001s-new-press"],
)
async def test_a_second_vote_press_before_2_s_is_a_double_click_and_from_2_s_a_new_press(
    harness: Harness, after: dt.timedelta, text: str, votes: int
):
    assert dt.timedelta(seconds=2) == DOUBLE_PRESS
    state = await setup_contest(harness)
    post, fake = state["post"], harness.fake
    custom_id = vote_button(post)["custom_id"]
    first = await fake.click(custom_id, user_id=VOTERS[0], message_id=int(post["id"]))
    assert first.text == "Vote counted — 1 of 3 votes used."
    harness.services.clock.advance(after)  # type: ignore[attr-defined]
    second = await fake.click(custom_id, user_id=VOTERS[0], message_id=int(post["id"]))
    assert second.text == text
    assert await harness.services.contests.count(int(custom_id.rsplit(":", 1)[1])) == votes
