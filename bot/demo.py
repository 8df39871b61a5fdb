"""``podium seed-demo``: a realistic demo competition in a fresh database.

Everything goes through the real services, on a :class:`FrozenClock` walked from 15 days
ago to now, so the rows look as the bot would have written them: teams in both tracks with
English and Chinese names, members in every cohort, two weeks of points, a contest whose
voting has closed (with one brushing cluster), Q&A sessions, WhatsApp subscribers and a
broadcast whose messages sit in every delivery state, 14 days of activity, NPS answers and
the audit entries all of that leaves. Deterministic: the same seed gives the same data
(dates are relative to now). Phone numbers are in the fictional +1 555 01xx range.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from bot.bootstrap import build_services
from bot.clock import FrozenClock
from bot.config import CompetitionConfig
from bot.services.broadcasts import occurrence_key
from bot.services.contests import Submission
from bot.services.registry import Services
from bot.services.teams import Team
from bot.services.whatsapp import WhatsAppSetup
from storage.engine import Database
from storage.queries import dashboard as dashboard_queries

ORGANIZER_ID = 1
FIRST_MEMBER_ID = 310_000_000_000_000_001
SEED = 20261125

TEAM_NAMES = (
    "Silk Road Sellers", "长风电商", "Harbor Hustlers", "跨境先锋", "Pixel Bazaar", "星火小队",
    "Cloud Cart", "丝路之光", "Dragon Dispatch", "海淘达人", "Night Owls Trading", "青云志",
    "Global Gadgets", "云端小铺", "Panda Parcel", "远航工作室", "Bright Basket", "极光物流",
    "Market Makers", "出海小分队", "Lantern Labs", "百川汇海", "Swift Ship", "新锐商队",
)  # fmt: skip
CONTEST_TITLES = (
    "Unboxing in 60 seconds", "我们的第一笔海外订单", "Packaging that travels",
    "Night market live stream", "客服的一天", "Store front makeover",
)  # fmt: skip


class DemoRefused(Exception):
    """The database already holds a competition; the demo only fills a fresh one."""


@dataclass(slots=True)
class DemoReport:
    """What the demo created (counts), for the command's summary."""

    teams: int = 0
    members: int = 0
    ledger_entries: int = 0
    contests: int = 0
    votes: int = 0
    sessions: int = 0
    subscribers: int = 0
    outbox: dict[str, int] = field(default_factory=dict)
    activity_days: int = 0
    nps_answers: int = 0
    organizer_id: int = ORGANIZER_ID
    phones: list[str] = field(default_factory=list)
    user_ids: list[int] = field(default_factory=list)
    contest_id: int | None = None


def demo_phone(index: int) -> str:
    """The ``index``-th fictional number: +1 (area) 555-0100 … 555-0199."""
    return f"+1202555{100 + index % 100:04d}"


async def seed_demo(
    db: Database, competition: CompetitionConfig, *, now: dt.datetime, seed: int = SEED
) -> DemoReport:
    """Fill a fresh, migrated database with the demo competition; ``now`` is the real
    current instant (aware). Raises DemoRefused when any team exists already."""
    async with db.read() as conn:
        if await dashboard_queries.has_teams(conn):
            raise DemoRefused()
    rng = random.Random(seed)
    clock = FrozenClock(now - dt.timedelta(days=15))
    # No relay runs in the demo: codes are not queued, members link with the wa.me message.
    services = build_services(
        db=db,
        clock=clock,
        competition=competition,
        guild_id=0,
        whatsapp_setup=WhatsAppSetup(bot_number="+12025550100", send_codes=False),
    )
    report = DemoReport()
    members = await _members_and_teams(services, clock, rng, report)
    await _points(services, clock, now, rng, members, report)
    await _contest(services, clock, now, rng, members, report)
    await _activity(services, clock, now, rng, members, report)
    clock.set(now - dt.timedelta(minutes=5))
    await _whatsapp_and_broadcast(services, rng, members, report)
    await _sessions(services, now, report)
    await _nps(services, rng, members, report)
    return report


@dataclass(frozen=True, slots=True)
class _Member:
    user_id: int
    name: str
    cohort: str
    team: Team
    created_at: dt.datetime
    joined_at: dt.datetime


async def _members_and_teams(
    services: Services, clock: FrozenClock, rng: random.Random, report: DemoReport
) -> list[_Member]:
    tracks = [t.key for t in services.competition.tracks]
    cohorts = [c.key for c in services.competition.cohorts]
    members: list[_Member] = []
    next_id = FIRST_MEMBER_ID
    start = clock.now()
    for index, name in enumerate(TEAM_NAMES):
        track = tracks[(index // 2) % len(tracks)]
        cohort = cohorts[min(index * len(cohorts) // len(TEAM_NAMES), len(cohorts) - 1)]
        team: Team | None = None
        for seat in range(rng.randint(2, 4)):
            user_id = next_id
            next_id += rng.randint(1_000, 90_000)
            display = f"{name.split()[0]} member {seat + 1}"
            created = start - dt.timedelta(
                days=rng.randint(60, 2_000), minutes=rng.randint(0, 1439)
            )
            joined = start - dt.timedelta(days=rng.randint(20, 90), minutes=rng.randint(0, 1439))
            await services.members.seen(
                user_id=user_id,
                display_name=display,
                locale="zh-CN" if index % 2 else "en-US",
                account_created_at=created,
                joined_guild_at=joined,
            )
            await services.cohorts.assign(
                actor_id=ORGANIZER_ID, user_id=user_id, display_name=display, cohort=cohort
            )
            if team is None:
                team = await services.teams.create(user_id=user_id, name=name, track=track)
            else:
                await services.teams.join(user_id=user_id, code=team.invite_code)
            members.append(_Member(user_id, display, cohort, team, created, joined))
            clock.advance(dt.timedelta(minutes=rng.randint(2, 30)))
        report.teams += 1
    report.members = len(members)
    report.user_ids = [m.user_id for m in members]
    return members


async def _points(
    services: Services,
    clock: FrozenClock,
    now: dt.datetime,
    rng: random.Random,
    members: list[_Member],
    report: DemoReport,
) -> None:
    teams = list({m.team.id: m.team for m in members}.values())
    clock.set(now)
    this_week = services.points.current_week()
    last_week_start = this_week.start - dt.timedelta(days=7)
    reasons = ("Weekly sales target", "Best customer review", "Workshop homework", "直播复盘")
    for when in (
        last_week_start + dt.timedelta(days=2),
        max(this_week.start, now - dt.timedelta(hours=6)),
    ):
        clock.set(when)
        for team in teams:
            for _ in range(rng.randint(1, 3)):
                await services.points.award(
                    actor_id=ORGANIZER_ID,
                    team=team.name,
                    amount=rng.choice((10, 15, 20, 25, 30, 40, 50)),
                    reason=rng.choice(reasons),
                )
                report.ledger_entries += 1
            clock.advance(dt.timedelta(seconds=rng.randint(5, 90)))


async def _contest(
    services: Services,
    clock: FrozenClock,
    now: dt.datetime,
    rng: random.Random,
    members: list[_Member],
    report: DemoReport,
) -> None:
    opened = now - dt.timedelta(days=9)
    clock.set(opened - dt.timedelta(hours=1))
    contest = await services.contests.create(
        actor_id=ORGANIZER_ID,
        name="Best unboxing video",
        category="video",
        submissions_open=opened,
        submissions_close=opened + dt.timedelta(days=3),
        voting_close=opened + dt.timedelta(days=6),
    )
    report.contests = 1
    report.contest_id = contest.id
    clock.set(opened + dt.timedelta(hours=2))
    captains: dict[int, _Member] = {}
    for member in members:
        captains.setdefault(member.team.id, member)
    entrants = list(captains.values())[: len(CONTEST_TITLES)]
    entries: list[Submission] = []
    for member, title in zip(entrants, CONTEST_TITLES, strict=True):
        submission = await services.contests.submit(
            user_id=member.user_id,
            contest=contest.id,
            title=title,
            url=f"https://example.com/demo/{len(entries) + 1}",
        )
        entries.append(submission)
        clock.advance(dt.timedelta(minutes=rng.randint(10, 200)))
    clock.set(opened + dt.timedelta(days=3, hours=1))
    for member in members:
        if rng.random() < 0.6:
            continue
        for entry in rng.sample(entries, k=rng.randint(1, 3)):
            if entry.team_id == member.team.id:
                continue
            await services.contests.vote(
                submission_id=entry.id,
                voter_id=member.user_id,
                account_created_at=member.created_at,
                joined_at=member.joined_at,
            )
            report.votes += 1
            clock.advance(dt.timedelta(seconds=rng.randint(20, 900)))
    # One brushing cluster: four accounts made and joined minutes apart vote together.
    clock.set(opened + dt.timedelta(days=4, hours=3))
    target = entries[-1]
    made = opened - dt.timedelta(days=20)
    for index in range(4):
        user_id = FIRST_MEMBER_ID - 1_000 * (index + 1)
        created = made + dt.timedelta(minutes=2 * index)
        await services.members.seen(
            user_id=user_id,
            display_name=f"fresh account {index + 1}",
            locale="en-US",
            account_created_at=created,
            joined_guild_at=created + dt.timedelta(hours=1),
        )
        await services.contests.vote(
            submission_id=target.id,
            voter_id=user_id,
            account_created_at=created,
            joined_at=created + dt.timedelta(hours=1),
        )
        report.votes += 1
        report.user_ids.append(user_id)
        clock.advance(dt.timedelta(seconds=40))
    clock.set(opened + dt.timedelta(days=6, minutes=1))
    await services.contests.close(actor_id=None, contest=contest.id)


async def _activity(
    services: Services,
    clock: FrozenClock,
    now: dt.datetime,
    rng: random.Random,
    members: list[_Member],
    report: DemoReport,
) -> None:
    weights = {c.key: 0.75 - 0.15 * i for i, c in enumerate(services.competition.cohorts)}
    for days_ago in range(13, -1, -1):
        clock.set(now - dt.timedelta(days=days_ago, hours=1))
        trend = 1.0 - 0.02 * days_ago
        for member in members:
            if rng.random() < weights.get(member.cohort, 0.5) * trend:
                services.activity.record(member.user_id, "message", count=rng.randint(1, 12))
                if rng.random() < 0.5:
                    services.activity.record(member.user_id, "interaction")
        await services.activity.flush()
        report.activity_days += 1


async def _whatsapp_and_broadcast(
    services: Services, rng: random.Random, members: list[_Member], report: DemoReport
) -> None:
    subscribers = [m for m in members if rng.random() < 0.7][:40]
    for index, member in enumerate(subscribers, start=1):
        phone = demo_phone(index)
        started = await services.whatsapp.start_link(
            user_id=member.user_id,
            phone=phone,
            language="zh_CN" if "member" in member.name and index % 3 == 0 else "en",
            consent_text="I agree to receive competition messages on WhatsApp (demo).",
        )
        # As if the member had sent the wa.me link's message from their phone.
        await services.whatsapp.handle_inbound(
            phone=phone, body=f"LINK {started.link_code}", message_sid=f"SMdemo{index:028d}"
        )
        report.phones.append(phone)
    report.subscribers = len(subscribers)
    info = await services.broadcasts.schedule(
        actor_id=ORGANIZER_ID,
        message="Week 3 kicks off: submit your store review by Friday! 第三周开始啦！",
        when=None,
        audience="all",
        channels="whatsapp",
    )
    if info.next_run_at is None:  # pragma: no cover - a one-off "now" broadcast has a run
        return
    await services.broadcasts.fire(info.id, occurrence_key(info.id, info.next_run_at))
    async with services.db.read() as conn:
        ids = await dashboard_queries.outbox_ids(conn, f"broadcast:{info.id}:")
    # Every delivery state, in funnel-like proportions; the last subscriber opts out.
    plan = ["read"] * 12 + ["delivered"] * 9 + ["sent"] * 6 + ["failed"] * 3 + ["undelivered"]
    for outbox_id, status in zip(ids[:-5], plan, strict=False):
        sid = f"SM{outbox_id:032x}"
        for step in ("sent", "delivered", "read"):
            if status in ("failed", "undelivered"):
                await services.outbox.apply_status(
                    outbox_id=outbox_id, sid=sid, twilio_status=status, error_code=63016
                )
                break
            await services.outbox.apply_status(
                outbox_id=outbox_id, sid=sid, twilio_status=step, error_code=None
            )
            if step == status:
                break
    await services.whatsapp.unlink(user_id=subscribers[-1].user_id)
    async with services.db.read() as conn:
        report.outbox = await dashboard_queries.outbox_by_status(conn)


async def _sessions(services: Services, now: dt.datetime, report: DemoReport) -> None:
    tz = services.competition.competition.tz
    plans = (
        ("Weekly office hours", "official", 2, "60m", "all"),
        (
            "Cross-border logistics clinic / 跨境物流诊所",
            "expert_clinic",
            4,
            "90m",
            "advanced,elite",
        ),
        ("Alumni: how we won last season", "alumni", 6, "45m", "rookie"),
    )
    cohorts = {c.key for c in services.competition.cohorts}
    for title, kind, in_days, duration, audience in plans:
        if not set(audience.split(",")) <= cohorts:
            audience = "all"
        start = (
            (now + dt.timedelta(days=in_days))
            .astimezone(tz)
            .replace(hour=20, minute=0, second=0, microsecond=0)
        )
        await services.qa.schedule(
            actor_id=ORGANIZER_ID,
            title=title,
            kind=kind,
            start=start.isoformat(),
            duration=duration,
            host_id=ORGANIZER_ID,
            audience=audience,
        )
        report.sessions += 1


async def _nps(
    services: Services, rng: random.Random, members: list[_Member], report: DemoReport
) -> None:
    survey = await services.surveys.create(
        actor_id=ORGANIZER_ID,
        question="How likely are you to recommend this competition to a friend?",
        channel_id=None,
    )
    for member in members:
        if rng.random() < 0.55:
            score = rng.choices(range(11), weights=(1, 1, 1, 1, 2, 2, 3, 5, 8, 9, 8))[0]
            await services.surveys.answer(survey_id=survey.id, user_id=member.user_id, score=score)
            report.nps_answers += 1
