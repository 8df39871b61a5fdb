"""`/admin dashboard`: a private single-use login link for organizers only."""

import re

import pytest

from tests.dispatch.conftest import ORGANIZER_ID, PARTICIPANT_ID, Harness


async def test_dashboard_replies_privately_with_a_working_single_use_link(harness: Harness):
    result = await harness.fake.invoke("admin dashboard", user_id=ORGANIZER_ID)
    assert result.ephemeral
    match = re.search(r"<(http://127\.0\.0\.1:8080/admin/login\?token=([^>]+))>", result.text)
    assert match is not None, result.text
    assert "<t:" in result.text  # the expiry in the reader's own timezone
    opened = await harness.services.web_auth.login(match.group(2))
    assert opened.session.user_id == ORGANIZER_ID
    assert any(
        r.action == "web.link_issued" and r.actor_id == ORGANIZER_ID
        for r in await harness.services.audit.recent(limit=5)
    )


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("en-US", "Only organizers can do that"), ("zh-CN", "只有组织者")],
)
async def test_dashboard_is_refused_to_participants_and_issues_no_link(
    harness: Harness, locale: str, expected: str
):
    result = await harness.fake.invoke("admin dashboard", user_id=PARTICIPANT_ID, locale=locale)
    assert result.ephemeral
    assert expected in result.text
    assert "token=" not in result.text
    assert not [
        r for r in await harness.services.audit.recent(limit=20) if r.action.startswith("web.")
    ]
