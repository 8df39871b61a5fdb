"""Registration through the real `podium run` process: a code e-mail goes through a local
SMTP server (aiosmtpd, started by the test), and confirming it lets the member's team
enter the student track; /register's modal saves the profile."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.conftest import PodiumProcess
from tests.fakes.discord import FakeDiscord
from tests.registration_support import SmtpServer, local_smtp, submit_modal

pytestmark = pytest.mark.e2e

STUDENT = 210000000000000001


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    yield from local_smtp()


async def test_an_emailed_code_makes_a_member_eligible_for_the_student_track(
    podium: PodiumProcess, fake_discord: FakeDiscord, smtp: SmtpServer
) -> None:
    config = podium.workdir / "competition.toml"
    rule = '# eligibility = { email_domains = ["edu", "edu.cn", "ac.uk"], proof = true }'
    text = config.read_text()
    assert rule in text
    config.write_text(text.replace(rule, rule.removeprefix("# ")))
    podium.env.update(
        {
            "SMTP_HOST": smtp.host,
            "SMTP_PORT": str(smtp.port),
            "SMTP_FROM": "podium@example.com",
            "SMTP_SECURITY": "none",
        }
    )
    fake = fake_discord
    fake.add_member(STUDENT, "Sam Student")
    await podium.start()
    await fake.wait_for_commands()

    refused = await fake.invoke(
        "team create", user_id=STUDENT, options={"name": "Campus Crew", "track": "student"}
    )
    assert f"Not eligible yet: <@{STUDENT}>" in refused.text

    sent = await fake.invoke(
        "eligibility email",
        user_id=STUDENT,
        options={"track": "student", "address": "sam@ox.ac.uk"},
    )
    assert "A code is on its way to sam@ox.ac.uk" in sent.text
    (mail,) = smtp.inbox.messages
    assert mail["To"] == "sam@ox.ac.uk"
    confirmed = await fake.invoke(
        "eligibility confirm", user_id=STUDENT, options={"code": smtp.inbox.code()}
    )
    assert "Confirmed: you are eligible for the Student track." in confirmed.text
    assert podium.db.rows(
        "SELECT method, email FROM eligibility_grants WHERE user_id = ?", STUDENT
    ) == [("email", "sam@ox.ac.uk")]

    created = await fake.invoke(
        "team create", user_id=STUDENT, options={"name": "Campus Crew", "track": "student"}
    )
    assert "Campus Crew" in created.text
    assert "Not eligible" not in created.text

    opened = await fake.invoke("register", user_id=STUDENT)
    assert opened.response_type == 9
    saved = await submit_modal(
        fake,
        "podium:register:modal:0",
        {"field:full_name": "Sam Student", "field:country": "GB"},
        user_id=STUDENT,
    )
    assert "You are registered" in saved.text
    assert "sam@ox.ac.uk" not in podium.log(), "addresses stay out of the log"
