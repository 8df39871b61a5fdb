"""A stuck alert that leads to a scheduled clinic for the stuck teams, through the real
`podium run` process: the daily stuck check (scheduled at start for the next 09:00
competition time, then fallen due while the process was down) fires when it restarts, its
post in the organizers' channel carries **Schedule a clinic**, and the form schedules an
expert clinic for exactly those teams."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest

from tests.dispatch.conftest import MANAGE_GUILD
from tests.e2e.conftest import PodiumProcess
from tests.fakes.discord import FakeDiscord, wait_for

pytestmark = pytest.mark.e2e

ORGANIZER = 200000000000000001
STUCK_MEMBERS = (200000000000000011, 200000000000000012)
MOVING_MEMBER = 200000000000000013


def add_team(podium: PodiumProcess, name: str, members: tuple[int, ...], at: dt.datetime) -> int:
    podium.db.execute(
        "INSERT INTO teams (season, name, name_key, track, captain_id, invite_code, created_at)"
        " VALUES ('2026', ?, ?, 'student', ?, ?, ?)",
        name,
        name.lower(),
        members[0],
        f"INV{members[0] % 100000:05d}",
        at,
    )
    ((team_id,),) = podium.db.rows("SELECT id FROM teams WHERE name = ?", name)
    for user_id in members:
        podium.db.execute(
            "INSERT INTO team_members (team_id, user_id, season, joined_at)"
            " VALUES (?, ?, '2026', ?)",
            team_id,
            user_id,
            at,
        )
    return int(team_id)


async def test_a_stuck_alert_leads_to_a_clinic_for_exactly_the_stuck_teams(
    podium: PodiumProcess, fake_discord: FakeDiscord
):
    fake = fake_discord
    manager = fake.add_role("Server Manager", permissions=MANAGE_GUILD)
    fake.add_member(ORGANIZER, "Olivia Organizer", roles=[int(manager["id"])])
    await podium.start()
    await fake.wait_for_commands()
    await fake.invoke("admin setup", user_id=ORGANIZER)
    organizers = fake.channel_named("organizers")
    assert organizers is not None

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    formed = now - dt.timedelta(days=10)
    stuck = add_team(podium, "Stuck Squad", STUCK_MEMBERS, formed)
    moving = add_team(podium, "Moving Makers", (MOVING_MEMBER,), formed)
    podium.db.execute(
        "INSERT INTO team_progress (team_id, season, stage, since, updated_at)"
        " VALUES (?, '2026', 'store_live', ?, ?)",
        moving,
        now,
        now,
    )
    tz = ZoneInfo("Asia/Shanghai")
    local = now.astimezone(tz)
    check = local.replace(hour=9, minute=0, second=0)
    if check <= local:
        check += dt.timedelta(days=1)
    key = f"progress:stuck-check:{check.date().isoformat()}"
    assert podium.db.rows("SELECT status FROM scheduled_jobs WHERE key = ?", key) == [("pending",)]

    # Down while a day's check falls due: the pending check becomes that of the latest
    # 09:00 already past, due a minute ago, so the restarted process runs it at once as a
    # job missed within the grace period (no waiting for 09:00), and schedules the next.
    await podium.kill()
    past = check - dt.timedelta(days=1)
    missed = f"progress:stuck-check:{past.date().isoformat()}"
    podium.db.execute(
        "UPDATE scheduled_jobs SET key = ?, run_at = ?, payload = ? WHERE key = ?",
        missed,
        now - dt.timedelta(minutes=1),
        json.dumps({"day": past.date().isoformat()}),
        key,
    )
    await podium.start()

    def alerts() -> list[dict]:
        return [m for m in fake.messages_in(int(organizers["id"])) if "Stuck alert" in m["content"]]

    await wait_for(lambda: bool(alerts()), timeout=60, interval=0.2)
    (post,) = alerts()
    assert "1 of 2 active teams (50%) have sat at **Team formed**" in post["content"]
    assert post["content"].endswith("Stuck Squad.")
    button = post["components"][0]["components"][0]
    opened = await fake.click(
        button["custom_id"], user_id=ORGANIZER, message_id=int(post["id"]), timeout=20
    )
    assert opened.response_type == 9
    start = (local + dt.timedelta(days=2)).replace(hour=20, minute=0, second=0)
    done = await fake.submit_modal(
        opened,
        user_id=ORGANIZER,
        values={
            "title": "Product selection clinic",
            "start": start.strftime("%Y-%m-%d %H:%M"),
            "resources": "https://learn.example/selection",
        },
        timeout=20,
    )
    assert done.ephemeral
    assert "Expert clinic #1 **Product selection clinic** is scheduled" in done.text
    ((kind, teams, resources),) = podium.db.rows(
        "SELECT kind, audience_teams, resources FROM qa_sessions"
    )
    assert kind == "expert_clinic"
    assert json.loads(teams) == [stuck]
    assert json.loads(resources) == ["https://learn.example/selection"]
    assert podium.db.rows("SELECT session_id FROM progress_alerts") == [(1,)]
    await wait_for(lambda: len(fake.scheduled_events) == 1, timeout=20)
    assert podium.db.rows("SELECT status FROM scheduled_jobs WHERE key = ?", missed) == [("done",)]
    assert "Traceback" not in podium.log()
    assert await podium.terminate() == 0
