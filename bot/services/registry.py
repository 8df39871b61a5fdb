"""The ``Services`` type: every domain service of one process, as ``bot/bootstrap.py`` builds
them. Cogs, the web app and the WhatsApp adapter reach the services through it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
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
from bot.services.registration import EligibilityService, ProfileService
from bot.services.results import ResultsService
from bot.services.results.scoring_service import ResultsScoringService
from bot.services.setup import GuildSetupService
from bot.services.surveys import SurveyService
from bot.services.teams import TeamService
from bot.services.web_auth import WebAuthService
from bot.services.whatsapp import WhatsAppService
from storage.engine import Database


@dataclass(slots=True)
class Services:
    """Every domain service, built once per process."""

    db: Database
    clock: Clock
    competition: CompetitionConfig
    scheduler: Scheduler
    audit: AuditService
    members: MemberService
    setup: GuildSetupService
    maintenance: MaintenanceService
    outbox: OutboxService
    whatsapp: WhatsAppService
    broadcasts: BroadcastService
    points: PointsService
    teams: TeamService
    cohorts: CohortService
    contests: ContestService
    qa: QAService
    dashboard: DashboardService
    web_auth: WebAuthService
    activity: ActivityService
    surveys: SurveyService
    privacy: PrivacyService
    posts: PostService
    calendar: CalendarService
    lfg: LfgService
    capacity: CapacityService
    profiles: ProfileService
    eligibility: EligibilityService
    judging: JudgingService
    judge_access: JudgeAccessService
    judging_live: LiveFinalService
    results: ResultsService
    results_scoring: ResultsScoringService
    fraud: FraudService
    progress: ProgressService
