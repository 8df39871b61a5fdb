"""Progress milestones: members reporting stages, organizers setting and undoing them,
imported store orders advancing teams, the funnel, the stuck check and its alert once per
stage and week, and the clinic for exactly the stuck teams."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from pydantic import ValidationError
from sqlalchemy import insert, select

from bot.clock import FrozenClock
from bot.config.progress import ProgressSection
from bot.errors import InvalidInput
from bot.scheduler import Job
from bot.services.progress import (
    ALERT_PUBLICATION,
    STUCK_JOB,
    AlertNotFound,
    AutoStage,
    BadEvidenceLink,
    ClinicScheduled,
    Evidence,
    EvidenceRequired,
    NothingToUndo,
    Position,
    SameStage,
    StageReached,
    StuckAlert,
    UnknownStage,
    stuck_stages,
)
from bot.services.qa import REMINDER, reminder_key
from bot.services.registry import Services
from bot.services.teams.errors import NotInTeam
from storage.schema import audit_log, outbox, progress_events, store_orders, subscribers
from tests.points_support import add_team
from tests.unit.test_qa import add_people

FORMED = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
ORGANIZER = 42
LINK = Evidence(link="https://example.com/product")


async def add_orders(
    services: Services, team_id: int, count: int, *, review: str = "ok", **extra: object
) -> None:
    now = services.clock.now()
    async with services.db.write() as conn:
        for n in range(count):
            await conn.execute(
                insert(store_orders).values(
                    season="2026",
                    team_id=team_id,
                    order_id=f"{review}-{n}-{extra.get('status', 'paid')}-{extra.get('refunded')}",
                    ordered_at=now,
                    amount_minor=1000,
                    currency="USD",
                    amount_base_minor=1000,
                    status=extra.get("status", "paid"),
                    refunded=bool(extra.get("refunded", False)),
                    review=review,
                    created_at=now,
                    updated_at=now,
                )
            )


async def test_a_new_team_is_at_the_first_stage_since_it_was_formed(services: Services):
    team = await add_team(services.db, "Alpha", members_=[1, 2], at=FORMED)
    progress = await services.progress.of_member(2)
    assert (progress.team_id, progress.stage.key, progress.index) == (team, "team_formed", 0)
    assert progress.since == FORMED
    assert progress.next is not None
    assert progress.next.key == "product_selected"
    with pytest.raises(NotInTeam):
        await services.progress.of_member(3)


async def test_a_member_reports_a_later_stage_with_evidence_and_may_skip_one(
    services: Services,
):
    await add_team(services.db, "Alpha", members_=[1, 2], at=FORMED)
    with pytest.raises(EvidenceRequired):
        await services.progress.report(user_id=1, stage="product_selected", evidence=Evidence())
    with pytest.raises(BadEvidenceLink):
        await services.progress.report(
            user_id=1, stage="product_selected", evidence=Evidence(link="javascript:alert(1)")
        )
    with pytest.raises(UnknownStage):
        await services.progress.report(user_id=1, stage="nowhere", evidence=LINK)
    change = await services.progress.report(user_id=2, stage="store_live", evidence=LINK)
    assert (change.before.key, change.after.key, change.source) == (
        "team_formed",
        "store_live",
        "report",
    )
    progress = await services.progress.of_member(1)
    assert progress.stage.key == "store_live"
    assert progress.since == services.clock.now()
    with pytest.raises(StageReached):
        await services.progress.report(user_id=1, stage="product_selected", evidence=LINK)
    with pytest.raises(AutoStage):
        await services.progress.report(user_id=1, stage="first_order", evidence=LINK)
    async with services.db.read() as conn:
        row = (await conn.execute(select(progress_events))).one()
    assert (row.reported_by, row.evidence_url, row.source) == (2, LINK.link, "report")


async def test_a_file_is_evidence_too(services: Services):
    await add_team(services.db, "Alpha", members_=[1], at=FORMED)
    file = Evidence(file_name="shop.png", file_url="https://cdn.discordapp.com/a/shop.png")
    await services.progress.report(user_id=1, stage="product_selected", evidence=file)
    async with services.db.read() as conn:
        row = (await conn.execute(select(progress_events))).one()
    assert (row.evidence_file, row.evidence_url) == ("shop.png", file.file_url)


async def test_an_organizer_sets_and_undoes_a_stage_with_audit_entries(
    services: Services, clock: FrozenClock
):
    team = await add_team(services.db, "Alpha", members_=[1], at=FORMED)
    with pytest.raises(NothingToUndo):
        await services.progress.undo(actor_id=ORGANIZER, team_id=team)
    report_time = clock.now()
    await services.progress.report(user_id=1, stage="product_selected", evidence=LINK)
    clock.advance(dt.timedelta(days=1))
    await services.progress.set_stage(actor_id=ORGANIZER, team_id=team, stage="ten_orders")
    with pytest.raises(SameStage):
        await services.progress.set_stage(actor_id=ORGANIZER, team_id=team, stage="ten_orders")
    back = await services.progress.undo(actor_id=ORGANIZER, team_id=team)
    assert (back.before.key, back.after.key) == ("ten_orders", "product_selected")
    progress = await services.progress.of_team(team)
    assert (progress.stage.key, progress.since) == ("product_selected", report_time)
    await services.progress.undo(actor_id=ORGANIZER, team_id=team)
    progress = await services.progress.of_team(team)
    assert (progress.stage.key, progress.since) == ("team_formed", FORMED)
    with pytest.raises(NothingToUndo):
        await services.progress.undo(actor_id=ORGANIZER, team_id=team)
    async with services.db.read() as conn:
        actions = [
            r.action
            for r in await conn.execute(select(audit_log).order_by(audit_log.c.id))
            if r.action.startswith("progress.")
        ]
    assert actions == ["progress.set", "progress.undo", "progress.undo"]


async def test_imported_counted_orders_advance_teams_and_never_move_them_back(
    services: Services,
):
    one = await add_team(services.db, "One", members_=[1], at=FORMED)
    ten = await add_team(services.db, "Ten", members_=[2], at=FORMED)
    flagged = await add_team(services.db, "Flagged", members_=[3], at=FORMED)
    await add_orders(services, one, 1)
    await add_orders(services, ten, 9)
    await add_orders(services, ten, 1, review="cleared")
    # not counted: flagged or confirmed fakes, refunded and cancelled orders
    await add_orders(services, flagged, 3, review="flagged")
    await add_orders(services, flagged, 3, review="confirmed")
    await add_orders(services, flagged, 2, refunded=True)
    await add_orders(services, flagged, 2, status="cancelled")
    changes = await services.progress.advance_from_results([one, ten, flagged])
    assert sorted((c.team, c.after.key, c.source) for c in changes) == [
        ("One", "first_order", "auto"),
        ("Ten", "ten_orders", "auto"),
    ]
    assert (await services.progress.of_team(flagged)).stage.key == "team_formed"
    assert await services.progress.advance_from_results([one, ten, flagged]) == []
    await services.progress.set_stage(actor_id=ORGANIZER, team_id=one, stage="ten_orders")
    assert await services.progress.advance_from_results([one]) == []
    assert (await services.progress.of_team(one)).stage.key == "ten_orders"


async def test_the_funnel_counts_teams_at_each_stage_or_beyond_per_track_and_cohort(
    services: Services,
):
    await add_team(services.db, "A", members_=[1], at=FORMED)
    await add_team(services.db, "B", members_=[2], at=FORMED)
    await add_team(services.db, "Gone", members_=[4], at=FORMED, disbanded=True)
    await add_team(services.db, "Pro", members_=[3], at=FORMED, track="open")
    await services.progress.report(user_id=1, stage="store_live", evidence=LINK)
    groups = await services.progress.funnel()
    assert [(g.track, g.cohort, g.total, g.reached) for g in groups] == [
        ("student", None, 2, (2, 1, 1, 0, 0)),
        ("open", None, 1, (1, 0, 0, 0, 0)),
    ]


def test_stuck_stages_need_the_share_and_the_days_and_skip_the_last_stage():
    now = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)

    def run(positions: list[Position]) -> list[tuple[int, list[int]]]:
        found = stuck_stages(positions, stages=3, percent=50, days=7, now=now)
        return [(index, [p.team_id for p in teams]) for index, teams in found]

    assert run([]) == []
    sat = [
        Position(1, "a", 1, now - dt.timedelta(days=7)),  # exactly 7 days: stuck
        Position(2, "b", 1, now),  # at the stage, but only since now
        Position(3, "c", 0, now),
    ]
    assert run(sat) == []  # 1 of 3 is under 50%
    sat.append(Position(4, "d", 1, now - dt.timedelta(days=8)))
    assert run(sat) == [(1, [1, 4])]  # 2 of 4 = exactly 50%
    assert run([Position(1, "a", 2, now - dt.timedelta(days=30))]) == []  # the last stage
    assert run([Position(1, "a", 0, now - dt.timedelta(days=6, hours=23))]) == []


async def test_the_stuck_alert_fires_once_per_stage_and_week(
    services: Services, clock: FrozenClock
):
    teams = [await add_team(services.db, f"T{n}", members_=[n], at=FORMED) for n in (1, 2, 3)]
    await services.progress.report(user_id=3, stage="product_selected", evidence=LINK)
    run = await services.progress.ensure_job()
    # 06:00 UTC is 14:00 in Shanghai: today's 09:00 check has passed, so tomorrow's
    assert run.key == f"{STUCK_JOB}:2026-11-26"
    clock.set(run.when)
    result = await services.progress.run_stuck_check(
        Job(1, run.kind, run.key, run.when, run.payload)
    )
    (post,) = result.publications
    assert (post.kind, post.resource) == (ALERT_PUBLICATION, "channel:organizers")
    alert = post.data
    assert (alert.stage.key, [t for t, _ in alert.teams], alert.active) == (
        "team_formed",
        teams[:2],
        3,
    )
    assert alert.percent == 67
    assert result.next_run is not None
    assert result.next_run.key == f"{STUCK_JOB}:2026-11-27"
    # the next day: the same alert (the journal posts it once), no new one
    clock.advance(dt.timedelta(days=1))
    assert await services.progress.check_stuck() == []
    assert [a.id for a in await services.progress.week_alerts()] == [alert.id]
    # the next week: the teams are still stuck, so a new alert for the new week
    clock.advance(dt.timedelta(days=7))
    (again,) = await services.progress.check_stuck()
    assert again.id != alert.id
    assert again.week_key != alert.week_key


async def test_a_clinic_from_an_alert_is_for_exactly_the_stuck_teams(services: Services):
    stuck = [await add_team(services.db, f"S{n}", members_=[n, n + 10], at=FORMED) for n in (1, 2)]
    await add_team(services.db, "Moving", members_=[3, 13], at=FORMED)
    await services.progress.report(user_id=3, stage="product_selected", evidence=LINK)
    (alert,) = await services.progress.check_stuck()
    with pytest.raises(InvalidInput):
        await services.progress.schedule_clinic(
            actor_id=ORGANIZER,
            alert_id=alert.id,
            title="Product selection clinic",
            start="2026-11-28 20:00",
            duration=None,
            resources="ftp://nope",
        )
    session = await services.progress.schedule_clinic(
        actor_id=ORGANIZER,
        alert_id=alert.id,
        title="Product selection clinic",
        start="2026-11-28 20:00",
        duration=None,
        resources="https://learn.example/selection https://learn.example/sourcing",
    )
    assert session.kind == "expert_clinic"
    assert session.teams == tuple(sorted(stuck))
    assert session.duration == dt.timedelta(hours=2)
    assert session.resources == (
        "https://learn.example/selection",
        "https://learn.example/sourcing",
    )
    assert (await services.progress.alert(alert.id)).session_id == session.id
    with pytest.raises(ClinicScheduled):
        await services.progress.schedule_clinic(
            actor_id=ORGANIZER,
            alert_id=alert.id,
            title="Again",
            start="2026-11-28 20:00",
            duration="1h",
            resources=None,
        )
    with pytest.raises(AlertNotFound):
        await services.progress.alert(alert.id + 100)
    key = reminder_key(session.id, dt.timedelta(hours=24))
    notice = await services.qa.notice(session_id=session.id, key=key, what=REMINDER)
    assert notice is not None
    assert notice.cohorts == ()
    assert notice.member_ids == (1, 2, 11, 12)
    posts = await services.qa.notice_publications(notice)
    assert sorted(p.user_id for p in posts if p.user_id is not None) == [1, 2, 11, 12]
    assert all(p.resource is None for p in posts)
    # WhatsApp: exactly the stuck teams' subscribers (1 and 2; 3 is in the moving team)
    await add_people(services)
    texts = {"en": "Clinic soon", "zh_CN": "诊断会即将开始"}
    variables = {"en": {"title": "t", "start": "s"}, "zh_CN": {"title": "t", "start": "s"}}
    assert await services.qa.relay(notice, texts, variables) == 2
    async with services.db.read() as conn:
        queued = (await conn.execute(select(outbox.c.subscriber_id))).all()
        phones = dict((await conn.execute(select(subscribers.c.id, subscribers.c.user_id))).all())
    assert sorted(phones[r.subscriber_id] for r in queued) == [1, 2]
    # only the stuck teams' members see it as their next session
    assert await services.qa.next_for_member(11, services.clock.now()) is not None
    assert await services.qa.next_for_member(13, services.clock.now()) is None


def test_the_stages_config_refuses_repeats_a_busy_first_stage_and_falling_orders():
    def stages(*blocks: dict[str, object]) -> dict[str, object]:
        return {
            "stages": [{"label": {"en": str(b["key"])}, **b} for b in blocks],
        }

    ProgressSection.model_validate(stages({"key": "start"}, {"key": "first", "auto_orders": 1}))
    for bad in (
        stages({"key": "start"}, {"key": "start"}),
        stages({"key": "start", "evidence": True}, {"key": "next"}),
        stages(
            {"key": "start"}, {"key": "ten", "auto_orders": 10}, {"key": "one", "auto_orders": 1}
        ),
        stages({"key": "start"}),
    ):
        with pytest.raises(ValidationError):
            ProgressSection.model_validate(bad)


def test_an_alert_post_lists_long_team_names_within_discords_limit():
    from types import SimpleNamespace

    from bot.i18n import Catalogs
    from cogs.progress.views import alert_text

    bot = SimpleNamespace(catalogs=Catalogs())
    stage = ProgressSection().stages[1]
    teams = tuple((n, "*" * 64) for n in range(200))
    alert = StuckAlert(1, stage, "2026-W48", teams, 300, 7, None)
    text = alert_text(bot, "en", alert)  # type: ignore[arg-type]
    assert len(text) <= 2000
    assert text.endswith("more.")
    assert "\\*" in text


async def test_two_organizers_submitting_the_clinic_form_at_once_schedule_one_clinic(
    services: Services,
):
    for n in (1, 2):
        await add_team(services.db, f"S{n}", members_=[n, n + 10], at=FORMED)
    (alert,) = await services.progress.check_stuck()

    async def submit(title: str) -> int | str:
        try:
            session = await services.progress.schedule_clinic(
                actor_id=ORGANIZER,
                alert_id=alert.id,
                title=title,
                start="2026-11-28 20:00",
                duration=None,
                resources=None,
            )
        except ClinicScheduled:
            return "refused"
        return session.id

    outcomes = await asyncio.gather(submit("First"), submit("Second"))
    assert sorted(outcomes, key=str).count("refused") == 1
    (session_id,) = [o for o in outcomes if o != "refused"]
    assert (await services.progress.alert(alert.id)).session_id == session_id
    sessions = await services.qa.upcoming()
    assert [s.id for s in sessions if s.kind == "expert_clinic"] == [session_id]
