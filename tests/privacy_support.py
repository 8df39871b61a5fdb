"""A member with data in every table that holds member data (the privacy tests' seed), and
a reader of every table, for export and erasure tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert, select, update

from bot.services.registry import Services
from storage.schema import (
    activity_daily,
    broadcasts,
    capacity_entries,
    capacity_offers,
    cohort_imports,
    consent_records,
    contests,
    discord_posts,
    entry_moderation,
    entry_reports,
    lfg_card_tags,
    lfg_cards,
    lfg_invites,
    metadata,
    nps_responses,
    nps_surveys,
    outbox,
    point_imports,
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
from tests.privacy_seeds import FEATURE_SEEDS, SeedContext
from tests.privacy_seeds.context import ALICE, ALICE_NAME, BOB, CAROL

ALICE_PHONE = "+8613812345678"
ALICE_OLD_PHONE = "+14155550123"
BOB_PHONE = "+8613900001111"
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
        for reporter, text in ((ALICE, "Alice thinks it is copied"), (BOB, None)):
            await conn.execute(
                insert(entry_reports).values(
                    submission_id=entries[1],
                    contest_id=contest,
                    user_id=reporter,
                    text=text,
                    created_at=now,
                    resolved_at=now if reporter == BOB else None,
                    resolved_by=ALICE if reporter == BOB else None,
                )
            )
        await conn.execute(
            insert(entry_moderation).values(
                submission_id=entries[1],
                state="hidden",
                reason="reported",
                moderated_by=ALICE,
                moderated_at=now,
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
        # The team finder: Alice's card of an earlier season, an invite she sent as a
        # captain and one she received.
        await conn.execute(
            insert(lfg_cards).values(
                season="2025",
                user_id=ALICE,
                track="student",
                skills="Python",
                languages="English",
                timezone="UTC",
                utc_offset_minutes=0,
                looking_for="A team that ships.",
                created_at=now,
                updated_at=now,
            )
        )
        await conn.execute(
            insert(lfg_card_tags).values(season="2025", user_id=ALICE, kind="skill", tag="python")
        )
        for captain, member, team_id in ((ALICE, BOB, team.id), (CAROL, ALICE, solo.id)):
            await conn.execute(
                insert(lfg_invites).values(
                    season="2026",
                    team_id=team_id,
                    captain_id=captain,
                    user_id=member,
                    status="declined",
                    created_at=now,
                    expires_at=now + dt.timedelta(hours=72),
                )
            )
        # capacity: Alice checked her team in and accepted an offer of its place
        await conn.execute(
            update(capacity_entries)
            .where(capacity_entries.c.team_id == team.id)
            .values(checked_in_at=now, checked_in_by=ALICE)
        )
        await conn.execute(
            insert(capacity_offers).values(
                team_id=team.id,
                season="2026",
                track="student",
                status="accepted",
                offered_at=now,
                expires_at=now + dt.timedelta(hours=48),
                answered_at=now,
                answered_by=ALICE,
            )
        )
    for feature_seed in FEATURE_SEEDS:
        context = SeedContext(now=now, team=team, solo=solo, contest=contest, entry=entries[1])
        await feature_seed(services, context)
    return {"team": team, "solo": solo, "subs": subs, "contest": contest}


async def everything(services: Services) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, as dicts."""
    out: dict[str, list[dict[str, Any]]] = {}
    async with services.db.read() as conn:
        for table in metadata.sorted_tables:
            out[table.name] = [dict(r._mapping) for r in await conn.execute(select(table))]
    return out
