from bot.services.registry import Services
from bot.services.setup import (
    CATEGORY,
    CHANNEL,
    ROLE,
    DesiredResource,
    ExistingResource,
    SetupPlan,
)


def everything_created(plan: SetupPlan) -> list[tuple[DesiredResource, int]]:
    return [(resource, 1000 + index) for index, resource in enumerate(plan.to_create)]


async def test_empty_server_needs_every_configured_role_category_and_channel(services: Services):
    plan = await services.setup.plan([])
    names = {(r.kind, r.name) for r in plan.to_create}
    competition = services.competition
    assert (ROLE, competition.roles.organizer) in names
    assert (ROLE, competition.roles.alumni) in names
    assert {(ROLE, c.role) for c in competition.cohorts} <= names
    assert (CATEGORY, competition.channels.category) in names
    assert (CHANNEL, competition.channels.leaderboard) in names
    assert {(CHANNEL, c.channels[0]) for c in competition.cohorts} <= names
    kinds = [r.kind for r in plan.to_create]
    assert kinds == sorted(kinds, key=[ROLE, CATEGORY, CHANNEL].index), "parents before children"


async def test_second_run_after_recording_creates_nothing(services: Services):
    plan = await services.setup.plan([])
    created = everything_created(plan)
    await services.setup.record(actor_id=1, found=[], created=created, failed=[])
    existing = [ExistingResource(r.kind, r.name, discord_id) for r, discord_id in created]
    again = await services.setup.plan(existing)
    assert again.to_create == []
    assert len(again.found) == len(created)


async def test_a_renamed_channel_stays_matched_by_its_recorded_id(services: Services):
    plan = await services.setup.plan([])
    created = everything_created(plan)
    await services.setup.record(actor_id=1, found=[], created=created, failed=[])
    existing = [
        ExistingResource(
            r.kind, "renamed-by-an-admin" if r.key == "channel:leaderboard" else r.name, i
        )
        for r, i in created
    ]
    again = await services.setup.plan(existing)
    assert again.to_create == []


async def test_existing_resources_are_matched_by_name_ignoring_case_and_discord_channel_spelling(
    services: Services,
):
    competition = services.competition
    existing = [
        ExistingResource(ROLE, competition.roles.organizer.upper(), 11),
        ExistingResource(
            CHANNEL,
            competition.channels.leaderboard.replace("-", " ").title().replace(" ", "-"),
            12,
        ),
    ]
    plan = await services.setup.plan(existing)
    found = {resource.key: discord_id for resource, discord_id in plan.found}
    assert found == {"role:organizer": 11, "channel:leaderboard": 12}


async def test_record_writes_ids_and_an_audit_entry_in_one_go(services: Services):
    plan = await services.setup.plan([])
    created = everything_created(plan)[:2]
    failed = [(plan.to_create[2], "missing permission")]
    report = await services.setup.record(actor_id=42, found=[], created=created, failed=failed)
    assert [r.key for r in report.created] == [r.key for r, _ in created]
    ids = await services.setup.resource_ids()
    assert ids == {r.key: i for r, i in created}
    (entry,) = await services.audit.recent(action="admin.setup")
    assert entry.actor_id == 42
    assert entry.details["failed"] == [
        f"{plan.to_create[2].kind}:{plan.to_create[2].name}: missing permission"
    ]


async def test_missing_lists_what_the_server_lacks_for_the_startup_report(services: Services):
    competition = services.competition
    existing = [ExistingResource(ROLE, competition.roles.organizer, 5)]
    missing = services.setup.missing(existing, recorded={})
    assert competition.roles.organizer not in {r.name for r in missing}
    assert competition.roles.alumni in {r.name for r in missing}


async def test_before_setup_only_manage_server_makes_an_organizer(services: Services):
    setup = services.setup
    assert await setup.is_organizer(role_ids=set(), manages_server=True)
    assert not await setup.is_organizer(role_ids={11, 12}, manages_server=False)


async def test_after_setup_the_recorded_organizer_role_id_makes_an_organizer_never_a_name(
    services: Services,
):
    competition = services.competition
    plan = await services.setup.plan([ExistingResource(ROLE, competition.roles.organizer, 11)])
    await services.setup.record(actor_id=1, found=plan.found, created=[], failed=[])
    setup = services.setup
    assert await setup.organizer_role_id() == 11
    assert await setup.is_organizer(role_ids={11}, manages_server=False)
    # another role called "Organizer" has another id
    assert not await setup.is_organizer(role_ids={12}, manages_server=False)
    assert await setup.is_organizer(role_ids={12}, manages_server=True)
