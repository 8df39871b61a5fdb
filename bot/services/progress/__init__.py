"""Progress milestones (issue 17): team stages, their funnel, the stuck alert and the
clinic scheduled from it. ``ProgressService`` (``service``) is the whole of it."""

from bot.services.progress.errors import (
    AlertNotFound,
    AutoStage,
    BadEvidenceLink,
    ClinicScheduled,
    EvidenceRequired,
    NothingToUndo,
    SameStage,
    StageReached,
    UnknownStage,
)
from bot.services.progress.models import (
    Evidence,
    FunnelGroup,
    StageChange,
    StuckAlert,
    TeamProgress,
)
from bot.services.progress.service import (
    ALERT_PUBLICATION,
    CLINIC_DURATION,
    STUCK_JOB,
    Position,
    ProgressService,
    stuck_stages,
)

__all__ = [
    "ALERT_PUBLICATION",
    "CLINIC_DURATION",
    "STUCK_JOB",
    "AlertNotFound",
    "AutoStage",
    "BadEvidenceLink",
    "ClinicScheduled",
    "Evidence",
    "EvidenceRequired",
    "FunnelGroup",
    "NothingToUndo",
    "Position",
    "ProgressService",
    "SameStage",
    "StageChange",
    "StageReached",
    "StuckAlert",
    "TeamProgress",
    "UnknownStage",
    "stuck_stages",
]
