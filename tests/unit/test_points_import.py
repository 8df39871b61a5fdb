"""Points imports: a CSV previewed, confirmed once, cancelled, refused rows by line."""

import pytest

from bot.clock import FrozenClock
from bot.config import CompetitionConfig
from bot.services import points as p
from bot.services.registry import Services
from storage.engine import Database
from tests.points_support import add_team, with_rules
from tests.unit.test_points import IMPORT, ORG, ledger_count, rebuilt

# -- imports ------------------------------------------------------------------------------


async def test_the_same_import_file_twice_imports_once(services: Services):
    await add_team(services.db, "Alpha")
    await add_team(services.db, "Bravo")
    first = await services.points.preview_import(actor_id=ORG, file_name="a.csv", data=IMPORT)
    assert (first.rows, first.total, first.teams, first.problems) == (2, 30, 2, ())
    done = await services.points.confirm_import(actor_id=ORG, import_id=first.id)
    assert (done.status, done.entries) == ("imported", 2)
    second = await services.points.preview_import(actor_id=ORG, file_name="a.csv", data=IMPORT)
    assert second.already_imported == first.id
    assert (second.rows, second.skipped) == (0, 2)
    with pytest.raises(p.FileAlreadyImported):
        await services.points.confirm_import(actor_id=ORG, import_id=second.id)
    assert await ledger_count(services) == 2


async def test_rows_whose_key_was_imported_from_another_file_are_skipped(services: Services):
    await add_team(services.db, "Alpha")
    await add_team(services.db, "Bravo")
    first = await services.points.preview_import(actor_id=ORG, file_name="a.csv", data=IMPORT)
    await services.points.confirm_import(actor_id=ORG, import_id=first.id)
    grown = IMPORT + b"Alpha,5,bonus,,q-3\n"
    second = await services.points.preview_import(actor_id=ORG, file_name="b.csv", data=grown)
    assert (second.rows, second.total, second.skipped, second.already_imported) == (1, 5, 2, None)
    await services.points.confirm_import(actor_id=ORG, import_id=second.id)
    assert await ledger_count(services) == 3


async def test_a_cancelled_preview_imports_nothing(services: Services):
    await add_team(services.db, "Alpha")
    await add_team(services.db, "Bravo")
    preview = await services.points.preview_import(actor_id=ORG, file_name="a.csv", data=IMPORT)
    cancelled = await services.points.cancel_import(actor_id=ORG, import_id=preview.id)
    assert cancelled.status == "cancelled"
    with pytest.raises(p.ImportAlreadyDecided):
        await services.points.confirm_import(actor_id=ORG, import_id=preview.id)
    assert await ledger_count(services) == 0


async def test_the_preview_lists_each_bad_row_and_imports_only_good_ones(services: Services):
    await add_team(services.db, "Alpha", members_=[901])
    data = (
        b"Team,Points,Reason,Member,Key\n"
        b"Alpha,10,ok,901,k1\n"
        b"Nobody,10,no such team,,k2\n"
        b"Alpha,ten,bad number,,k3\n"
        b"Alpha,5,,,k4\n"
        b"Alpha,5,not in team,902902902902902902,k5\n"
        b"Alpha,5,duplicate key,,k1\n"
        b"ALPHA,7,name in capitals,<@901>,\n"
    )
    preview = await services.points.preview_import(actor_id=ORG, file_name="x.csv", data=data)
    assert [(pr.line, pr.message) for pr in preview.problems] == [
        (3, p.ROW_UNKNOWN_TEAM),
        (4, p.ROW_BAD_POINTS),
        (5, p.ROW_BAD_REASON),
        (6, p.ROW_NOT_MEMBER),
        (7, p.ROW_DUPLICATE_KEY),
    ]
    assert (preview.rows, preview.total) == (2, 17)
    done = await services.points.confirm_import(actor_id=ORG, import_id=preview.id)
    assert done.entries == 2
    shown = await services.points.team_points(team="alpha", viewer_id=1)
    assert {(e.amount, e.user_id, e.source) for e in shown.recent} == {
        (10, 901, "import"),
        (7, 901, "import"),
    }


async def test_a_file_without_the_required_columns_is_refused(services: Services):
    with pytest.raises(p.MissingColumns) as refused:
        await services.points.preview_import(actor_id=ORG, file_name="x.csv", data=b"team,pts\n")
    assert "points" in refused.value.params["columns"]
    with pytest.raises(p.FileNotText):
        await services.points.preview_import(
            actor_id=ORG, file_name="x.png", data=b"\x89PNG\x00\x00"
        )


async def test_a_gbk_excel_export_with_semicolons_is_read(services: Services):
    await add_team(services.db, "龙队")
    data = "team;points;reason\n龙队;8;答疑\n".encode("gb18030")
    preview = await services.points.preview_import(actor_id=ORG, file_name="x.csv", data=data)
    assert (preview.rows, preview.total, preview.problems) == (1, 8, ())


async def test_import_rows_past_the_import_cap_are_refused_in_the_preview(
    db: Database, clock: FrozenClock, competition: CompetitionConfig
):
    services = rebuilt(db, clock, with_rules(competition, caps={"import": 25}))
    await add_team(db, "Alpha")
    data = b"team,points,reason\nAlpha,20,a\nAlpha,10,b\nAlpha,5,c\n"
    preview = await services.points.preview_import(actor_id=ORG, file_name="x.csv", data=data)
    assert [(pr.line, pr.message) for pr in preview.problems] == [(3, p.ROW_OVER_CAP)]
    assert preview.total == 25


async def test_confirming_an_outdated_preview_adds_nothing(
    db: Database, clock: FrozenClock, competition: CompetitionConfig
):
    services = rebuilt(db, clock, with_rules(competition, caps={"import": 25}))
    await add_team(db, "Alpha")
    first = await services.points.preview_import(
        actor_id=ORG, file_name="a.csv", data=b"team,points,reason\nAlpha,20,a\n"
    )
    second = await services.points.preview_import(
        actor_id=ORG, file_name="b.csv", data=b"team,points,reason\nAlpha,20,b\n"
    )
    await services.points.confirm_import(actor_id=ORG, import_id=first.id)
    with pytest.raises(p.ImportOutdated):
        await services.points.confirm_import(actor_id=ORG, import_id=second.id)
    assert await ledger_count(services) == 1
