"""Eligibility per track: e-mail codes through a real local SMTP server, proofs in the
approval queue, and a team entering a track only when all its members are eligible."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.config import CompetitionConfig
from bot.i18n import Catalogs
from bot.mail import SmtpMailer
from bot.scheduler import Job
from bot.services.registration import DECISION_JOB, ProofFile
from bot.services.registration import eligibility as eligibility_module
from bot.services.registration.errors import (
    AlreadyEligible,
    BadProofFile,
    CodeExpired,
    CodeTooSoon,
    DomainNotAllowed,
    EmailDisabled,
    MailNotSent,
    NoPendingCode,
    ProofAlreadyDecided,
    ProofAlreadyPending,
    ReasonRequired,
    TeamNotEligible,
    TooManyAttempts,
    TooManyCodes,
    TrackOpenToAll,
    WrongCode,
)
from bot.services.registry import Services
from storage.queries.jobs import JobRow
from storage.schema import audit_log, eligibility_codes, scheduled_jobs
from tests.hashing_probe import HashProbe
from tests.registration_support import SmtpServer, local_smtp, with_eligibility

ALICE = 820000000000000001
BOB = 820000000000000002
ORGANIZER = 820000000000000099
CARD = ProofFile(
    url="https://cdn.example/card.png", filename="card.png", content_type="image/png", size=2048
)


@pytest.fixture
def competition(competition: CompetitionConfig) -> CompetitionConfig:
    return with_eligibility(competition)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    yield from local_smtp()


@pytest.fixture
def mailed(services: Services, smtp: SmtpServer) -> Services:
    """The services with e-mail codes going to the local SMTP server."""
    services.eligibility.mailer = SmtpMailer(
        host=smtp.host,
        port=smtp.port,
        sender="podium@example.com",
        competition="Challenge",
        catalogs=Catalogs(),
        security="none",
    )
    return services


async def _send(services: Services, user_id: int = ALICE, email: str = "alice@mit.edu") -> None:
    await services.eligibility.send_code(
        user_id=user_id, track="student", email=email, locale="en-US"
    )


async def test_a_code_mailed_through_smtp_and_confirmed_makes_the_member_eligible(
    mailed: Services, smtp: SmtpServer
) -> None:
    await _send(mailed)
    message = smtp.inbox.messages[0]
    assert message["To"] == "alice@mit.edu"
    assert message["From"] == "podium@example.com"
    assert smtp.inbox.code() in message["Subject"]
    async with mailed.db.read() as conn:
        row = (await conn.execute(select(eligibility_codes))).one()
    assert smtp.inbox.code() not in row.code_hash  # only the hash is stored
    grant = await mailed.eligibility.confirm(user_id=ALICE, code=smtp.inbox.code())
    assert (grant.track, grant.method, grant.email) == ("student", "email", "alice@mit.edu")
    assert [g.track for g in await mailed.eligibility.grants(ALICE)] == ["student"]
    with pytest.raises(AlreadyEligible):
        await _send(mailed)


async def test_a_code_e_mail_is_in_chinese_for_a_chinese_member(
    mailed: Services, smtp: SmtpServer
) -> None:
    await mailed.eligibility.send_code(
        user_id=ALICE, track="student", email="li@pku.edu.cn", locale="zh-CN"
    )
    body = smtp.inbox.messages[0].get_payload(decode=True)
    assert isinstance(body, bytes)
    assert "验证码".encode() in body


async def test_an_address_outside_the_allowed_domains_is_refused_and_nothing_is_sent(
    mailed: Services, smtp: SmtpServer
) -> None:
    with pytest.raises(DomainNotAllowed):
        await _send(mailed, email="alice@gmail.com")
    with pytest.raises(DomainNotAllowed):
        await _send(mailed, email="alice@notedu.com")
    assert smtp.inbox.messages == []


async def test_an_open_track_and_a_server_without_smtp_refuse_clearly(services: Services) -> None:
    with pytest.raises(TrackOpenToAll):
        await services.eligibility.send_code(
            user_id=ALICE, track="professional", email="a@x.edu", locale="en-US"
        )
    with pytest.raises(EmailDisabled):
        await _send(services)


async def test_a_wrong_code_counts_and_the_fifth_ends_the_code(
    mailed: Services, smtp: SmtpServer
) -> None:
    await _send(mailed)
    wrong = "000000" if smtp.inbox.code() != "000000" else "111111"
    for remaining in (4, 3, 2, 1):
        with pytest.raises(WrongCode) as refused:
            await mailed.eligibility.confirm(user_id=ALICE, code=wrong)
        assert refused.value.params == {"remaining": remaining}
    with pytest.raises(TooManyAttempts):
        await mailed.eligibility.confirm(user_id=ALICE, code=wrong)
    with pytest.raises(NoPendingCode):
        await mailed.eligibility.confirm(user_id=ALICE, code=smtp.inbox.code())
    assert await mailed.eligibility.grants(ALICE) == []


async def test_a_code_expires_after_15_minutes(mailed: Services, smtp: SmtpServer, clock) -> None:
    await _send(mailed)
    clock.advance(dt.timedelta(minutes=15))
    with pytest.raises(CodeExpired):
        await mailed.eligibility.confirm(user_id=ALICE, code=smtp.inbox.code())
    assert await mailed.eligibility.grants(ALICE) == []


async def test_a_new_code_replaces_the_old_one(mailed: Services, smtp: SmtpServer, clock) -> None:
    await _send(mailed)
    clock.advance(dt.timedelta(minutes=2))
    await _send(mailed)
    old, new = smtp.inbox.code(0), smtp.inbox.code(1)
    if old != new:
        with pytest.raises(WrongCode):
            await mailed.eligibility.confirm(user_id=ALICE, code=old)
    await mailed.eligibility.confirm(user_id=ALICE, code=new)


async def test_codes_are_rate_limited_per_minute_and_per_hour(
    mailed: Services, smtp: SmtpServer, clock
) -> None:
    await _send(mailed)
    with pytest.raises(CodeTooSoon):
        await _send(mailed)
    for _ in range(4):
        clock.advance(dt.timedelta(minutes=2))
        await _send(mailed)
    clock.advance(dt.timedelta(minutes=2))
    with pytest.raises(TooManyCodes):
        await _send(mailed)
    assert len(smtp.inbox.messages) == 5
    clock.advance(dt.timedelta(hours=1))
    await _send(mailed)
    assert len(smtp.inbox.messages) == 6


async def test_an_unreachable_mail_server_withdraws_the_code(
    services: Services, smtp: SmtpServer
) -> None:
    services.eligibility.mailer = SmtpMailer(
        host="127.0.0.1",
        port=1,
        sender="podium@example.com",
        competition="Challenge",
        catalogs=Catalogs(),
        security="none",
    )
    with pytest.raises(MailNotSent):
        await _send(services)
    with pytest.raises(NoPendingCode):
        await services.eligibility.confirm(user_id=ALICE, code="123456")


async def test_a_proof_waits_in_the_queue_and_approval_is_audited(services: Services) -> None:
    proof = await services.eligibility.submit_proof(
        user_id=ALICE, track="student", file=CARD, locale="en-US"
    )
    with pytest.raises(ProofAlreadyPending):
        await services.eligibility.submit_proof(
            user_id=ALICE, track="student", file=CARD, locale="en-US"
        )
    queued, total = await services.eligibility.queue()
    assert [p.id for p in queued] == [proof.id]
    assert total == 1
    decision = await services.eligibility.approve(actor_id=ORGANIZER, proof_id=proof.id)
    assert decision.approved
    assert decision.user_id == ALICE
    assert [g.method for g in await services.eligibility.grants(ALICE)] == ["proof"]
    assert (await services.eligibility.queue()) == ([], 0)
    with pytest.raises(ProofAlreadyDecided):
        await services.eligibility.reject(actor_id=ORGANIZER, proof_id=proof.id, reason="late")
    async with services.db.read() as conn:
        audit = (await conn.execute(select(audit_log))).all()
    assert [(a.action, a.actor_id, a.target) for a in audit] == [
        ("eligibility.approve", ORGANIZER, f"user:{ALICE}")
    ]
    async with services.db.read() as conn:
        (job,) = [
            row
            for row in (await conn.execute(select(scheduled_jobs))).all()
            if row.kind == DECISION_JOB
        ]
    assert job.key == f"eligibility:proof:{proof.id}:decision"
    assert job.status == "pending"  # stored with the decision: a restart still sends it
    result = await services.eligibility.run_decision(Job.of(JobRow(**job._mapping)))
    (publication,) = result.publications
    assert publication.user_id == ALICE
    assert publication.key == job.key
    assert publication.data == decision


async def test_a_rejection_needs_a_reason_and_leaves_the_member_ineligible(
    services: Services,
) -> None:
    proof = await services.eligibility.submit_proof(
        user_id=ALICE, track="student", file=CARD, locale="en-US"
    )
    with pytest.raises(ReasonRequired):
        await services.eligibility.reject(actor_id=ORGANIZER, proof_id=proof.id, reason="  ")
    decision = await services.eligibility.reject(
        actor_id=ORGANIZER, proof_id=proof.id, reason="The card has expired."
    )
    assert not decision.approved
    assert decision.reason == "The card has expired."
    assert await services.eligibility.grants(ALICE) == []
    status = await services.eligibility.status(ALICE)
    assert [(s.track, s.grant, s.pending_proof) for s in status] == [("student", None, None)]
    async with services.db.read() as conn:
        audit = (await conn.execute(select(audit_log))).one()
    assert audit.action == "eligibility.reject"
    assert audit.details["reason"] == "The card has expired."


async def test_a_proof_that_is_not_an_image_or_pdf_is_refused(services: Services) -> None:
    for bad in (
        ProofFile(url="https://x/y.exe", filename="y.exe", content_type="application/x", size=5),
        ProofFile(url="https://x/y.png", filename="y.png", content_type="image/png", size=11 << 20),
    ):
        with pytest.raises(BadProofFile):
            await services.eligibility.submit_proof(
                user_id=ALICE, track="student", file=bad, locale="en-US"
            )


async def test_a_team_enters_a_restricted_track_only_when_all_its_members_are_eligible(
    services: Services,
) -> None:
    teams = services.teams
    with pytest.raises(TeamNotEligible) as refused:
        await teams.create(user_id=ALICE, name="Scholars", track="student")
    assert refused.value.params["members"] == f"<@{ALICE}>"
    assert await teams.team_of(ALICE) is None
    proof = await services.eligibility.submit_proof(
        user_id=ALICE, track="student", file=CARD, locale="en-US"
    )
    await services.eligibility.approve(actor_id=ORGANIZER, proof_id=proof.id)
    team = await teams.create(user_id=ALICE, name="Scholars", track="student")
    with pytest.raises(TeamNotEligible) as refused:
        await teams.join(user_id=BOB, code=team.invite_code)
    assert refused.value.params["members"] == f"<@{BOB}>"
    with pytest.raises(TeamNotEligible):
        await teams.admin_move(actor_id=ORGANIZER, member_id=BOB, team_id=team.id)
    assert await teams.team_of(BOB) is None
    bob_proof = await services.eligibility.submit_proof(
        user_id=BOB, track="student", file=CARD, locale="en-US"
    )
    await services.eligibility.approve(actor_id=ORGANIZER, proof_id=bob_proof.id)
    joined = await teams.join(user_id=BOB, code=team.invite_code)
    assert set(joined.remaining) == {ALICE, BOB}


async def test_an_open_track_lets_any_team_in(services: Services) -> None:
    team = await services.teams.create(user_id=ALICE, name="Pros", track="professional")
    await services.teams.join(user_id=BOB, code=team.invite_code)


async def test_email_codes_are_hashed_off_the_event_loop_and_outside_the_writer(
    mailed: Services, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    probe = HashProbe(monkeypatch, eligibility_module, mailed.eligibility.db)
    await _send(mailed)
    with pytest.raises(WrongCode):
        await mailed.eligibility.confirm(user_id=ALICE, code="x" + smtp.inbox.code()[1:])
    await mailed.eligibility.confirm(user_id=ALICE, code=smtp.inbox.code())
    assert probe.calls == [(False, 0)] * 3
