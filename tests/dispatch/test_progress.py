"""/progress, /progress-admin and the stuck alert's Schedule a clinic button and form,
through discord.py's command tree (real payloads, fake Discord), in en-US and zh-CN."""

from __future__ import annotations

import datetime as dt

from bot.clock import FrozenClock
from tests.dispatch.conftest import ORGANIZER_ID, PARTICIPANT_ID, Harness
from tests.points_support import add_team

FORMED = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
MATE_ID = 100000000000000031


async def test_progress_shows_the_stage_and_next_step_and_reports_with_a_file(
    harness: Harness,
):
    fake = harness.fake
    alone = await fake.invoke("progress", user_id=PARTICIPANT_ID)
    assert alone.ephemeral
    assert "You are not in a team this season" in alone.text
    await add_team(harness.services.db, "Rockets", members_=[PARTICIPANT_ID], at=FORMED)

    shown = await fake.invoke("progress", user_id=PARTICIPANT_ID)
    assert shown.ephemeral
    assert "**Rockets** is at **Team formed** (stage 1 of 5)" in shown.text
    assert "Next: **Product selected**." in shown.text
    assert "a link or a file" in shown.text
    zh = await fake.invoke("progress", user_id=PARTICIPANT_ID, locale="zh-CN")
    assert "处于 **组队完成**（第 1 / 5 阶段）" in zh.text

    refused = await fake.invoke(
        "progress", user_id=PARTICIPANT_ID, options={"stage": "product_selected"}, locale="zh-CN"
    )
    assert refused.ephemeral
    assert refused.text == "报告 **Product selected** 需要证明：请添加链接或附上文件。"
    bad = await fake.invoke(
        "progress",
        user_id=PARTICIPANT_ID,
        options={"stage": "product_selected", "link": "not a link"},
    )
    assert bad.ephemeral
    assert "must start with https://" in bad.text

    upload = {
        "id": "555000000000000009",
        "filename": "store.png",
        "size": 10,
        "url": "https://cdn.discordapp.com/attachments/1/2/store.png",
        "proxy_url": "https://media.discordapp.net/attachments/1/2/store.png",
        "content_type": "image/png",
    }
    done = await fake.invoke(
        "progress",
        user_id=PARTICIPANT_ID,
        options={"stage": "store_live", "file": upload["id"]},
        attachments=[upload],
    )
    assert done.ephemeral
    assert "Recorded: **Rockets** is now at **Store live**." in done.text
    assert "It follows by itself once your imported store results show it." in done.text
    auto = await fake.invoke("progress", user_id=PARTICIPANT_ID, options={"stage": "first_order"})
    assert auto.ephemeral
    assert "is reached from your imported store results" in auto.text


async def test_organizers_set_and_undo_a_stage_and_members_may_not(harness: Harness):
    fake = harness.fake
    await add_team(harness.services.db, "Rockets", members_=[PARTICIPANT_ID], at=FORMED)
    denied = await fake.invoke(
        "progress-admin set",
        user_id=PARTICIPANT_ID,
        options={"team": "Rockets", "stage": "ten_orders"},
    )
    assert denied.ephemeral
    assert "Only organizers can do that" in denied.text
    moved = await fake.invoke(
        "progress-admin set",
        user_id=ORGANIZER_ID,
        options={"team": "rockets", "stage": "ten_orders"},
    )
    assert moved.text == "Rockets moved from **Team formed** to **10 orders** (audited)."
    back = await fake.invoke(
        "progress-admin undo", user_id=ORGANIZER_ID, options={"team": "Rockets"}, locale="zh-CN"
    )
    assert back.text == "Rockets 已恢复为 **组队完成**（原为 **10 单**；已记入审计）。"
    unknown = await fake.invoke(
        "progress-admin undo", user_id=ORGANIZER_ID, options={"team": "Nobody"}
    )
    assert unknown.ephemeral
    assert "No active team matches Nobody" in unknown.text


async def test_the_stuck_alert_button_opens_the_form_that_schedules_a_clinic_for_the_stuck_teams(
    harness: Harness, clock: FrozenClock
):
    fake = harness.fake
    fake.add_member(MATE_ID, "Mia Mate")
    await fake.invoke("admin setup", user_id=ORGANIZER_ID)
    ids = await harness.services.setup.resource_ids()
    stuck = await add_team(
        harness.services.db, "Stuck @everyone", members_=[PARTICIPANT_ID, MATE_ID], at=FORMED
    )
    await add_team(harness.services.db, "Moving", members_=[100000000000000040], at=FORMED)
    await harness.services.progress.set_stage(
        actor_id=ORGANIZER_ID,
        team_id=await harness.services.progress.find_team("Moving"),
        stage="store_live",
    )
    run = await harness.services.progress.ensure_job()
    clock.set(run.when)
    await harness.services.scheduler.run_due()
    (post,) = fake.messages_in(ids["channel:organizers"])
    assert post["content"].startswith(
        "🚧 Stuck alert: 1 of 2 active teams (50%) have sat at **Team formed** for 7 days"
    )
    assert post["content"].endswith("Stuck @\u200beveryone.")
    assert post["allowed_mentions"]["parse"] == []
    button = post["components"][0]["components"][0]
    assert button["label"] == "Schedule a clinic"

    denied = await fake.click(
        button["custom_id"], user_id=PARTICIPANT_ID, message_id=int(post["id"])
    )
    assert denied.ephemeral
    assert "Only organizers can do that" in denied.text

    opened = await fake.click(
        button["custom_id"], user_id=ORGANIZER_ID, message_id=int(post["id"]), locale="zh-CN"
    )
    assert opened.response_type == 9
    assert opened.response is not None
    assert opened.response["data"]["title"] == "为停滞队伍安排诊断会"
    wrong = await fake.submit_modal(
        opened,
        user_id=ORGANIZER_ID,
        values={"title": "Selection clinic", "start": "tomorrow-ish"},
    )
    assert wrong.ephemeral
    assert wrong.text.startswith("start:")
    done = await fake.submit_modal(
        opened,
        user_id=ORGANIZER_ID,
        values={
            "title": "Selection clinic",
            "start": "2026-11-28 20:00",
            "resources": "https://learn.example/selection\nhttps://learn.example/sourcing",
        },
    )
    assert done.ephemeral
    assert done.text.startswith("Expert clinic #1 **Selection clinic** is scheduled for")
    assert "(2h) for the 1 stuck teams" in done.text
    session = await harness.services.qa.get(1)
    assert session.teams == (stuck,)
    assert session.kind == "expert_clinic"
    assert len(fake.scheduled_events) == 1

    again = await fake.click(button["custom_id"], user_id=ORGANIZER_ID, message_id=int(post["id"]))
    assert again.ephemeral
    assert again.text == "A clinic was already scheduled from this alert: Q&A session #1."

    # the reminder reaches exactly the stuck team's members, by DM, with the resources
    clock.set(session.starts_at - dt.timedelta(hours=24))
    await harness.services.scheduler.run_due()
    dms = [m for c in fake.dm_channels.values() for m in fake.messages_in(int(c["id"]))]
    assert sorted(int(c["recipients"][0]["id"]) for c in fake.dm_channels.values()) == sorted(
        [PARTICIPANT_ID, MATE_ID]
    )
    assert all("Reminder: **Selection clinic**" in m["content"] for m in dms)
    assert all("<https://learn.example/sourcing>" in m["content"] for m in dms)
