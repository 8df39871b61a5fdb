"""The database schema: every table, as SQLAlchemy Core metadata, one module per feature.

Alembic migrations in ``storage/migrations/versions`` create these tables; a test checks
that the migrated database matches this metadata, so the two cannot drift apart. Every
table registers on the one ``metadata`` (``core``); this package exports them all, so
queries read ``from storage.schema import teams``.
"""

from __future__ import annotations

from storage.schema.capacity import capacity_entries, capacity_offers, capacity_tracks
from storage.schema.contests import contest_results, contests, submissions, vote_events, votes
from storage.schema.core import (
    NAMING_CONVENTION,
    audit_log,
    discord_posts,
    guild_resources,
    members,
    metadata,
    scheduled_jobs,
)
from storage.schema.engagement import (
    activity_actives_daily,
    activity_actives_weekly,
    activity_alerts,
    activity_daily,
    activity_rollup_state,
    nps_responses,
    nps_surveys,
)
from storage.schema.judging import (
    judges,
    judging_assignments,
    judging_entries,
    judging_results,
    judging_rounds,
    judging_score_sheets,
)
from storage.schema.lfg import lfg_card_tags, lfg_cards, lfg_invites
from storage.schema.moderation import entry_moderation, entry_reports
from storage.schema.points import (
    point_imports,
    points_ledger,
    season_alumni,
    season_closures,
    team_week_points,
)
from storage.schema.progress import progress_alerts, progress_events, team_progress
from storage.schema.qa import qa_attendance, qa_questions, qa_rsvps, qa_sessions, qa_votes
from storage.schema.registration import (
    eligibility_codes,
    eligibility_grants,
    eligibility_proofs,
    profile_consents,
    profiles,
)
from storage.schema.results import (
    results_import_staged,
    results_imports,
    store_daily,
    store_order_history,
    store_orders,
)
from storage.schema.results_fraud import results_flags
from storage.schema.results_scoring import (
    results_revisions,
    results_team_revisions,
    results_week_runs,
    results_week_scores,
)
from storage.schema.teams import cohort_imports, team_members, team_registration_locks, teams
from storage.schema.web import (
    judge_login_tokens,
    judge_sessions,
    judging_live,
    web_login_tokens,
    web_secrets,
    web_sessions,
)
from storage.schema.whatsapp import (
    broadcasts,
    consent_records,
    outbox,
    subscribers,
    verification_codes,
    webhook_receipts,
)

__all__ = [
    "NAMING_CONVENTION",
    "activity_actives_daily",
    "activity_actives_weekly",
    "activity_alerts",
    "activity_daily",
    "activity_rollup_state",
    "audit_log",
    "broadcasts",
    "capacity_entries",
    "capacity_offers",
    "capacity_tracks",
    "cohort_imports",
    "consent_records",
    "contest_results",
    "contests",
    "discord_posts",
    "eligibility_codes",
    "eligibility_grants",
    "eligibility_proofs",
    "entry_moderation",
    "entry_reports",
    "guild_resources",
    "judge_login_tokens",
    "judge_sessions",
    "judges",
    "judging_assignments",
    "judging_entries",
    "judging_live",
    "judging_results",
    "judging_rounds",
    "judging_score_sheets",
    "lfg_card_tags",
    "lfg_cards",
    "lfg_invites",
    "members",
    "metadata",
    "nps_responses",
    "nps_surveys",
    "outbox",
    "point_imports",
    "points_ledger",
    "profile_consents",
    "profiles",
    "progress_alerts",
    "progress_events",
    "qa_attendance",
    "qa_questions",
    "qa_rsvps",
    "qa_sessions",
    "qa_votes",
    "results_flags",
    "results_import_staged",
    "results_imports",
    "results_revisions",
    "results_team_revisions",
    "results_week_runs",
    "results_week_scores",
    "scheduled_jobs",
    "season_alumni",
    "season_closures",
    "store_daily",
    "store_order_history",
    "store_orders",
    "submissions",
    "subscribers",
    "team_members",
    "team_progress",
    "team_registration_locks",
    "team_week_points",
    "teams",
    "verification_codes",
    "vote_events",
    "votes",
    "web_login_tokens",
    "web_secrets",
    "web_sessions",
    "webhook_receipts",
]
