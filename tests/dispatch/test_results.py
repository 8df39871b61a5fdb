"""`/results import` through the real command tree: an uploaded store export previewed, then
applied (or discarded) with the buttons, in English and Chinese, and refusals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from storage.schema import store_orders
from tests.dispatch.conftest import ORGANIZER_ID, PARTICIPANT_ID, Harness
from tests.dispatch.test_points import FileHost, as_message, click_deferred, custom_ids
from tests.points_support import add_team

EXPORT = (
    b"order_id,ordered_at,amount,currency,country\n"
    b"R-1,2026-11-20 10:00,19.99,USD,US\n"
    b"R-2,2026-11-20 11:00,5.00,EUR,DE\n"
    b"R-3,not a time,5.00,USD,DE\n"
)


@pytest.fixture
async def uploads() -> AsyncIterator[FileHost]:
    host = FileHost()
    await host.start()
    yield host
    assert host.runner is not None
    await host.runner.cleanup()


async def orders(harness: Harness) -> int:
    async with harness.services.db.read() as conn:
        return int(await conn.scalar(select(func.count()).select_from(store_orders)) or 0)


async def invoke_import(
    harness: Harness, uploads: FileHost, data: bytes, *, locale: str = "en-US", **options: Any
) -> Any:
    attachment = uploads.attachment(harness.fake, "store.csv", data)
    return await harness.fake.invoke(
        "results import",
        user_id=options.pop("user_id", ORGANIZER_ID),
        options={"file": attachment["id"], "platform": "generic", **options},
        attachments=[attachment],
        locale=locale,
    )


async def test_an_import_is_previewed_then_applied_once_with_the_button(
    harness: Harness, uploads: FileHost
):
    await add_team(harness.services.db, "Alpha")
    result = await invoke_import(harness, uploads, EXPORT, team="Alpha")
    assert result.ephemeral
    assert "2 new, 0 corrected, 0 unchanged, 1 refused" in result.text
    assert "line 4: the time not a time is not a date and time" in result.text
    assert await orders(harness) == 0
    apply, discard = custom_ids(result.followups[0])
    assert apply.startswith("podium:results-import:confirm:")
    message_id = as_message(harness.fake, result.followups[0])
    sneaky = await harness.fake.click(apply, user_id=PARTICIPANT_ID, message_id=message_id)
    assert "Only organizers can do that" in sneaky.text
    applied = await click_deferred(harness.fake, apply, user_id=ORGANIZER_ID, message_id=message_id)
    assert "applied from store.csv: 2 new, 0 corrected, 0 unchanged" in applied.text
    assert await orders(harness) == 2
    again = await click_deferred(harness.fake, apply, user_id=ORGANIZER_ID, message_id=message_id)
    assert "was already applied; nothing changed" in again.text
    late = await harness.fake.click(discard, user_id=ORGANIZER_ID, message_id=message_id)
    assert "was already applied" in late.text
    assert await orders(harness) == 2


async def test_the_preview_and_apply_speak_chinese_and_discard_changes_nothing(
    harness: Harness, uploads: FileHost
):
    await add_team(harness.services.db, "Alpha")
    result = await invoke_import(harness, uploads, EXPORT, team="Alpha", locale="zh-CN")
    assert "新增 2 条，更正 0 条，未变 0 条，拒绝 1 条" in result.text
    assert "第 4 行：时间 not a time 不是有效的日期时间" in result.text
    _apply, discard = custom_ids(result.followups[0])
    message_id = as_message(harness.fake, result.followups[0])
    discarded = await harness.fake.click(
        discard, user_id=ORGANIZER_ID, message_id=message_id, locale="zh-CN"
    )
    assert "已放弃：未做任何更改" in discarded.text
    assert await orders(harness) == 0


@pytest.mark.parametrize(
    ("options", "locale", "expected"),
    [
        ({"team": "Nobody"}, "en-US", "There is no team called Nobody this season."),
        ({"team": "Nobody"}, "zh-CN", "本赛季没有名为 Nobody 的团队。"),
        ({"team": "Alpha", "platform": "ebay"}, "en-US", "There is no store platform called ebay"),
        ({"team": "Alpha", "user_id": PARTICIPANT_ID}, "en-US", "Only organizers can do that"),
    ],
)
async def test_a_bad_import_is_refused_with_an_ephemeral_message(
    harness: Harness, uploads: FileHost, options: dict[str, Any], locale: str, expected: str
):
    await add_team(harness.services.db, "Alpha")
    result = await invoke_import(harness, uploads, EXPORT, locale=locale, **options)
    assert result.ephemeral
    assert expected in result.text
    assert await orders(harness) == 0


async def test_a_file_over_the_size_limit_is_refused_before_it_is_downloaded(
    harness: Harness, uploads: FileHost
):
    await add_team(harness.services.db, "Alpha")
    attachment = uploads.attachment(harness.fake, "big.csv", EXPORT)
    attachment["size"] = 9 * 1024 * 1024
    uploads.files.clear()  # a download would fail: the refusal must come first
    result = await harness.fake.invoke(
        "results import",
        user_id=ORGANIZER_ID,
        options={"file": attachment["id"], "platform": "generic", "team": "Alpha"},
        attachments=[attachment],
    )
    assert result.ephemeral
    assert "larger than 8 MB" in result.text
