"""Wiring in one place: builds every service from settings, config, database and clock.

No module creates a service at import time; tests call ``build_services`` with a temporary
database and a frozen clock and get the same object graph the real process uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.config import CompetitionConfig
from bot.scheduler import Scheduler
from bot.services.audit import AuditService
from bot.services.maintenance import MaintenanceService
from bot.services.members import MemberService
from bot.services.outbox import OutboxService
from bot.services.setup import GuildSetupService
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


def build_services(
    *, db: Database, clock: Clock, competition: CompetitionConfig, guild_id: int
) -> Services:
    """Create the services for one competition server."""
    audit = AuditService(db, clock)
    scheduler = Scheduler(db, clock, grace=competition.reminders.grace_period)
    return Services(
        db=db,
        clock=clock,
        competition=competition,
        scheduler=scheduler,
        audit=audit,
        members=MemberService(db, clock),
        setup=GuildSetupService(db, clock, competition, audit, guild_id),
        maintenance=MaintenanceService(db, clock, competition),
        outbox=OutboxService(db, clock, competition),
    )
