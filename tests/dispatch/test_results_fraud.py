"""The fraud queue through the real command tree: /results scan, /results flagged with its
Clear / Confirm / Next buttons as real component payloads (also on a message from before a
restart), /results flags-bulk, in en-US and zh-CN, and members who are not organizers
refused."""

from __future__ import annotations

import datetime as dt

from bot.services.fraud import rules as R
from tests.dispatch.conftest import ORGANIZER_ID, PARTICIPANT_ID, Harness
from tests.dispatch.test_persistent_buttons import old_post
from tests.fraud_support import B, Ord, add_orders, reviews
from tests.points_support import add_team

REFUSED = "Only organizers can do that."


async def test_organizers_scan_page_and_decide_flags_and_members_are_refused(harness: Harness):
    fake, services = harness.fake, harness.services
    await fake.invoke("admin setup", user_id=ORGANIZER_ID)
    alpha = await add_team(services.db, "Alpha <@&1> Store")
    burst = [Ord(at=B + dt.timedelta(seconds=i)) for i in range(5)]
    orders = await add_orders(services.db, [alpha], burst)

    for command in ("results scan", "results flagged"):
        refused = await fake.invoke(command, user_id=PARTICIPANT_ID)
        assert refused.ephemeral
        assert refused.text.startswith(REFUSED)
    scanned = await fake.invoke("results scan", user_id=ORGANIZER_ID)
    assert scanned.ephemeral
    assert scanned.text == (
        "Scan done: 5 new flags, 0 reopened by new evidence, 0 withdrawn. 5 flags are open; "
        "see /results flagged."
    )

    queue = await fake.invoke("results flagged", user_id=ORGANIZER_ID)
    assert queue.ephemeral
    lines = queue.text.splitlines()
    assert lines[0] == "Fraud flags: page 1 of 2 (5 open)"
    assert lines[1].endswith(" Burst of orders seconds apart · Alpha <@&1> Store")
    assert lines[2] == (
        "5 orders in a row, each within seconds of the one before, 2027-02-01 00:00:00 UTC to "
        "2027-02-01 00:00:04 UTC."
    )
    assert queue.final_message["allowed_mentions"] == {"parse": []}
    rows = queue.final_message["components"]
    first = int(lines[1].split()[0].removeprefix("#"))
    assert [b["custom_id"] for b in rows[0]["components"]] == [
        f"podium:results-flag:clear:{first}:1:-:0",
        f"podium:results-flag:confirm:{first}:1:-:0",
    ]
    assert [b["custom_id"] for b in rows[4]["components"]] == [
        "podium:results-flags:prev:1:-:0",
        "podium:results-flags:next:2:-:0",
    ]
    assert queue.response is not None
    listing = int(queue.response["_message_id"])

    turned = await fake.click(
        "podium:results-flags:next:2:-:0", user_id=ORGANIZER_ID, message_id=listing
    )
    assert turned.response_type == 7
    assert turned.text.splitlines()[0] == "Fraud flags: page 2 of 2 (5 open)"
    member = await fake.click(
        f"podium:results-flag:confirm:{first}:1:-:0", user_id=PARTICIPANT_ID, message_id=listing
    )
    assert member.text.startswith(REFUSED)
    confirmed = await fake.click(
        f"podium:results-flag:confirm:{first}:1:-:0", user_id=ORGANIZER_ID, message_id=listing
    )
    assert confirmed.response_type == 7
    assert confirmed.content == f"Flag #{first} confirmed."
    assert confirmed.text.splitlines()[1] == "Fraud flags: page 1 of 1 (4 open)"
    assert (await reviews(services.db))[orders[0].id] == "confirmed"
    again = await fake.click(
        f"podium:results-flag:confirm:{first}:1:-:0", user_id=ORGANIZER_ID, message_id=listing
    )
    assert again.ephemeral
    assert again.text == f"Flag #{first} is already confirmed."

    # a queue message from before a restart: its buttons are rebuilt from their custom ids
    second = first + 1
    old = old_post(fake, [f"podium:results-flag:clear:{second}:1:{R.BURST}:{alpha}"])
    cleared = await fake.click(
        f"podium:results-flag:clear:{second}:1:{R.BURST}:{alpha}",
        user_id=ORGANIZER_ID,
        message_id=int(old["id"]),
        locale="zh-CN",
    )
    assert cleared.content == f"标记 #{second} 已解除。"
    assert cleared.text.splitlines()[1] == "刷单标记：第 1/1 页（3 条待处理）"
    assert (await reviews(services.db))[orders[1].id] == "cleared"


async def test_bulk_decisions_by_rule_or_team_in_english_and_chinese(harness: Harness):
    fake, services = harness.fake, harness.services
    await fake.invoke("admin setup", user_id=ORGANIZER_ID)
    alpha = await add_team(services.db, "Alpha Store")
    await add_orders(services.db, [alpha], [Ord(at=B + dt.timedelta(seconds=i)) for i in range(5)])
    await services.fraud.scan()

    unfiltered = await fake.invoke(
        "results flags-bulk", user_id=ORGANIZER_ID, options={"decision": "cleared"}, locale="zh-CN"
    )
    assert unfiltered.ephemeral
    assert unfiltered.text == "请指定规则、队伍或两者：批量处理不会覆盖所有标记。"
    teams = await fake.autocomplete(
        "results flags-bulk", user_id=ORGANIZER_ID, focused="team", value="alp"
    )
    assert teams == [{"name": "Alpha Store (5 open)", "value": str(alpha)}]
    done = await fake.invoke(
        "results flags-bulk",
        user_id=ORGANIZER_ID,
        options={"decision": "cleared", "rule": R.BURST, "team": str(alpha)},
    )
    assert done.text == "5 open flags cleared: their orders count again."
    empty = await fake.invoke("results flagged", user_id=ORGANIZER_ID, locale="zh-CN")
    assert empty.text.splitlines() == [
        "刷单标记：第 1/1 页（0 条待处理）",
        "没有符合条件的待处理刷单标记。被标记的订单会在这里等待处理。",
    ]
    assert not empty.final_message.get("components")
