"""Fraud checks on store results (issue 17): rules, the scan, flags and decisions."""

from __future__ import annotations

from bot.services.fraud.errors import (
    BulkNeedsFilter,
    FlagAlreadyConfirmed,
    FlagAlreadyDecided,
    FlagNotFound,
    FlagWithdrawn,
    NoOpenFlags,
    UnknownRule,
)
from bot.services.fraud.models import (
    CLEARED,
    CONFIRMED,
    DECISIONS,
    OPEN,
    WITHDRAWN,
    Decision,
    Flag,
    FlagPage,
    ScanResult,
)
from bot.services.fraud.rules import RULES, TEAM_LEVEL
from bot.services.fraud.service import PAGE_SIZE, SCAN_JOB, FraudService, ImportEvent

__all__ = [
    "CLEARED",
    "CONFIRMED",
    "DECISIONS",
    "OPEN",
    "PAGE_SIZE",
    "RULES",
    "SCAN_JOB",
    "TEAM_LEVEL",
    "WITHDRAWN",
    "BulkNeedsFilter",
    "Decision",
    "Flag",
    "FlagAlreadyConfirmed",
    "FlagAlreadyDecided",
    "FlagNotFound",
    "FlagPage",
    "FlagWithdrawn",
    "FraudService",
    "ImportEvent",
    "NoOpenFlags",
    "ScanResult",
    "UnknownRule",
]
