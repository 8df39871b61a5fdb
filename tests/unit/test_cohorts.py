"""Tiered cohorts (SPEC §3.2): assignment, import, promotion and the role-repair plan."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bot.services.cohorts import (
    CohortImportAlreadyApplied,
    CohortImportEmpty,
    CohortImportUnreadable,
    CohortService,
    RoleFix,
    UnknownCohort,
    cohort_role_ids,
)
from bot.services.registry import Services

ORGANIZER = 99
ADA, BEN, CY, DEE = 111111111111111111, 222222222222222222, 333333333333333333, 444444444444444444
SERVER = {ADA: "Ada", BEN: "Ben", CY: "Cy"}


class FixedPoints:
    """A test double of the points service's season totals (the one piece promotion reads)."""

    def __init__(self) -> None:
        self.totals: dict[int, int] = {}

    async def season_points(self, team_ids: Sequence[int]) -> dict[int, int]:
        return {team_id: self.totals.get(team_id, 0) for team_id in team_ids}


@pytest.fixture
def points() -> FixedPoints:
    return FixedPoints()


@pytest.fixture
def cohorts(services: Services, points: FixedPoints) -> CohortService:
    return CohortService(services.db, services.clock, services.competition, services.audit, points)


async def test_assign_puts_a_member_in_a_cohort_by_key_or_name_and_audits_it(
    cohorts: CohortService, services: Services
):
    first = await cohorts.assign(
        actor_id=ORGANIZER, user_id=ADA, display_name="Ada", cohort="rookie"
    )
    assert (first.old_cohort, first.new_cohort) == (None, "rookie")
    second = await cohorts.assign(
        actor_id=ORGANIZER, user_id=ADA, display_name="Ada", cohort="精英营"
    )
    assert (second.old_cohort, second.new_cohort) == ("rookie", "elite")
    assert await cohorts.cohort_of(ADA) == "elite"
    records = await services.audit.recent(action="cohort.assign")
    assert [r.details["to"] for r in records] == ["elite", "rookie"]


async def test_an_unknown_cohort_is_refused_and_nothing_changes(cohorts: CohortService):
    with pytest.raises(UnknownCohort):
        await cohorts.assign(actor_id=ORGANIZER, user_id=ADA, display_name="Ada", cohort="legend")
    assert await cohorts.cohort_of(ADA) is None


async def test_promotion_moves_members_up_when_their_team_reaches_a_threshold(
    cohorts: CohortService, services: Services, points: FixedPoints
):
    team = await services.teams.create(user_id=ADA, name="Climbers", track="student")
    await services.teams.join(user_id=BEN, code=team.invite_code)
    await cohorts.assign(actor_id=ORGANIZER, user_id=ADA, display_name="Ada", cohort="rookie")
    points.totals[team.id] = 499
    promoted = await cohorts.promote_all()
    # Ben had no cohort: he gets the one the points reach; Ada stays a rookie below 500.
    assert [(p.user_id, p.old_cohort, p.new_cohort) for p in promoted] == [(BEN, None, "rookie")]
    points.totals[team.id] = 500
    promoted = await cohorts.promote_all()
    assert {(p.user_id, p.new_cohort) for p in promoted} == {(ADA, "advanced"), (BEN, "advanced")}
    assert await cohorts.promote_all() == []
    points.totals[team.id] = 2000
    assert {p.new_cohort for p in await cohorts.promote_all()} == {"elite"}
    runs = await services.audit.recent(action="cohort.promote_run")
    assert len(runs) == 4


async def test_promotion_never_demotes(cohorts: CohortService, services: Services):
    await services.teams.create(user_id=ADA, name="Fallers", track="student")
    await cohorts.assign(actor_id=ORGANIZER, user_id=ADA, display_name="Ada", cohort="elite")
    assert await cohorts.promote_all() == []
    assert await cohorts.cohort_of(ADA) == "elite"


async def test_show_reports_cohort_team_points_and_what_the_next_cohort_needs(
    cohorts: CohortService, services: Services, points: FixedPoints
):
    team = await services.teams.create(user_id=ADA, name="Shown", track="student")
    await cohorts.assign(actor_id=ORGANIZER, user_id=ADA, display_name="Ada", cohort="rookie")
    points.totals[team.id] = 120
    status = await cohorts.status(ADA)
    assert (status.cohort, status.team_name, status.points) == ("rookie", "Shown", 120)
    assert (status.next_cohort, status.next_threshold, status.points_needed) == (
        "advanced",
        500,
        380,
    )
    await cohorts.assign(actor_id=ORGANIZER, user_id=ADA, display_name="Ada", cohort="elite")
    top = await cohorts.status(ADA)
    assert top.next_cohort is None
    assert top.points_needed is None


async def test_ensure_cohort_gives_a_new_member_the_entry_cohort_once(cohorts: CohortService):
    first = await cohorts.ensure_cohort(user_id=ADA, display_name="Ada")
    assert first is not None
    assert first.new_cohort == "rookie"
    assert await cohorts.ensure_cohort(user_id=ADA, display_name="Ada") is None


# -- import --------------------------------------------------------------------------------


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


async def test_import_preview_lists_changes_and_per_row_errors_and_changes_nothing(
    cohorts: CohortService,
):
    await cohorts.assign(actor_id=ORGANIZER, user_id=CY, display_name="Cy", cohort="elite")
    preview = await cohorts.preview_import(
        actor_id=ORGANIZER,
        file_name="cohorts.csv",
        data=csv_bytes(
            "user_id,cohort",
            f"{ADA},advanced",
            f"{DEE},rookie",
            f"{BEN},legend",
            f"{ADA},advanced",
            "not-a-number,rookie",
            f"<@{BEN}>,Elite",
            f"{CY},elite",
        ),
        server_members=SERVER,
    )
    assert [(c.line, c.user_id, c.new_cohort) for c in preview.changes] == [
        (2, ADA, "advanced"),
        (7, BEN, "elite"),
    ]
    assert preview.unchanged == 1
    assert [(e.line, e.code) for e in preview.errors] == [
        (3, "unknown_user"),
        (4, "unknown_cohort"),
        (5, "duplicate"),
        (6, "bad_row"),
    ]
    assert preview.errors[2].first == 2
    assert await cohorts.cohort_of(ADA) is None


async def test_conflicting_duplicate_rows_apply_neither(cohorts: CohortService):
    preview = await cohorts.preview_import(
        actor_id=ORGANIZER,
        file_name="x.csv",
        data=csv_bytes(f"{ADA},rookie", f"{ADA},elite"),
        server_members=SERVER,
    )
    assert preview.changes == ()
    assert [e.code for e in preview.errors] == ["duplicate"]


async def test_confirming_an_import_applies_it_once_and_audits_it(
    cohorts: CohortService, services: Services
):
    preview = await cohorts.preview_import(
        actor_id=ORGANIZER,
        file_name="x.csv",
        data=csv_bytes(f"{ADA},advanced", f"{BEN},rookie"),
        server_members=SERVER,
    )
    changes = await cohorts.apply_import(actor_id=ORGANIZER, import_id=preview.import_id)
    assert {(c.user_id, c.new_cohort) for c in changes} == {(ADA, "advanced"), (BEN, "rookie")}
    assert await cohorts.cohort_of(ADA) == "advanced"
    with pytest.raises(CohortImportAlreadyApplied):
        await cohorts.apply_import(actor_id=ORGANIZER, import_id=preview.import_id)
    (record,) = await services.audit.recent(action="cohort.import")
    assert record.details["changed"] == 2


@pytest.mark.parametrize("data", [b"\xff\xfe\x00bad", b"x" * (3 * 1024 * 1024)])
async def test_an_unreadable_import_file_is_refused(cohorts: CohortService, data: bytes):
    with pytest.raises(CohortImportUnreadable):
        await cohorts.preview_import(
            actor_id=ORGANIZER, file_name="x.csv", data=data, server_members=SERVER
        )


async def test_an_empty_import_file_is_refused(cohorts: CohortService):
    with pytest.raises(CohortImportEmpty):
        await cohorts.preview_import(
            actor_id=ORGANIZER, file_name="x.csv", data=b"user_id,cohort\n\n", server_members=SERVER
        )


# -- role repair ----------------------------------------------------------------------------


ROLES = {"rookie": 1, "advanced": 2, "elite": 3}
OTHER_ROLE = 50


def test_cohort_role_ids_read_the_recorded_setup_ids():
    ids = {"role:cohort:rookie": 1, "role:organizer": 9, "channel:cohort:rookie:0": 7}
    assert cohort_role_ids(ids) == {"rookie": 1}


def test_role_repair_plan_makes_roles_follow_the_database(cohorts: CohortService):
    member_roles = {
        ADA: {ROLES["rookie"], OTHER_ROLE},  # database says advanced: swap
        BEN: {ROLES["elite"]},  # right already
        CY: {ROLES["rookie"], ROLES["elite"]},  # two cohort roles: keep elite only
        DEE: {ROLES["advanced"]},  # no cohort in the database: remove
    }
    assigned = {ADA: "advanced", BEN: "elite", CY: "elite"}
    fixes = cohorts.plan_role_repair(member_roles, assigned, ROLES)
    assert fixes == [
        RoleFix(ADA, "advanced", ROLES["advanced"], (ROLES["rookie"],)),
        RoleFix(CY, "elite", None, (ROLES["rookie"],)),
        RoleFix(DEE, None, None, (ROLES["advanced"],)),
    ]


async def test_repairs_are_recorded_in_the_audit_log(cohorts: CohortService, services: Services):
    await cohorts.record_repairs([RoleFix(ADA, "advanced", 2, (1,))])
    (record,) = await services.audit.recent(action="cohort.role_repair")
    assert record.actor_id is None
    assert record.details == {"cohort": "advanced", "added_role": 2, "removed_roles": [1]}


async def test_a_member_who_left_the_server_keeps_their_cohort_for_a_return(
    cohorts: CohortService, services: Services
):
    await cohorts.assign(actor_id=ORGANIZER, user_id=ADA, display_name="Ada", cohort="rookie")
    await cohorts.assign(actor_id=ORGANIZER, user_id=BEN, display_name="Ben", cohort="elite")
    await services.teams.member_left_server(user_id=BEN)
    assert await cohorts.assigned() == {ADA: "rookie", BEN: "elite"}
    member = await services.members.get(BEN)
    assert member is not None
    assert member.left_guild_at == services.clock.now()


async def test_the_real_points_service_is_wired_into_the_cohort_service(services: Services):
    assert services.cohorts.points is services.points
