"""Tables of results scoring: each team's scored week and the ledger entry that holds it."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
)

from storage.schema.core import metadata
from storage.types import UTCDateTime

#: A team's results points for one week as last scored: ``points`` the formula gave,
#: ``entry_id`` the ``results`` ledger entry holding them (None when 0 points or nothing
#: could be credited), ``revision`` how many times the points changed (part of the
#: entry's reference, so a re-score credits each new amount exactly once), ``details``
#: the per-metric breakdown as scored: ``{metric: [value, normalized, weight, points]}``
#: (rows scored before round 18 hold a list of ``{"metric", "value", "normalized",
#: "weight", "points"}`` objects instead; the product never reads it back).
results_week_scores = Table(
    "results_week_scores",
    metadata,
    Column("season", String(32), nullable=False),
    Column("week_key", String(16), nullable=False),
    Column("team_id", BigInteger, ForeignKey("teams.id", ondelete="CASCADE"), nullable=False),
    Column("track", String(20), nullable=False),
    Column("points", Integer, nullable=False),
    Column("credited", Integer, nullable=False),
    Column("entry_id", BigInteger, ForeignKey("points_ledger.id"), nullable=True),
    Column("revision", Integer, nullable=False),
    Column("details", JSON, nullable=False),
    Column("scored_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("season", "week_key", "team_id", name="pk_results_week_scores"),
    Index("ix_results_week_scores_season_week_key_track", "season", "week_key", "track"),
)


#: How many times the season's scoring inputs were written: every write of orders, daily
#: aggregates or an order's review moves it (in the same transaction), so a week scored
#: at one revision need not be scored again while it stands.
results_revisions = Table(
    "results_revisions",
    metadata,
    Column("season", String(32), primary_key=True),
    Column("revision", BigInteger, nullable=False),
)

#: The season revision at which each team's scoring inputs were last written (the same
#: transaction as the write, beside ``results_revisions``): what changed since a revision,
#: so a process that computed every team's metrics of a week at one revision recomputes
#: only those teams' after a correction. ``team_id`` 0 stands for every team.
results_team_revisions = Table(
    "results_team_revisions",
    metadata,
    Column("season", String(32), nullable=False),
    Column("team_id", BigInteger, nullable=False),
    Column("revision", BigInteger, nullable=False),
    PrimaryKeyConstraint("season", "team_id", name="pk_results_team_revisions"),
    Index("ix_results_team_revisions_season_revision", "season", "revision"),
)

#: What each week's last complete scoring run saw: the inputs' revision and a digest of
#: the scoring configuration and the scored teams (``fingerprint``). A run that finds the
#: same fingerprint has nothing to do.
results_week_runs = Table(
    "results_week_runs",
    metadata,
    Column("season", String(32), nullable=False),
    Column("week_key", String(16), nullable=False),
    Column("fingerprint", String(100), nullable=False),
    Column("scored_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("season", "week_key", name="pk_results_week_runs"),
)
