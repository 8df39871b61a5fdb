"""The organizers' registration pages: profiles (and their CSV) and the eligibility queue
with Approve / Reject forms; behind the dashboard session, never on public pages."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import select

from bot.services.registration import ProofFile
from storage.schema import audit_log, eligibility_grants
from tests.registration_support import with_eligibility
from tests.web.conftest import Web
from tests.web.test_pages import login

MEMBER = 830000000000000001
ORGANIZER = 1
CARD = ProofFile(
    url="https://cdn.example/card.png", filename="card.png", content_type="image/png", size=10
)


async def _register(web: Web) -> None:
    await web.services.profiles.save_page(
        user_id=MEMBER,
        page=0,
        values={"full_name": "Zoë Secret-Name", "school": "Fudan", "country": "China"},
        locale="en-US",
    )


async def test_profiles_need_a_session_and_never_reach_public_pages(web: Web) -> None:
    await _register(web)
    for path in ("/admin/profiles", "/admin/profiles.csv", "/admin/eligibility"):
        response = await web.client.get(path, allow_redirects=False)
        assert response.status == 302, path
        assert response.headers["Location"] == "/admin/signin"
    public = await (await web.client.get("/")).text()
    assert "Secret-Name" not in public


async def test_organizers_see_profiles_and_download_them_as_csv(web: Web) -> None:
    await _register(web)
    await login(web, user_id=ORGANIZER)
    page = await (await web.client.get("/admin/profiles?lang=zh")).text()
    assert "Zoë Secret-Name" in page
    assert "中国" in page  # the country named in the page's language
    assert "学校或公司" in page
    response = await web.client.get("/admin/profiles.csv")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"))))
    header, *body = rows
    row = dict(zip(header, next(r for r in body if r[0] == str(MEMBER)), strict=True))
    assert row["full_name"] == "Zoë Secret-Name"
    assert row["country"] == "CN"
    assert row["consent_version"] == "1"


async def _csrf(web: Web, page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


async def test_the_queue_approves_and_rejects_with_a_reason_audited(web: Web) -> None:
    web.services.eligibility.competition = with_eligibility(web.services.competition)
    first = await web.services.eligibility.submit_proof(
        user_id=MEMBER, track="student", file=CARD, locale="en-US"
    )
    second = await web.services.eligibility.submit_proof(
        user_id=MEMBER + 1, track="student", file=CARD, locale="en-US"
    )
    await login(web, user_id=ORGANIZER)
    page = await (await web.client.get("/admin/eligibility")).text()
    assert "2 waiting" in page
    assert f'action="/admin/eligibility/{first.id}/approve"' in page
    token = await _csrf(web, page)
    origin = str(web.client.make_url("")).rstrip("/")
    approved = await web.client.post(
        f"/admin/eligibility/{first.id}/approve",
        data={"csrf_token": token},
        headers={"Origin": origin},
        allow_redirects=False,
    )
    assert approved.status == 303
    empty_reason = await web.client.post(
        f"/admin/eligibility/{second.id}/reject",
        data={"csrf_token": token, "reason": " "},
        headers={"Origin": origin},
    )
    assert empty_reason.status == 409
    assert "Give a reason" in await empty_reason.text()
    rejected = await web.client.post(
        f"/admin/eligibility/{second.id}/reject",
        data={"csrf_token": token, "reason": "Blurry photo"},
        headers={"Origin": origin},
    )
    assert rejected.status == 200
    assert "rejected; the member is told by DM" in await rejected.text()
    forged = await web.client.post(
        f"/admin/eligibility/{second.id}/approve",
        data={"csrf_token": "x"},
        headers={"Origin": origin},
    )
    assert forged.status == 403
    async with web.services.db.read() as conn:
        grants = (await conn.execute(select(eligibility_grants))).all()
        actions = [
            (r.action, r.actor_id)
            for r in (await conn.execute(select(audit_log))).all()
            if r.action.startswith("eligibility.")
        ]
    assert [(g.user_id, g.method) for g in grants] == [(MEMBER, "proof")]
    assert actions == [("eligibility.approve", ORGANIZER), ("eligibility.reject", ORGANIZER)]
