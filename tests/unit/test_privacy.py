"""Privacy: a member's export covers every table holding their data; erasure leaves no
phone, name or id of theirs anywhere and keeps ledger and vote totals."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.clock import FrozenClock
from bot.services.privacy import ERASED_TEXT, EXPORTED_TABLES, ExportTooSoon
from bot.services.privacy_csv import CSV_FILES
from bot.services.registry import Services
from storage.queries import privacy as privacy_queries
from storage.schema import (
    activity_daily,
    audit_log,
    outbox,
    points_ledger,
    qa_questions,
    qa_rsvps,
    qa_votes,
    subscribers,
    vote_events,
    votes,
)
from tests.privacy_support import (
    ALICE,
    ALICE_NAME,
    ALICE_OLD_PHONE,
    ALICE_PHONE,
    ALICE_QUESTION,
    BOB,
    BOB_PHONE,
    CAROL,
    everything,
    seed,
)


async def test_export_has_rows_of_the_member_from_every_table_holding_member_data(
    services: Services,
) -> None:
    await seed(services)
    data = await services.privacy.export(ALICE)
    json.dumps(data)  # JSON-serialisable as is
    assert data["user_id"] == ALICE
    empty = sorted(name for name in EXPORTED_TABLES if not data["tables"].get(name))
    assert empty == []
    tables = data["tables"]
    assert tables["members"][0]["display_name"] == ALICE_NAME
    assert {row["phone_e164"] for row in tables["subscribers"]} == {ALICE_PHONE, ALICE_OLD_PHONE}
    assert BOB_PHONE not in json.dumps(data)
    mine = [row for row in tables["team_members"] if row["season"] == "2026"]
    assert mine == [
        {
            "team_id": mine[0]["team_id"],
            "team_name": "Rocket Owls",
            "track": "student",
            "season": "2026",
            "joined_at": mine[0]["joined_at"],
            "captain": True,
            "team_disbanded_at": None,
        }
    ]
    assert {row["text"] for row in tables["qa_questions"]} == {ALICE_QUESTION}
    assert {row["score"] for row in tables["nps_responses"]} == {9}
    code = tables["verification_codes"][0]
    assert "code_hash" not in code
    assert "link_hash" not in code
    assert "salt" not in code
    assert code["expires_at"] == "2026-11-25T06:10:00+00:00"
    assert "token_hash" not in tables["web_login_tokens"][0]
    assert "id_hash" not in tables["web_sessions"][0]
    assert "csrf_token" not in tables["web_sessions"][0]
    assert {row["status"] for row in tables["outbox"]} == {"queued", "sent", "delivered"}
    assert "body" not in tables["outbox"][0]
    assert {row["action"] for row in tables["audit_log"]} == {
        "team.admin_move",
        "team.member_left_server",
        "broadcast.schedule",
        "points.award",
    }
    assert sorted((row["voter_id"], row["voided_by"]) for row in tables["votes"]) == [
        (ALICE, None),
        (CAROL, ALICE),  # she voided Carol's vote as an organizer
    ]


async def test_a_second_export_within_ten_minutes_is_refused_then_allowed_again(
    services: Services, clock: FrozenClock
) -> None:
    await seed(services)
    await services.privacy.export(ALICE)
    clock.advance(dt.timedelta(minutes=4))
    with pytest.raises(ExportTooSoon) as refused:
        await services.privacy.export(ALICE)
    assert refused.value.params == {"minutes": 6}
    await services.privacy.export(BOB)  # others are not affected
    clock.advance(dt.timedelta(minutes=6))
    assert (await services.privacy.export(ALICE))["user_id"] == ALICE


def _texts(rows: dict[str, list[dict[str, Any]]]) -> list[tuple[str, str, str]]:
    """Every text and JSON value of every row (tables, column, value as text)."""
    found = []
    for table, table_rows in rows.items():
        columns = privacy_queries.text_columns(table)
        for row in table_rows:
            for column in columns:
                value = row[column]
                if value is not None:
                    text = value if isinstance(value, str) else json.dumps(value)
                    found.append((table, column, text))
    return found


async def test_after_delete_no_phone_name_or_id_of_the_member_remains_anywhere(
    services: Services,
) -> None:
    await seed(services)
    await services.privacy.delete(ALICE, actor_id=ALICE)
    rows = await everything(services)
    needles = [
        ALICE_PHONE,
        ALICE_PHONE.lstrip("+"),
        ALICE_OLD_PHONE,
        ALICE_OLD_PHONE.lstrip("+"),
        "8613812349999",
        ALICE_NAME,
        ALICE_QUESTION,
        str(ALICE),
    ]
    leaks = [(t, c) for t, c, text in _texts(rows) for needle in needles if needle in text]
    assert leaks == []
    # ... and no integer column holds her id.
    id_leaks = [
        (table, column)
        for table, table_rows in rows.items()
        for row in table_rows
        for column, value in row.items()
        if value == ALICE
    ]
    assert id_leaks == []
    # Bob's data is untouched.
    assert BOB_PHONE in {row["phone_e164"] for row in rows["subscribers"]}
    assert {row["user_id"] for row in rows["nps_responses"]} == {BOB}
    assert {row["user_id"] for row in rows["members"]} == {BOB, CAROL}


async def test_delete_keeps_team_totals_leaderboard_and_vote_counts(services: Services) -> None:
    seeded = await seed(services)
    board_before = await services.points.week_board(track="student")
    season_before = await services.points.season_points([seeded["team"].id, seeded["solo"].id])
    async with services.db.read() as conn:
        votes_before: dict[int, int] = dict(
            (
                await conn.execute(
                    select(votes.c.submission_id, func.count()).group_by(votes.c.submission_id)
                )
            ).all()
        )
        ledger_before = (await conn.execute(select(func.sum(points_ledger.c.amount)))).scalar_one()
    erasure = await services.privacy.delete(ALICE, actor_id=ALICE)
    assert await services.points.week_board(track="student") == board_before
    assert (
        await services.points.season_points([seeded["team"].id, seeded["solo"].id]) == season_before
    )
    async with services.db.read() as conn:
        votes_after: dict[int, int] = dict(
            (
                await conn.execute(
                    select(votes.c.submission_id, func.count()).group_by(votes.c.submission_id)
                )
            ).all()
        )
        ledger_after = (await conn.execute(select(func.sum(points_ledger.c.amount)))).scalar_one()
        events = (await conn.execute(select(vote_events.c.voter_id))).scalars().all()
        nulls = (
            await conn.execute(
                select(func.count()).where(
                    points_ledger.c.user_id.is_(None), points_ledger.c.reason == "bug bash"
                )
            )
        ).scalar_one()
    assert votes_after == votes_before
    assert ledger_after == ledger_before
    assert erasure.pseudonym < 0
    assert sorted(events) == sorted([erasure.pseudonym, BOB, CAROL])
    assert nulls == 1


async def test_delete_passes_captaincy_on_and_takes_the_member_out_of_the_team(
    services: Services,
) -> None:
    seeded = await seed(services)
    erasure = await services.privacy.delete(ALICE, actor_id=ALICE)
    assert erasure.team_change is not None
    assert erasure.team_change.new_captain_id == BOB
    team = await services.teams.get(seeded["team"].id)
    assert team is not None
    assert team.captain_id == BOB
    assert await services.teams.team_of(ALICE) is None


async def test_delete_of_the_last_member_disbands_the_team(services: Services) -> None:
    seeded = await seed(services)
    erasure = await services.privacy.delete(CAROL, actor_id=CAROL)
    assert erasure.team_change is not None
    assert erasure.team_change.disbanded
    team = await services.teams.get(seeded["solo"].id)
    assert team is not None
    assert team.disbanded_at is not None
    assert team.captain_id == erasure.pseudonym


async def test_delete_cancels_the_members_queued_whatsapp_messages_and_the_relay_skips_them(
    services: Services,
) -> None:
    seeded = await seed(services)
    await services.privacy.delete(ALICE, actor_id=ALICE)
    mine = [seeded["subs"][ALICE_PHONE], seeded["subs"][ALICE_OLD_PHONE]]
    async with services.db.read() as conn:
        statuses: dict[str, int] = dict(
            (
                await conn.execute(
                    select(outbox.c.status, func.count())
                    .where(outbox.c.subscriber_id.in_(mine))
                    .group_by(outbox.c.status)
                )
            ).all()
        )
        bob_queued = (
            await conn.execute(
                select(func.count()).where(
                    outbox.c.subscriber_id == seeded["subs"][BOB_PHONE], outbox.c.status == "queued"
                )
            )
        ).scalar_one()
        subs = (await conn.execute(select(subscribers).where(subscribers.c.id.in_(mine)))).all()
    assert statuses == {"cancelled": 1, "sent": 1, "delivered": 1}
    assert bob_queued == 1
    assert all(row.opted_out_at is not None and row.user_id is None for row in subs)
    # The relay's claim query finds nothing of hers to send.
    from storage.queries import relay as relay_queries

    async with services.db.write() as conn:
        claimed = await relay_queries.claim_batch(conn, now=services.clock.now(), limit=50)
    assert [row.subscriber_id for row in claimed] == [seeded["subs"][BOB_PHONE]]


async def test_delete_writes_one_audit_entry_naming_only_the_pseudonym(services: Services) -> None:
    await seed(services)
    erasure = await services.privacy.delete(ALICE, actor_id=ALICE)
    async with services.db.read() as conn:
        rows = (
            await conn.execute(select(audit_log).where(audit_log.c.action == "privacy.delete"))
        ).all()
    assert len(rows) == 1
    assert rows[0].actor_id == erasure.pseudonym
    assert rows[0].target == f"user:{erasure.pseudonym}"
    assert rows[0].details == {"pseudonym": erasure.pseudonym}


async def test_delete_erases_question_texts_but_keeps_their_upvotes(services: Services) -> None:
    await seed(services)
    erasure = await services.privacy.delete(ALICE, actor_id=ALICE)
    async with services.db.read() as conn:
        question = (await conn.execute(select(qa_questions))).one()
        upvotes = (await conn.execute(select(func.count()).select_from(qa_votes))).scalar_one()
        rsvps = (await conn.execute(select(func.count()).select_from(qa_rsvps))).scalar_one()
    assert question.text == ERASED_TEXT
    assert question.asker_id == erasure.pseudonym
    assert upvotes == 2
    assert rsvps == 0


async def test_delete_drops_the_members_buffered_activity_counts(services: Services) -> None:
    await seed(services)
    services.activity.record(ALICE, "message", count=4)
    services.activity.record(BOB, "message", count=2)
    await services.privacy.delete(ALICE, actor_id=ALICE)
    await services.activity.flush()
    async with services.db.read() as conn:
        users = (await conn.execute(select(activity_daily.c.user_id))).scalars().all()
    assert users == [BOB]


async def test_delete_of_someone_never_seen_changes_nothing_but_the_audit_log(
    services: Services,
) -> None:
    await seed(services)
    before = await everything(services)
    erasure = await services.privacy.delete(7777, actor_id=7777)
    after = await everything(services)
    assert erasure.rows == ()
    assert {k: v for k, v in after.items() if k != "audit_log"} == {
        k: v for k, v in before.items() if k != "audit_log"
    }
    assert len(after["audit_log"]) == len(before["audit_log"]) + 1


async def test_the_members_data_is_recorded_again_after_delete_when_they_come_back(
    services: Services,
) -> None:
    await seed(services)
    await services.privacy.delete(ALICE, actor_id=ALICE)
    assert await services.members.get(ALICE) is None
    await services.members.seen(user_id=ALICE, display_name="A", locale="en")
    again = await services.members.get(ALICE)
    assert again is not None
    assert again.display_name == "A"


async def test_csv_rows_stream_each_file_in_header_order_with_phones_masked(
    services: Services,
) -> None:
    await seed(services)
    members_rows = [row async for row in services.privacy.csv_rows("members.csv")]
    header = CSV_FILES["members.csv"]
    alice = dict(zip(header, next(r for r in members_rows if r[0] == str(ALICE)), strict=True))
    assert alice["whatsapp"] == "+86 •••••••5678"
    assert alice["display_name"] == ALICE_NAME
    deliveries = [row async for row in services.privacy.csv_rows("deliveries.csv")]
    recipients = {row[3] for row in deliveries if row[0] == "whatsapp"}
    assert recipients == {"+86 •••••••5678", "+86 •••••••1111"}
    assert {row[3] for row in deliveries if row[0] == "qa"} == {f"dm:{ALICE}"}
    ledger = [row async for row in services.privacy.csv_rows("ledger.csv")]
    assert sum(int(row[CSV_FILES["ledger.csv"].index("amount")]) for row in ledger) == 49


async def test_csv_export_shows_an_erased_number_as_erased(services: Services) -> None:
    await seed(services)
    await services.privacy.delete(ALICE, actor_id=ALICE)
    deliveries = [row async for row in services.privacy.csv_rows("deliveries.csv")]
    assert {row[3] for row in deliveries if row[0] == "whatsapp"} == {
        "(erased)",
        "+86 •••••••1111",
    }
