"""Store results imports: CSV and XLSX exports mapped per platform, refused lines by number,
preview then Apply or Discard, idempotent re-imports, corrections with history and audit,
daily aggregates, and the listeners told once per applied import."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.services import results as r
from bot.services.registry import Services
from bot.services.results import errors as e
from storage.schema import (
    audit_log,
    results_imports,
    store_daily,
    store_order_history,
    store_orders,
    web_secrets,
)
from tests.points_support import add_team

ORG = 555

ORDERS = (
    b"order_id,ordered_at,amount,currency,country,category,channel,buyer,tracking_number,status,refunded\n"
    b"A-1,2026-11-20 10:00,19.99,USD,de,Shoes,TikTok,Ann@Example.com,TN1,Delivered,no\n"
    b"A-2,2026-11-20T11:00:00+00:00,10.00,EUR,FR,Shoes,Ads,bob@example.com,TN2,shipped,\n"
    b"A-3,2026-11-21 09:30,1000,JPY,,Bags,,,,,yes\n"
)


def _id(summary: r.ImportSummary) -> int:
    assert summary.id is not None
    return summary.id


async def _rows(services: Services, table: Any) -> list[dict[str, Any]]:
    async with services.db.read() as conn:
        return [dict(row._mapping) for row in await conn.execute(select(table))]


async def _count(services: Services, table: Any) -> int:
    async with services.db.read() as conn:
        return int(await conn.scalar(select(func.count()).select_from(table)) or 0)


async def test_a_csv_export_is_previewed_then_applied_with_amounts_in_the_base_currency(
    services: Services,
):
    team = await add_team(services.db, "Alpha")
    preview = await services.results.preview(
        actor_id=ORG, platform="generic", filename="alpha.csv", data=ORDERS, team="alpha"
    )
    assert (preview.status, preview.rows_new, preview.rows_refused) == ("preview", 3, 0)
    assert await _count(services, store_orders) == 0
    applied = await services.results.apply(actor_id=ORG, import_id=_id(preview))
    assert (applied.status, applied.rows_new, applied.team_ids) == ("applied", 3, {team})
    rows = {row["order_id"]: row for row in await _rows(services, store_orders)}
    first = rows["A-1"]
    # 10:00 in Shanghai (the competition's timezone) is 02:00 UTC.
    assert first["ordered_at"] == dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
    assert (first["amount_minor"], first["amount_base_minor"], first["country"]) == (
        1999,
        1999,
        "DE",
    )
    # The fraud checks run after Apply (bootstrap wires them to the import): these orders
    # predate the example season's first round (2027-01-11), so they are flagged.
    assert (first["status"], first["refunded"], first["review"]) == (
        "delivered",
        False,
        "flagged",
    )
    assert (rows["A-2"]["amount_base_minor"], rows["A-3"]["amount_base_minor"]) == (1080, 670)
    assert rows["A-3"]["refunded"] is True
    assert rows["A-3"]["buyer_hash"] is None
    assert rows["A-3"]["status"] == "unknown"


async def test_buyers_are_stored_as_keyed_hashes_only(services: Services):
    await add_team(services.db, "Alpha")
    preview = await services.results.preview(
        actor_id=ORG, platform="generic", filename="a.csv", data=ORDERS, team="Alpha"
    )
    await services.results.apply(actor_id=ORG, import_id=_id(preview))
    hashes = [row["buyer_hash"] for row in await _rows(services, store_orders)]
    assert all(h is None or len(h) == 64 for h in hashes)
    assert not any("example" in str(row) for row in await _rows(services, store_orders))
    secrets = [row["name"] for row in await _rows(services, web_secrets)]
    assert secrets == ["results_buyer_hash"]
    # The same buyer written differently hashes the same; the key is kept across restarts.
    again = r.ResultsService(services.db, services.clock, services.competition, services.audit)
    assert await again.buyer_key() == await services.results.buyer_key()


async def test_refused_lines_are_listed_by_number_and_reason_and_the_rest_is_kept(
    services: Services,
):
    await add_team(services.db, "Alpha")
    data = (
        b"order_id,ordered_at,amount,currency,country\n"
        b"B-1,2026-11-20 10:00,5,USD,US\n"
        b"B-2,yesterday,5,USD,US\n"
        b"B-3,2026-11-20 10:00,5,XYZ,US\n"
        b"B-4,2026-11-20 10:00,-5,USD,US\n"
        b",2026-11-20 10:00,5,USD,US\n"
        b"B-1,2026-11-20 10:00,5,USD,US\n"
        b"B-7,2026-11-20 10:00,five,USD,US\n"
        b"B-8,2026-11-20 10:00,5,USD,Germany\n"
    )
    preview = await services.results.preview(
        actor_id=ORG, platform="generic", filename="b.csv", data=data, team="Alpha"
    )
    reasons = [(refusal.line, refusal.message, refusal.params) for refusal in preview.refused]
    assert reasons == [
        (3, e.ROW_BAD_TIME, {"value": "yesterday"}),
        (4, e.ROW_UNKNOWN_CURRENCY, {"value": "XYZ"}),
        (5, e.ROW_NEGATIVE_AMOUNT, {"value": "-5"}),
        (6, e.ROW_NO_ORDER_ID, {}),
        (7, e.ROW_DUPLICATE_ORDER, {"order": "B-1", "line": 2}),
        (8, e.ROW_BAD_AMOUNT, {"value": "five"}),
        (9, e.ROW_BAD_COUNTRY, {"value": "GERMANY"}),
    ]
    assert (preview.rows_total, preview.rows_new, preview.rows_refused) == (8, 1, 7)
    await services.results.apply(actor_id=ORG, import_id=_id(preview))
    assert [row["order_id"] for row in await _rows(services, store_orders)] == ["B-1"]


async def test_a_platform_mapping_names_the_columns_and_a_team_column_names_teams(
    services: Services,
):
    alpha = await add_team(services.db, "Alpha")
    bravo = await add_team(services.db, "Bravo Store")
    data = (
        b"Team,Name,Created at,Total,Currency,Shipping Country,Email,Refunded\n"
        b"alpha,#1001,2026-11-20 10:00:00 +0800,12.50,USD,US,x@y.z,false\n"
        b"BRAVO  store,#1001,2026-11-20 10:00:00 +0800,7,USD,CA,,false\n"
        b"Nobody,#1002,2026-11-20 10:00:00 +0800,7,USD,CA,,false\n"
    )
    preview = await services.results.preview(
        actor_id=ORG, platform="shopify", filename="s.csv", data=data
    )
    assert [(x.line, x.message) for x in preview.refused] == [(4, e.ROW_UNKNOWN_TEAM)]
    await services.results.apply(actor_id=ORG, import_id=_id(preview))
    rows = await _rows(services, store_orders)
    assert sorted((row["team_id"], row["order_id"]) for row in rows) == [
        (alpha, "#1001"),
        (bravo, "#1001"),
    ]
    assert {row["ordered_at"] for row in rows} == {dt.datetime(2026, 11, 20, 2, tzinfo=dt.UTC)}


async def test_an_xlsx_export_is_read_with_its_dates_and_numbers(services: Services):
    from openpyxl import Workbook

    await add_team(services.db, "Alpha")
    book = Workbook()
    sheet = book.active
    sheet.append(["Order ID", "Order Time", "Order Amount", "Buyer Country", "Refund"])
    sheet.append([90001, dt.datetime(2026, 11, 20, 18, 0), 99.5, "cn", "否"])  # noqa: DTZ001
    sheet.append(["90002", "2026/11/21 08:00:00", 10, "CN", "是"])
    buffer = io.BytesIO()
    book.save(buffer)
    preview = await services.results.preview(
        actor_id=ORG,
        platform="aliexpress",
        filename="ae.xlsx",
        data=buffer.getvalue(),
        team="Alpha",
    )
    assert (preview.rows_new, preview.rows_refused) == (2, 0)
    await services.results.apply(actor_id=ORG, import_id=_id(preview))
    rows = {row["order_id"]: row for row in await _rows(services, store_orders)}
    # CNY 99.50 at 0.14 = USD 13.93; 18:00 in Shanghai = 10:00 UTC.
    assert (rows["90001"]["currency"], rows["90001"]["amount_base_minor"]) == ("CNY", 1393)
    assert rows["90001"]["ordered_at"] == dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC)
    assert (rows["90001"]["refunded"], rows["90002"]["refunded"]) == (False, True)


async def test_a_gb18030_csv_is_read(services: Services):
    await add_team(services.db, "Alpha")
    data = "order_id,ordered_at,amount,category\nC-1,2026-11-20 10:00,5,女装连衣裙\n".encode(
        "gb18030"
    )
    preview = await services.results.preview(
        actor_id=ORG, platform="generic", filename="c.csv", data=data, team="Alpha"
    )
    await services.results.apply(actor_id=ORG, import_id=_id(preview))
    assert [row["category"] for row in await _rows(services, store_orders)] == ["女装连衣裙"]


async def test_the_same_file_again_adds_nothing(services: Services):
    await add_team(services.db, "Alpha")
    first = await services.results.preview(
        actor_id=ORG, platform="generic", filename="a.csv", data=ORDERS, team="Alpha"
    )
    await services.results.apply(actor_id=ORG, import_id=_id(first))
    again = await services.results.preview(
        actor_id=ORG, platform="generic", filename="a.csv", data=ORDERS, team="Alpha"
    )
    assert (again.rows_new, again.rows_corrected, again.rows_unchanged) == (0, 0, 3)
    done = await services.results.apply(actor_id=ORG, import_id=_id(again))
    assert (done.rows_new, done.team_ids) == (0, frozenset())
    assert await _count(services, store_orders) == 3
    assert await _count(services, store_order_history) == 0


async def test_a_correction_replaces_the_row_keeps_its_history_and_review_and_is_audited(
    services: Services,
):
    await add_team(services.db, "Alpha")
    first = await services.results.preview(
        actor_id=ORG, platform="generic", filename="a.csv", data=ORDERS, team="Alpha"
    )
    await services.results.apply(actor_id=ORG, import_id=_id(first))
    async with services.db.write() as conn:
        await conn.execute(
            store_orders.update().where(store_orders.c.order_id == "A-1").values(review="cleared")
        )
    corrected = ORDERS.replace(b"19.99,USD,de", b"24.99,USD,de").replace(b"shipped", b"delivered")
    preview = await services.results.preview(
        actor_id=ORG, platform="generic", filename="a2.csv", data=corrected, team="Alpha"
    )
    assert (preview.rows_new, preview.rows_corrected, preview.rows_unchanged) == (0, 2, 1)
    await services.results.apply(actor_id=ORG, import_id=_id(preview))
    rows = {row["order_id"]: row for row in await _rows(services, store_orders)}
    assert (rows["A-1"]["amount_minor"], rows["A-1"]["review"]) == (2499, "cleared")
    assert rows["A-2"]["status"] == "delivered"
    history = await _rows(services, store_order_history)
    previous = {h["order_row_id"]: h["previous"] for h in history}
    assert previous[rows["A-1"]["id"]]["amount_minor"] == 1999
    assert previous[rows["A-2"]["id"]]["status"] == "shipped"
    assert {h["import_id"] for h in history} == {preview.id}
    audits = [row for row in await _rows(services, audit_log) if row["action"] == "results.import"]
    assert len(audits) == 2
    assert audits[-1]["details"]["corrected"] == 2


async def test_daily_aggregates_replace_the_value_of_each_day(services: Services):
    alpha = await add_team(services.db, "Alpha")
    data = (
        b"day,team,currency,visitors,ad_spend\n"
        b"2026-11-20,Alpha,EUR,100,10\n"
        b"2026-11-21,Alpha,EUR,120,\n"
        b"2026-11-21,Alpha,EUR,1,1\n"
        b"20/11/2026,Alpha,EUR,1,1\n"
    )
    preview = await services.results.preview(
        actor_id=ORG, platform="daily", filename="d.csv", data=data
    )
    assert [(x.line, x.message) for x in preview.refused] == [
        (4, e.ROW_DUPLICATE_DAY),
        (5, e.ROW_BAD_DAY),
    ]
    await services.results.apply(actor_id=ORG, import_id=_id(preview))
    fixed = b"day,visitors\n2026-11-21,150\n2026-11-22,90\n"
    second = await services.results.preview(
        actor_id=ORG, platform="daily", filename="d2.csv", data=fixed, team="Alpha"
    )
    assert (second.rows_new, second.rows_corrected) == (1, 1)
    await services.results.apply(actor_id=ORG, import_id=_id(second))
    stored = {
        (row["day"].isoformat(), row["metric"]): row["value"]
        for row in await _rows(services, store_daily)
    }
    assert stored == {
        ("2026-11-20", "visitors"): 100.0,
        ("2026-11-20", "ad_spend"): pytest.approx(10.8),  # EUR 10 in USD
        ("2026-11-21", "visitors"): 150.0,
        ("2026-11-22", "visitors"): 90.0,
    }
    metrics = (await services.results.team_metrics(team_ids=[alpha]))[alpha]
    assert metrics["visitors"] == 340.0


async def test_a_daily_file_with_a_column_that_is_no_metric_is_refused(services: Services):
    await add_team(services.db, "Alpha")
    with pytest.raises(e.ResultsUnknownColumns):
        await services.results.preview(
            actor_id=ORG,
            platform="daily",
            filename="d.csv",
            data=b"day,visits\n2026-11-20,4\n",
            team="Alpha",
        )


async def test_listeners_are_awaited_once_per_apply_with_the_touched_teams(services: Services):
    alpha = await add_team(services.db, "Alpha")
    seen: list[r.ImportApplied] = []

    async def listener(event: r.ImportApplied) -> None:
        seen.append(event)

    async def broken(event: r.ImportApplied) -> None:
        raise RuntimeError("a listener's failure never undoes an import")

    services.results.on_applied(broken)
    services.results.on_applied(listener)
    preview = await services.results.preview(
        actor_id=ORG, platform="generic", filename="a.csv", data=ORDERS, team="Alpha"
    )
    assert seen == []
    await services.results.apply(actor_id=ORG, import_id=_id(preview))
    assert seen == [r.ImportApplied("2026", _id(preview), "orders", frozenset({alpha}))]
    assert await _count(services, store_orders) == 3


async def test_a_discarded_preview_changes_nothing_and_cannot_be_applied(services: Services):
    await add_team(services.db, "Alpha")
    preview = await services.results.preview(
        actor_id=ORG, platform="generic", filename="a.csv", data=ORDERS, team="Alpha"
    )
    discarded = await services.results.discard(actor_id=ORG, import_id=_id(preview))
    assert discarded.status == "discarded"
    with pytest.raises(r.ResultsImportDecided):
        await services.results.apply(actor_id=ORG, import_id=_id(preview))
    assert await _count(services, store_orders) == 0
    actions = [row["action"] for row in await _rows(services, audit_log)]
    assert actions == ["results.import_discard"]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"platform": "ebay"}, r.UnknownPlatform),
        ({"team": "Nobody"}, r.ResultsTeamNotFound),
        ({"data": b"id,when\n1,2\n"}, r.ResultsMissingColumns),
        ({"data": b"\xff\xfe\x00garbage\x81"}, r.ResultsFileUnreadable),
        ({"data": b"order_id,ordered_at,amount\n"}, r.ResultsNoRows),
        ({"data": b"x" * (r.MAX_RESULTS_BYTES + 1)}, r.ResultsFileTooLarge),
    ],
)
async def test_a_bad_file_or_option_is_refused_and_stores_nothing(
    services: Services, kwargs: dict[str, Any], error: type[Exception]
):
    await add_team(services.db, "Alpha")
    args: dict[str, Any] = {"platform": "generic", "data": ORDERS, "team": "Alpha"}
    with pytest.raises(error):
        await services.results.preview(actor_id=ORG, filename="x.csv", **{**args, **kwargs})
    assert await _count(services, store_orders) == 0


async def test_the_command_line_import_streams_a_file_dry_run_then_apply(
    services: Services, tmp_path: Path
):
    await add_team(services.db, "Alpha")
    path = tmp_path / "orders.csv"
    path.write_bytes(ORDERS + b"A-4,bad time,1,USD,,,,,,,\n")
    seen: list[tuple[int, int]] = []
    dry = await services.results.import_file(
        path=path, platform="generic", team="Alpha", apply=False, progress=lambda *p: seen.append(p)
    )
    assert (dry.id, dry.rows_new, dry.rows_refused) == (None, 3, 1)
    assert await _count(services, store_orders) == 0
    done = await services.results.import_file(
        path=path, platform="generic", team="Alpha", apply=True
    )
    assert (done.status, done.rows_new, done.rows_refused) == ("applied", 3, 1)
    assert [(x.line, x.message) for x in done.refused] == [(5, e.ROW_BAD_TIME)]
    assert await _count(services, store_orders) == 3
    assert seen[-1] == (4, 4)


async def test_the_command_line_import_of_a_file_without_lines_is_refused_and_stores_nothing(
    services: Services, tmp_path: Path
):
    await add_team(services.db, "Alpha")
    path = tmp_path / "empty.csv"
    path.write_bytes(b"order_id,ordered_at,amount\n\n")
    with pytest.raises(r.ResultsNoRows):
        await services.results.import_file(path=path, platform="generic", team="Alpha", apply=True)
    assert await _count(services, results_imports) == 0


async def test_only_teams_with_stored_orders_are_looked_up_and_their_corrections_still_found(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from bot.services.results import imports
    from storage.queries.results import orders as orders_q

    alpha = await add_team(services.db, "Alpha")
    bravo = await add_team(services.db, "Bravo")
    first = await services.results.preview(
        actor_id=ORG, platform="generic", filename="a.csv", data=ORDERS, team="Alpha"
    )
    await services.results.apply(actor_id=ORG, import_id=_id(first))
    probed: list[tuple[int, str]] = []
    real_existing = orders_q.existing

    async def spy(conn: Any, season: str, keys: Any) -> dict[tuple[int, str], dict[str, Any]]:
        wanted = list(keys)
        probed.extend(wanted)
        return await real_existing(conn, season, wanted)

    monkeypatch.setattr(orders_q, "existing", spy)
    monkeypatch.setattr(imports, "BATCH", 2)  # teams met again in later batches
    path = tmp_path / "both.csv"
    path.write_bytes(
        b"team,order_id,ordered_at,amount,currency\n"
        b"Bravo,A-1,2026-11-20 10:00,5,USD\n"  # Alpha's order id, under another team: new
        b"Alpha,A-1,2026-11-20 10:00,24.99,USD\n"  # a correction of Alpha's row
        b"Bravo,B-2,2026-11-20 10:00,5,USD\n"
        b"Alpha,A-9,2026-11-20 10:00,5,USD\n"
        b"Bravo,B-3,2026-11-20 10:00,5,USD\n"
    )
    done = await services.results.import_file(path=path, platform="generic", apply=True)
    assert (done.rows_new, done.rows_corrected, done.rows_unchanged) == (4, 1, 0)
    assert sorted(probed) == [(alpha, "A-1"), (alpha, "A-9")]
    rows = {(row["team_id"], row["order_id"]): row for row in await _rows(services, store_orders)}
    assert rows[(alpha, "A-1")]["amount_minor"] == 2499
    assert rows[(bravo, "A-1")]["amount_minor"] == 500
    assert len(rows) == 3 + 4
    assert await _count(services, store_order_history) == 1
    # Bravo has orders now: the same file again finds every row unchanged.
    probed.clear()
    again = await services.results.import_file(path=path, platform="generic", apply=True)
    assert (again.rows_new, again.rows_corrected, again.rows_unchanged) == (0, 0, 5)
    assert len(probed) == 5


async def test_an_imports_database_tuning_ends_with_it_applied_or_refused(
    services: Services, tmp_path: Path
):
    await add_team(services.db, "Alpha")
    query = "PRAGMA cache_size" if services.db.is_sqlite else "SHOW enable_seqscan"

    async def setting() -> str:
        async with services.db.write() as conn:
            return str((await conn.exec_driver_sql(query)).scalar_one())

    before = await setting()
    path = tmp_path / "orders.csv"
    path.write_bytes(ORDERS)
    await services.results.import_file(path=path, platform="generic", team="Alpha", apply=True)
    assert await setting() == before
    path.write_bytes(b"order_id,ordered_at,amount\n\n")
    with pytest.raises(r.ResultsNoRows):
        await services.results.import_file(path=path, platform="generic", team="Alpha", apply=True)
    assert await setting() == before
    preview = await services.results.preview(
        actor_id=ORG, platform="generic", filename="a.csv", data=ORDERS, team="Alpha"
    )
    await services.results.apply(actor_id=ORG, import_id=_id(preview))
    assert await setting() == before
