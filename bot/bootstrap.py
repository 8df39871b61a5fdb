"""Wiring in one place: builds every service from settings, config, database and clock.

No module creates a service at import time; tests call ``build_services`` with a temporary
database and a frozen clock and get the same object graph the real process uses.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.clock import Clock, SystemClock
from bot.config import CompetitionConfig
from bot.scheduler import Scheduler
from bot.services.activity import ActivityService
from bot.services.audit import AuditService
from bot.services.broadcasts import BroadcastService
from bot.services.calendar import CalendarService
from bot.services.capacity import CapacityService
from bot.services.cohorts import CohortService
from bot.services.contests import ContestService
from bot.services.dashboard import DashboardService
from bot.services.fraud import FraudService
from bot.services.judge_access import JudgeAccessService
from bot.services.judging import JudgingService
from bot.services.judging_live import LiveFinalService
from bot.services.lfg import LfgService
from bot.services.maintenance import MaintenanceService
from bot.services.members import MemberService
from bot.services.outbox import OutboxService
from bot.services.points import PointsService
from bot.services.posts import PostService
from bot.services.privacy import PrivacyService
from bot.services.progress import ProgressService
from bot.services.qa import QAService
from bot.services.registration import EligibilityService, Mailer, ProfileService
from bot.services.registry import Services
from bot.services.results import ResultsService
from bot.services.results.scoring_service import ResultsScoringService
from bot.services.setup import GuildSetupService
from bot.services.surveys import SurveyService
from bot.services.teams import TeamService
from bot.services.web_auth import WebAuthService
from bot.services.whatsapp import WhatsAppService, WhatsAppSetup
from storage.engine import Database
from storage.migrate import migrate


def build_services(
    *,
    db: Database,
    clock: Clock,
    competition: CompetitionConfig,
    guild_id: int,
    whatsapp_setup: WhatsAppSetup | None = None,
    mailer: Mailer | None = None,
) -> Services:
    """Create the services for one competition server; ``whatsapp_setup``: None keeps WhatsApp
    linking off (Twilio not configured); ``mailer``: None keeps e-mail codes off (no SMTP)."""
    # In dependency order: each service is built after the ones it is given.
    audit = AuditService(db, clock)
    scheduler = Scheduler(db, clock, grace=competition.reminders.grace_period)
    points = PointsService(db, clock, competition, audit)
    outbox = OutboxService(db, clock, competition, leases=scheduler.leases)
    posts = PostService(db, clock, owner=str(scheduler.owner))  # its lease key
    activity = ActivityService(db, clock, competition)
    members = MemberService(db, clock)
    eligibility = EligibilityService(db, clock, competition, audit, mailer, scheduler)
    teams = TeamService(db, clock, competition, audit, gate=eligibility)
    lfg = LfgService(db, clock, competition, teams)
    teams.member_joined_hooks.append(lfg.member_joined)
    surveys = SurveyService(db, clock, audit)
    capacity = CapacityService(db, clock, competition, audit, scheduler)
    teams.listeners.append(capacity)
    contests = ContestService(db, clock, competition, audit, points, scheduler, activity=activity)
    web_auth = WebAuthService(db, clock, audit)
    qa = QAService(db, clock, competition, audit, scheduler, outbox, points)
    judging = JudgingService(db, clock, competition, audit, points, outbox, scheduler)
    results = ResultsService(db, clock, competition, audit)
    fraud = FraudService(db, clock, competition, audit, scheduler)
    # After each applied import: fraud checks on the imported teams (and the season's
    # cross-team rules), then progress stages reached through the new orders.
    progress = ProgressService(db, clock, competition, audit, scheduler, qa)
    results.on_applied(fraud.on_import_applied)
    results.on_applied(progress.on_results_applied)
    return Services(
        db=db,
        clock=clock,
        competition=competition,
        scheduler=scheduler,
        audit=audit,
        members=members,
        setup=GuildSetupService(db, clock, competition, audit, guild_id),
        maintenance=MaintenanceService(db, clock, competition),
        outbox=outbox,
        whatsapp=WhatsAppService(db, clock, competition, audit, whatsapp_setup),
        broadcasts=BroadcastService(db, clock, competition, audit, scheduler, outbox, posts),
        points=points,
        teams=teams,
        cohorts=CohortService(db, clock, competition, audit, points),
        contests=contests,
        qa=qa,
        dashboard=DashboardService(
            db, clock, competition, audit, points, contests, activity, surveys
        ),
        web_auth=web_auth,
        activity=activity,
        surveys=surveys,
        privacy=PrivacyService(db, clock, competition, audit, teams, members, activity=activity),
        posts=posts,
        calendar=CalendarService(db, clock, competition, scheduler, outbox, qa, contests),
        lfg=lfg,
        capacity=capacity,
        profiles=ProfileService(db, clock, competition),
        eligibility=eligibility,
        judging=judging,
        judge_access=JudgeAccessService(db, clock, audit, web_auth, judging),
        judging_live=LiveFinalService(db, clock, audit, judging, qa, scheduler),
        results=results,
        results_scoring=ResultsScoringService(db, clock, competition, results, audit, points),
        fraud=fraud,
        progress=progress,
    )


@asynccontextmanager
async def migrated_services(
    database_url: str, competition: CompetitionConfig, *, guild_id: int, clock: Clock | None = None
) -> AsyncIterator[Services]:
    """The whole service graph on a migrated database, disposed on exit: what a one-shot
    command (``podium export``, ``import-points``, ``dashboard-link``) works with."""
    db = Database(database_url)
    try:
        await migrate(db)
        yield build_services(
            db=db, clock=clock or SystemClock(), competition=competition, guild_id=guild_id
        )
    finally:
        await db.dispose()
