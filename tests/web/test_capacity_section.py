"""The dashboard's places-and-waitlist section: the same figures as /capacity status."""

from __future__ import annotations

import re

from tests.web.conftest import Web
from tests.web.test_pages import login


async def test_the_dashboard_shows_places_taken_and_the_waitlist_per_track(web: Web):
    for number in range(3):
        await web.services.teams.create(
            user_id=880000000000000000 + number, name=f"Capacity {number}", track="student"
        )
    status = await web.services.capacity.status()
    student = next(t for t in status.tracks if t.track == "student")
    await login(web)
    page = await (await web.client.get("/admin")).text()
    section = page[page.index('id="capacity"') : page.index('id="audit"')]
    assert "Places and waitlist" in section
    row = re.search(r"<th scope=\"row\">Student</th>(.*?)</tr>", section)
    assert row is not None
    cells = re.findall(r"<td class=\"num\">([^<]*)</td>", row.group(1))
    assert cells == ["no cap", str(student.taken), "0", "0", str(student.checked_in)]
    assert student.taken >= 3
