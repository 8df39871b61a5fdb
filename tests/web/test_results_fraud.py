"""The dashboard's fraud-flag queue: organizers only, flags with rule, reason and team,
CSRF-checked Clear / Confirm forms (one flag or all of a rule), audited, in en and zh."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.services.fraud import rules as R
from storage.schema import audit_log
from tests.fraud_support import B, Ord, add_orders, reviews
from tests.points_support import add_team
from tests.web.conftest import Web
from tests.web.test_judging_admin import origin
from tests.web.test_pages import dashboard_form


async def test_the_flag_queue_lists_flags_and_its_csrf_checked_forms_decide_them(web: Web):
    anonymous = await web.client.get("/admin/results/flags", allow_redirects=False)
    assert anonymous.status == 302
    services = web.services
    team = await add_team(services.db, "Brushing & Sons")
    burst = [Ord(at=B + dt.timedelta(seconds=i)) for i in range(5)]
    orders = await add_orders(services.db, [team], burst)
    await services.fraud.scan()
    flags = (await services.fraud.flagged(per_page=5)).flags

    _cookie, csrf = await dashboard_form(web)
    dashboard = await (await web.client.get("/admin")).text()
    assert 'href="/admin/results/flags"' in dashboard
    page = await (await web.client.get("/admin/results/flags")).text()
    assert "Page 1 of 1 · 5 open flags" in page
    assert "Brushing &amp; Sons" in page
    assert "5 orders in a row, each within seconds of the one before" in page
    assert f'action="/admin/results/flags/{flags[0].id}"' in page

    forged = await web.client.post(
        f"/admin/results/flags/{flags[0].id}",
        data={"csrf_token": "forged", "decision": "confirmed"},
        headers={"Origin": origin(web)},
        allow_redirects=False,
    )
    assert forged.status == 403
    assert (await reviews(services.db))[orders[0].id] == "flagged"
    confirmed = await web.client.post(
        f"/admin/results/flags/{flags[0].id}",
        data={"csrf_token": csrf, "decision": "confirmed"},
        headers={"Origin": origin(web)},
        allow_redirects=False,
    )
    assert confirmed.status == 303
    assert (await reviews(services.db))[orders[0].id] == "confirmed"
    again = await web.client.post(
        f"/admin/results/flags/{flags[0].id}",
        data={"csrf_token": csrf, "decision": "confirmed"},
        headers={"Origin": origin(web)},
    )
    assert again.status == 400
    assert f"Flag #{flags[0].id} is already confirmed." in await again.text()

    bulk = await web.client.post(
        "/admin/results/flags/bulk",
        data={"csrf_token": csrf, "decision": "cleared", "rule": R.BURST},
        headers={"Origin": origin(web)},
        allow_redirects=False,
    )
    assert bulk.status == 303
    assert bulk.headers["Location"] == f"/admin/results/flags?rule={R.BURST}&done=4"
    review = await reviews(services.db)
    assert [review[o.id] for o in orders] == ["confirmed"] + ["cleared"] * 4
    async with services.db.read() as conn:
        actions = (
            await conn.execute(
                select(audit_log.c.action).where(audit_log.c.action.like("results.flag%"))
            )
        ).scalars()
        assert sorted(actions) == ["results.flag_confirm", "results.flags_clear"]
    zh = await (await web.client.get("/admin/results/flags", params={"lang": "zh"})).text()
    assert "第 1/1 页 · 0 条待处理标记" in zh
