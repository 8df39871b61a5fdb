"""Privacy: a member's export covers every table holding their data; erasure leaves no
phone, name or id of theirs anywhere and keeps ledger and vote totals."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from bot.clock import FrozenClock
from bot.services.privacy import ERASED_TEXT, EXPORTED_TABLES, ExportTooSoon
from bot.services.privacy_csv import CSV_FILES
from bot.services.registry import Services
from storage.queries import privacy as privacy_queries
from storage.schema import (
    activity_daily,
    audit_log,
    broadcasts,
    cohort_imports,
    consent_records,
    contests,
    discord_posts,
    metadata,
    nps_responses,
    nps_surveys,
    outbox,
    point_imports,
    points_ledger,
    qa_attendance,
    qa_questions,
    qa_rsvps,
    qa_sessions,
    qa_votes,
    season_alumni,
    season_closures,
    submissions,
    subscribers,
    team_members,
    team_registration_locks,
    teams,
    verification_codes,
    vote_events,
    votes,
    web_login_tokens,
    web_sessions,
)

ALICE = 412345678901234567
BOB = 512345678901234568
CAROL = 612345678901234569
ALICE_PHONE = "+8613812345678"
ALICE_OLD_PHONE = "+14155550123"
BOB_PHONE = "+8613900001111"
ALICE_NAME = "Alice Wonderland"
ALICE_QUESTION = "How does Alice's secret sauce work?"


async def seed(services: Services) -> dict[str, Any]:
    """One row or more in every table that holds member data, most of them about Alice;
    Bob and Carol are other members whose data must survive her erasure."""
    now = services.clock.now()
    for uid, name in ((ALICE, ALICE_NAME), (BOB, "Bob Builder"), (CAROL, "Carol")):
        await services.members.seen(user_id=uid, display_name=name, locale="en")
    team = await services.teams.create(user_id=ALICE, name="Rocket Owls", track="student")
    await services.teams.join(user_id=BOB, code=team.invite_code)
    solo = await services.teams.create(user_id=CAROL, name="Lone Star", track="student")
    await services.points.award(actor_id=CAROL, team="Rocket Owls", amount=30, reason="demo")
    await services.points.award(
        actor_id=CAROL, team="Rocket Owls", amount=12, reason="bug bash", user_id=ALICE
    )
    await services.points.award(actor_id=ALICE, team="Lone Star", amount=7, reason="help")
    async with services.db.write() as conn:
        old_team = (
            await conn.execute(
                insert(teams)
                .values(
                    season="2025",
                    name="Old Owls",
                    name_key="old owls",
                    track="student",
                    captain_id=ALICE,
                    invite_code="OLDOWLS1",
                    created_at=now,
                )
                .returning(teams.c.id)
            )
        ).scalar_one()
        await conn.execute(
            insert(team_members).values(
                team_id=old_team, user_id=ALICE, season="2025", joined_at=now
            )
        )
        await conn.execute(
            insert(team_registration_locks).values(season="2025", locked_at=now, locked_by=ALICE)
        )
        await conn.execute(
            insert(cohort_imports).values(
                actor_id=ALICE,
                file_name="c.csv",
                rows=[{"user_id": ALICE, "cohort": "elite"}, {"user_id": BOB, "cohort": "rookie"}],
                errors=[],
                created_at=now,
            )
        )
        await conn.execute(
            insert(point_imports).values(
                season="2026",
                file_hash="f" * 64,
                file_name="p.csv",
                status="preview",
                rows=[{"team": "Rocket Owls", "points": 5, "member": ALICE}],
                errors=[],
                actor_id=CAROL,
                created_at=now,
            )
        )
        await conn.execute(
            insert(season_closures).values(season="2025", closed_at=now, closed_by=ALICE)
        )
        await conn.execute(
            insert(season_alumni).values(
                season="2025", user_id=ALICE, team_id=old_team, track="student", rank=1
            )
        )
        subs: dict[str, int] = {}
        owners: list[tuple[int | None, str]] = [
            (ALICE, ALICE_PHONE),
            (None, ALICE_OLD_PHONE),  # her earlier number, unlinked
            (BOB, BOB_PHONE),
        ]
        for owner, phone in owners:
            subs[phone] = (
                await conn.execute(
                    insert(subscribers)
                    .values(
                        user_id=owner,
                        phone_e164=phone,
                        consent_at=now,
                        consent_source="discord_code",
                        consent_text=f"I agree ({phone})",
                        last_inbound_at=now,
                        opted_out_at=now if owner is None else None,
                        created_at=now,
                    )
                    .returning(subscribers.c.id)
                )
            ).scalar_one()
        for phone, uid in ((ALICE_PHONE, ALICE), (ALICE_OLD_PHONE, ALICE), (BOB_PHONE, BOB)):
            await conn.execute(
                insert(consent_records).values(
                    subscriber_id=subs[phone],
                    user_id=uid,
                    action="opt_in",
                    source="discord_code",
                    wording=f"consent for {phone}",
                    at=now,
                )
            )
        for status in ("queued", "sent", "delivered"):
            for phone in (ALICE_PHONE, BOB_PHONE):
                await conn.execute(
                    insert(outbox).values(
                        occurrence_key=f"broadcast:1:{status}",
                        subscriber_id=subs[phone],
                        kind="broadcast",
                        language="en",
                        body="Hello",
                        variables={},
                        status=status,
                        next_attempt_at=now,
                        created_at=now,
                        updated_at=now,
                    )
                )
        await conn.execute(
            insert(verification_codes).values(
                user_id=ALICE,
                phone_e164="+8613812349999",
                language="en",
                code_hash="c" * 64,
                link_hash="l" * 64,
                salt="s" * 32,
                consent_text="I agree",
                created_at=now,
                expires_at=now + dt.timedelta(minutes=10),
            )
        )
        broadcast = (
            await conn.execute(
                insert(broadcasts)
                .values(
                    message="Hi all",
                    audience="all",
                    channels="both",
                    first_run_at=now,
                    status="done",
                    created_by=ALICE,
                    created_at=now,
                )
                .returning(broadcasts.c.id)
            )
        ).scalar_one()
        contest = (
            await conn.execute(
                insert(contests)
                .values(
                    season="2026",
                    name="Memes",
                    category="fun",
                    submissions_open=now,
                    submissions_close=now,
                    voting_close=now + dt.timedelta(days=1),
                    created_by=ALICE,
                    created_at=now,
                )
                .returning(contests.c.id)
            )
        ).scalar_one()
        entries = []
        for team_id, uid in ((team.id, ALICE), (solo.id, CAROL)):
            entries.append(
                (
                    await conn.execute(
                        insert(submissions)
                        .values(
                            contest_id=contest,
                            team_id=team_id,
                            team_key=team_id,
                            user_id=uid,
                            title=f"entry {team_id}",
                            created_at=now,
                            updated_at=now,
                        )
                        .returning(submissions.c.id)
                    )
                ).scalar_one()
            )
        for voter, entry in ((ALICE, entries[1]), (BOB, entries[1]), (CAROL, entries[0])):
            vote_id = (
                await conn.execute(
                    insert(votes)
                    .values(
                        contest_id=contest,
                        submission_id=entry,
                        voter_id=voter,
                        voter_created_at=now,
                        created_at=now,
                        voided_by=ALICE if voter == CAROL else None,
                    )
                    .returning(votes.c.id)
                )
            ).scalar_one()
            await conn.execute(
                insert(vote_events).values(
                    contest_id=contest,
                    submission_id=entry,
                    voter_id=voter,
                    vote_id=vote_id,
                    action="vote",
                    at=now,
                )
            )
        session = (
            await conn.execute(
                insert(qa_sessions)
                .values(
                    season="2026",
                    title="AMA",
                    kind="official",
                    starts_at=now,
                    ends_at=now + dt.timedelta(hours=1),
                    host_id=ALICE,
                    audience=[],
                    status="scheduled",
                    created_by=ALICE,
                    created_at=now,
                    updated_at=now,
                )
                .returning(qa_sessions.c.id)
            )
        ).scalar_one()
        await conn.execute(
            insert(qa_rsvps).values(session_id=session, user_id=ALICE, created_at=now)
        )
        question = (
            await conn.execute(
                insert(qa_questions)
                .values(
                    session_id=session,
                    asker_id=ALICE,
                    text=ALICE_QUESTION,
                    status="answered",
                    created_at=now,
                    answered_by=ALICE,
                )
                .returning(qa_questions.c.id)
            )
        ).scalar_one()
        await conn.execute(
            insert(qa_votes).values(question_id=question, voter_id=ALICE, created_at=now)
        )
        await conn.execute(
            insert(qa_votes).values(question_id=question, voter_id=BOB, created_at=now)
        )
        await conn.execute(
            insert(qa_attendance).values(
                session_id=session, user_id=ALICE, team_id=team.id, points=5, checked_in_at=now
            )
        )
        await conn.execute(
            insert(discord_posts).values(
                key=f"qa:1:start:dm:{ALICE}", status="posted", owner="test", claimed_at=now
            )
        )
        await services.audit.record(
            conn,
            actor_id=CAROL,
            action="team.admin_move",
            target=f"user:{ALICE}",
            details={"to_team": team.id},
        )
        await services.audit.record(
            conn,
            actor_id=None,
            action="team.member_left_server",
            target=f"team:{team.id}",
            details={"user_id": ALICE, "members": [ALICE, BOB], "team": "Rocket Owls"},
        )
        await services.audit.record(
            conn, actor_id=ALICE, action="broadcast.schedule", target=f"broadcast:{broadcast}"
        )
        await conn.execute(
            insert(activity_daily).values(
                user_id=ALICE, day=dt.date(2026, 11, 25), messages=3, interactions=1, votes=1
            )
        )
        survey = (
            await conn.execute(
                insert(nps_surveys)
                .values(question="Happy?", created_by=ALICE, created_at=now)
                .returning(nps_surveys.c.id)
            )
        ).scalar_one()
        await conn.execute(
            insert(nps_responses).values(survey_id=survey, user_id=ALICE, score=9, answered_at=now)
        )
        await conn.execute(
            insert(nps_responses).values(survey_id=survey, user_id=BOB, score=3, answered_at=now)
        )
        await conn.execute(
            insert(web_login_tokens).values(
                token_hash="t" * 64,
                user_id=ALICE,
                created_at=now,
                expires_at=now + dt.timedelta(minutes=10),
            )
        )
        await conn.execute(
            insert(web_sessions).values(
                id_hash="i" * 64,
                user_id=ALICE,
                csrf_token="x" * 64,
                created_at=now,
                expires_at=now + dt.timedelta(hours=8),
            )
        )
    return {"team": team, "solo": solo, "subs": subs, "contest": contest}


async def everything(services: Services) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, as dicts."""
    out: dict[str, list[dict[str, Any]]] = {}
    async with services.db.read() as conn:
        for table in metadata.sorted_tables:
            out[table.name] = [dict(r._mapping) for r in await conn.execute(select(table))]
    return out


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
