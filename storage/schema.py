"""The database schema: every table, as SQLAlchemy Core metadata.

Alembic migrations in ``storage/migrations/versions`` create these tables; a test checks
that the migrated database matches this metadata, so the two cannot drift apart.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)

from storage.types import BigIntPK, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

#: Everyone the bot has seen interact, with what the features share about them.
members = Table(
    "members",
    metadata,
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("display_name", String(100), nullable=False),
    Column("locale", String(10), nullable=False, server_default="en"),
    Column("cohort_key", String(20), nullable=True),
    Column("account_created_at", UTCDateTime, nullable=True),
    Column("joined_guild_at", UTCDateTime, nullable=True),
    Column("first_seen_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("left_guild_at", UTCDateTime, nullable=True),
)

#: Every organizer action and every automatic repair, append-only.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor_id", BigInteger, nullable=True),  # NULL: the bot itself
    Column("action", String(64), nullable=False),
    Column("target", String(200), nullable=True),
    Column("details", JSON, nullable=False, default=dict),
    Index("ix_audit_log_at", "at"),
    Index("ix_audit_log_actor_id", "actor_id"),
)

#: Discord roles and channels the config names, with the ids found or created for them.
guild_resources = Table(
    "guild_resources",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("guild_id", BigInteger, nullable=False),
    Column("kind", String(16), nullable=False),  # role | category | channel
    Column("key", String(64), nullable=False),  # e.g. "cohort:rookie", "channel:leaderboard"
    Column("name", String(100), nullable=False),
    Column("discord_id", BigInteger, nullable=False),
    Column("created_by_bot", Boolean, nullable=False, default=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("guild_id", "kind", "key", name="uq_guild_resources_guild_kind_key"),
)

#: Durable timers. The rows are the truth; the in-memory scheduler is rebuilt from them.
scheduled_jobs = Table(
    "scheduled_jobs",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("kind", String(64), nullable=False),
    Column("key", String(200), nullable=False, unique=True),  # one row per occurrence
    Column("run_at", UTCDateTime, nullable=False),
    Column("status", String(16), nullable=False, default="pending"),
    Column("payload", JSON, nullable=False, default=dict),
    Column("attempts", Integer, nullable=False, default=0),
    Column("claimed_at", UTCDateTime, nullable=True),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_scheduled_jobs_status_run_at", "status", "run_at"),
)

#: The journal of every Discord post Podium makes on its own (broadcasts, Q&A notices,
#: weekly and final boards, contest results, drop alerts): one row per post ``key``, claimed
#: before sending by one process (``owner``) so two paths never post it both; ``claimed_at``
#: bounds the search for a post a dead process may have made. ``nonce``: the nonce of a claim
#: made before the journals were merged (migration 0013); otherwise it comes from the id.
discord_posts = Table(
    "discord_posts",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("key", String(200), nullable=False),
    Column("status", String(16), nullable=False),  # claimed | posted | failed
    Column("owner", String(32), nullable=False),
    Column("claimed_at", UTCDateTime, nullable=False),
    Column("channel_id", BigInteger, nullable=True),
    Column("message_id", BigInteger, nullable=True),
    Column("error", String(200), nullable=True),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("nonce", String(25), nullable=True),
    UniqueConstraint("key", name="uq_discord_posts_key"),
)

#: Teams, per season. ``name_key`` is the name after NFKC + casefold, unique among the
#: season's active teams; disbanded teams keep their row so ledger history stays readable.
teams = Table(
    "teams",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("season", String(32), nullable=False),
    Column("name", String(64), nullable=False),
    Column("name_key", String(128), nullable=False),
    Column("track", String(20), nullable=False),
    Column("captain_id", BigInteger, nullable=False),
    Column("invite_code", String(16), nullable=False, unique=True),
    Column("channel_id", BigInteger, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("disbanded_at", UTCDateTime, nullable=True),
    Index(
        "uq_teams_season_name_key_active",
        "season",
        "name_key",
        unique=True,
        sqlite_where=Column("disbanded_at").is_(None),
        postgresql_where=Column("disbanded_at").is_(None),
    ),
    Index("ix_teams_season_track", "season", "track"),
)

#: Who is in which team. One team per member per season (the unique constraint enforces it).
team_members = Table(
    "team_members",
    metadata,
    Column("team_id", BigInteger, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("season", String(32), nullable=False),
    Column("joined_at", UTCDateTime, nullable=False),
    UniqueConstraint("season", "user_id", name="uq_team_members_season_user_id"),
)

#: A season's team registration closed by an organizer (``/team admin-lock``); no row: open.
team_registration_locks = Table(
    "team_registration_locks",
    metadata,
    Column("season", String(32), primary_key=True),
    Column("locked_at", UTCDateTime, nullable=False),
    Column("locked_by", BigInteger, nullable=True),
)

#: A checked ``/cohort import`` file waiting for (or past) an organizer's confirmation.
#: ``rows`` holds the valid assignments, ``errors`` the refused rows, both as JSON lists.
cohort_imports = Table(
    "cohort_imports",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("actor_id", BigInteger, nullable=False),
    Column("file_name", String(200), nullable=False),
    Column("rows", JSON, nullable=False),
    Column("errors", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("applied_at", UTCDateTime, nullable=True),
    Column("applied_by", BigInteger, nullable=True),
)

#: WhatsApp subscribers: a number linked by a member with recorded consent. ``user_id`` is
#: NULL after the member erased their data; ``opted_out_at`` set means never message it.
subscribers = Table(
    "subscribers",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("user_id", BigInteger, nullable=True, unique=True),
    Column("phone_e164", String(20), nullable=False, unique=True),
    Column("language", String(10), nullable=False, server_default="en"),
    Column("consent_at", UTCDateTime, nullable=False),
    Column("consent_source", String(32), nullable=False),
    Column("consent_text", Text, nullable=False),
    Column("opted_out_at", UTCDateTime, nullable=True),
    Column("last_inbound_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    # When Podium first received the message (or took the Discord action) that last
    # changed consent: an older message arriving later changes nothing (migration 0012).
    Column("consent_changed_at", UTCDateTime, nullable=True),
)

#: One WhatsApp message to one subscriber for one occurrence of something (a weekly board,
#: a broadcast occurrence, a reminder). The unique key makes enqueueing idempotent, so a
#: job that runs twice never sends twice. The relay worker drains queued rows. A
#: verification code is a row too (every message Podium sends is one): it has no
#: subscriber, only ``verification_id``, and is cancelled once that code is gone.
outbox = Table(
    "outbox",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("occurrence_key", String(200), nullable=False),
    Column(
        "subscriber_id",
        BigInteger,
        ForeignKey("subscribers.id", ondelete="CASCADE"),
        nullable=True,
    ),
    Column(
        "verification_id",
        BigInteger,
        ForeignKey("verification_codes.id", ondelete="SET NULL"),
        nullable=True,
    ),
    Column("kind", String(32), nullable=False),  # reminder | broadcast | leaderboard | …
    Column("language", String(10), nullable=False),
    Column("body", Text, nullable=False),  # freeform text, used inside the 24-hour window
    Column("variables", JSON, nullable=False, default=dict),  # template variables outside it
    Column("status", String(16), nullable=False, default="queued"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("last_attempt_at", UTCDateTime, nullable=True),
    Column("twilio_sid", String(40), nullable=True, unique=True),
    Column("error_code", Integer, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # Relay state (migration 0006). ``needs_check``: an attempt may have reached Twilio
    # (crash, timeout, 5xx), so Twilio's message list is consulted before any resend.
    Column("needs_check", Boolean, nullable=False, default=False, server_default=false()),
    Column("claimed_at", UTCDateTime, nullable=True),  # when the row first went `sending`
    Column("status_at", UTCDateTime, nullable=True),  # last status change
    Column("mode", String(10), nullable=True),  # freeform | template, as sent
    Column("last_error", String(200), nullable=True),
    UniqueConstraint(
        "occurrence_key", "subscriber_id", name="uq_outbox_occurrence_key_subscriber_id"
    ),
    Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    Index("ix_outbox_subscriber_id_status", "subscriber_id", "status"),
)

#: The points ledger, append-only: corrections are reversal entries (``reverses_id``), never
#: updates or deletes. ``week_key`` is the competition week the points count for (a
#: reversal counts in the week of the entry it reverses). ``reference`` makes automatic and
#: imported entries idempotent per source; an entry can be reversed at most once.
points_ledger = Table(
    "points_ledger",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("season", String(32), nullable=False),
    Column("team_id", BigInteger, ForeignKey("teams.id"), nullable=False),
    Column("user_id", BigInteger, nullable=True),
    Column("amount", Integer, nullable=False),
    Column("reason", String(200), nullable=False),
    Column("source", String(20), nullable=False),  # award | import | ugc | qa_attendance
    Column("reference", String(200), nullable=True),
    Column("reverses_id", BigInteger, ForeignKey("points_ledger.id"), nullable=True, unique=True),
    Column("week_key", String(16), nullable=False),
    Column("actor_id", BigInteger, nullable=True),  # NULL: the bot itself
    Column("at", UTCDateTime, nullable=False),
    Index("uq_points_ledger_season_source_reference", "season", "source", "reference", unique=True),
    Index("ix_points_ledger_team_id_id", "team_id", "id"),
    Index("ix_points_ledger_team_id_week_key_source", "team_id", "week_key", "source"),
)

#: Per-team weekly totals, written in the same transaction as each ledger entry, so a
#: weekly board reads one week's rows of one track instead of scanning the ledger.
#: ``reached_at`` is when the total last changed: the tie-break "who reached it first".
team_week_points = Table(
    "team_week_points",
    metadata,
    Column("team_id", BigInteger, ForeignKey("teams.id"), primary_key=True),
    Column("week_key", String(16), primary_key=True),
    Column("season", String(32), nullable=False),
    Column("track", String(20), nullable=False),
    Column("total", Integer, nullable=False),
    Column("reached_at", UTCDateTime, nullable=False),
    Index("ix_team_week_points_board", "season", "week_key", "track", "total"),
)

#: A checked points CSV waiting for (or past) an organizer's decision. ``rows`` holds the
#: valid rows, ``errors`` the refused ones (JSON lists). A file (by its SHA-256) is
#: imported at most once per season: the partial unique index enforces it.
point_imports = Table(
    "point_imports",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("season", String(32), nullable=False),
    Column("file_hash", String(64), nullable=False),
    Column("file_name", String(200), nullable=False),
    Column("status", String(16), nullable=False),  # preview | imported | cancelled
    Column("rows", JSON, nullable=False),
    Column("errors", JSON, nullable=False),
    Column("actor_id", BigInteger, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("decided_at", UTCDateTime, nullable=True),
    Column("decided_by", BigInteger, nullable=True),
    Column("entries", Integer, nullable=False, default=0),
    Index(
        "uq_point_imports_season_file_hash_imported",
        "season",
        "file_hash",
        unique=True,
        sqlite_where=text("status = 'imported'"),
        postgresql_where=text("status = 'imported'"),
    ),
)

#: Closed seasons: no points may be added or revoked once a season has a row here.
season_closures = Table(
    "season_closures",
    metadata,
    Column("season", String(32), primary_key=True),
    Column("closed_at", UTCDateTime, nullable=False),
    Column("closed_by", BigInteger, nullable=True),
)

#: Members of a closed season's Top N teams; ``granted_at`` once the Alumni role was given.
season_alumni = Table(
    "season_alumni",
    metadata,
    Column("season", String(32), primary_key=True),
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("team_id", BigInteger, ForeignKey("teams.id"), nullable=False),
    Column("track", String(20), nullable=False),
    Column("rank", Integer, nullable=False),
    Column("granted_at", UTCDateTime, nullable=True),
)

#: A pending link of a number: one per member; two 6-digit codes, hashed (scrypt + salt),
#: valid 10 minutes, 5 attempts. ``consent_text`` is the wording the member was shown.
verification_codes = Table(
    "verification_codes",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("user_id", BigInteger, nullable=False, unique=True),
    Column("phone_e164", String(20), nullable=False),
    Column("language", String(10), nullable=False),
    Column("code_hash", String(128), nullable=False),  # the code sent to the number
    Column("link_hash", String(128), nullable=False),  # the code the number sends us
    Column("salt", String(64), nullable=False),
    Column("consent_text", Text, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)

#: Webhooks already applied: one row per inbound message (``kind`` "inbound", ``key`` its
#: MessageSid) and per status callback ("status", MessageSid:MessageStatus), inserted in
#: the transaction of the webhook's effect, so a replay (Twilio's retry or an attacker's
#: copy of a signed request) changes nothing. Kept for good: a pruned
#: receipt would let an old replay through again.
webhook_receipts = Table(
    "webhook_receipts",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("key", String(80), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    UniqueConstraint("kind", "key", name="uq_webhook_receipts_kind"),
)

#: Consent history, append-only: opt-in (with the wording shown), opt-out, re-subscribe.
consent_records = Table(
    "consent_records",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column(
        "subscriber_id",
        BigInteger,
        ForeignKey("subscribers.id", ondelete="SET NULL"),
        nullable=True,
    ),
    Column("user_id", BigInteger, nullable=True),
    Column("action", String(16), nullable=False),  # opt_in | opt_out | resubscribe | unlink
    Column("source", String(32), nullable=False),  # discord_code | whatsapp_link | keyword …
    Column("wording", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_consent_records_user_id", "user_id"),
)

#: Organizer broadcasts. Each occurrence is one scheduled job ``broadcast:<id>:<UTC ISO>``;
#: ``repeat`` is a cron expression read in the competition timezone.
broadcasts = Table(
    "broadcasts",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("message", Text, nullable=False),
    Column("audience", String(40), nullable=False),  # all | cohort:<key> | track:<key>
    Column("channels", String(10), nullable=False),  # discord | whatsapp | both
    Column("first_run_at", UTCDateTime, nullable=False),
    Column("repeat", String(100), nullable=True),
    Column("template_sid", String(34), nullable=True),
    Column("status", String(16), nullable=False),  # scheduled | done | cancelled
    Column("next_run_at", UTCDateTime, nullable=True),
    Column("created_by", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("cancelled_at", UTCDateTime, nullable=True),
)

#: Disbanded teams only (few): lets a board's rank count skip them without a join per row.
Index(
    "ix_teams_season_disbanded",
    teams.c.season,
    sqlite_where=text("disbanded_at IS NOT NULL"),
    postgresql_where=text("disbanded_at IS NOT NULL"),
)

#: A UGC contest (``/contest create``): submission window, then voting until voting_close.
contests = Table(
    "contests",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("season", String(32), nullable=False),
    Column("name", String(100), nullable=False),
    Column("category", String(100), nullable=False),
    Column("submissions_open", UTCDateTime, nullable=False),
    Column("submissions_close", UTCDateTime, nullable=False),
    Column("voting_close", UTCDateTime, nullable=False),
    Column("max_votes", Integer, nullable=True),  # NULL: [votes] max_votes_per_contest
    Column("gallery_channel_id", BigInteger, nullable=True),  # NULL: channel:gallery
    Column("created_by", BigInteger, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("closed_at", UTCDateTime, nullable=True),
    Column("results_message_id", BigInteger, nullable=True),
    UniqueConstraint("season", "name", name="uq_contests_season_name"),
)

#: An entry. ``team_key`` is the team id when one entry per team applies (NULL otherwise),
#: so the partial unique index enforces that rule for entries not withdrawn.
submissions = Table(
    "submissions",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("contest_id", BigInteger, ForeignKey("contests.id", ondelete="CASCADE"), nullable=False),
    Column("team_id", BigInteger, ForeignKey("teams.id", ondelete="CASCADE"), nullable=False),
    Column("team_key", BigInteger, nullable=True),
    Column("user_id", BigInteger, nullable=False),
    Column("title", String(100), nullable=False),
    Column("url", String(512), nullable=True),
    Column("attachment_url", String(1024), nullable=True),
    Column("attachment_name", String(256), nullable=True),
    Column("attachment_type", String(100), nullable=True),
    Column("attachment_size", BigInteger, nullable=True),
    Column("channel_id", BigInteger, nullable=True),
    Column("message_id", BigInteger, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("withdrawn_at", UTCDateTime, nullable=True),
    Index(
        "uq_submissions_contest_team_active",
        "contest_id",
        "team_key",
        unique=True,
        sqlite_where=Column("withdrawn_at").is_(None),
        postgresql_where=Column("withdrawn_at").is_(None),
    ),
    Index("ix_submissions_contest_id", "contest_id"),
)

#: One vote per member per entry; voided votes stay (with who voided them and why).
votes = Table(
    "votes",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("contest_id", BigInteger, ForeignKey("contests.id", ondelete="CASCADE"), nullable=False),
    Column(
        "submission_id",
        BigInteger,
        ForeignKey("submissions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("voter_id", BigInteger, nullable=False),
    Column("voter_created_at", UTCDateTime, nullable=False),
    Column("voter_joined_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("voided_at", UTCDateTime, nullable=True),
    Column("voided_by", BigInteger, nullable=True),
    Column("void_reason", String(200), nullable=True),
    UniqueConstraint("submission_id", "voter_id", name="uq_votes_submission_id"),
    Index("ix_votes_contest_id_voter_id", "contest_id", "voter_id"),
)

#: Every vote, unvote and void with its time; append-only.
vote_events = Table(
    "vote_events",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("contest_id", BigInteger, nullable=False),
    Column("submission_id", BigInteger, nullable=False),
    Column("voter_id", BigInteger, nullable=False),
    Column("vote_id", BigInteger, nullable=True),
    Column("action", String(10), nullable=False),  # vote | unvote | void
    Column("at", UTCDateTime, nullable=False),
    Index("ix_vote_events_voter_id_at", "voter_id", "at"),
)

#: A closed contest's places; the primary key makes each place exist once.
contest_results = Table(
    "contest_results",
    metadata,
    Column(
        "contest_id",
        BigInteger,
        ForeignKey("contests.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("place", Integer, primary_key=True, autoincrement=False),
    Column("submission_id", BigInteger, nullable=False),
    Column("team_id", BigInteger, nullable=False),
    Column("votes", Integer, nullable=False),
    Column("points", Integer, nullable=False),
)

#: Q&A sessions (official Q&A, expert clinics, alumni sharing). ``starts_at``/``ends_at``
#: are UTC instants computed from the organizer's local input; ``audience`` is a JSON list
#: of cohort keys, empty for every cohort. Reminders and the start notice are scheduled
#: jobs ``qa:<id>:remind:<seconds>`` and ``qa:<id>:start``.
qa_sessions = Table(
    "qa_sessions",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("season", String(32), nullable=False),
    Column("title", String(100), nullable=False),
    Column("kind", String(16), nullable=False),  # official | expert_clinic | alumni
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("host_id", BigInteger, nullable=False),
    Column("audience", JSON, nullable=False),
    Column("status", String(16), nullable=False),  # scheduled | cancelled
    Column("discord_event_id", BigInteger, nullable=True),
    Column("queue_channel_id", BigInteger, nullable=True),
    Column("queue_message_id", BigInteger, nullable=True),
    Column("created_by", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("cancelled_at", UTCDateTime, nullable=True),
    Index("ix_qa_sessions_status_starts_at", "status", "starts_at"),
)

#: Members who want a DM with each reminder of a session.
qa_rsvps = Table(
    "qa_rsvps",
    metadata,
    Column(
        "session_id",
        BigInteger,
        ForeignKey("qa_sessions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("created_at", UTCDateTime, nullable=False),
)

#: Questions in a session's queue; one open question per member per session (the partial
#: unique index enforces it).
qa_questions = Table(
    "qa_questions",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column(
        "session_id", BigInteger, ForeignKey("qa_sessions.id", ondelete="CASCADE"), nullable=False
    ),
    Column("asker_id", BigInteger, nullable=False),
    Column("text", String(300), nullable=False),
    Column("status", String(16), nullable=False),  # open | answered
    Column("channel_id", BigInteger, nullable=True),
    Column("message_id", BigInteger, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("answered_at", UTCDateTime, nullable=True),
    Column("answered_by", BigInteger, nullable=True),
    Index(
        "uq_qa_questions_session_id_asker_id_open",
        "session_id",
        "asker_id",
        unique=True,
        sqlite_where=text("status = 'open'"),
        postgresql_where=text("status = 'open'"),
    ),
)

#: One upvote per member per question.
qa_votes = Table(
    "qa_votes",
    metadata,
    Column(
        "question_id",
        BigInteger,
        ForeignKey("qa_questions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("voter_id", BigInteger, primary_key=True, autoincrement=False),
    Column("created_at", UTCDateTime, nullable=False),
)

#: Check-ins: one per member per session; ``points`` credited (0 without a team or at cap).
qa_attendance = Table(
    "qa_attendance",
    metadata,
    Column(
        "session_id",
        BigInteger,
        ForeignKey("qa_sessions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("team_id", BigInteger, nullable=True),
    Column("points", Integer, nullable=False),
    Column("checked_in_at", UTCDateTime, nullable=False),
)


#: Activity counts per member per competition-local day (counts only, never content).
activity_daily = Table(
    "activity_daily",
    metadata,
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("day", Date, primary_key=True),
    Column("messages", Integer, nullable=False, server_default="0"),
    Column("interactions", Integer, nullable=False, server_default="0"),
    Column("votes", Integer, nullable=False, server_default="0"),
    Index("ix_activity_daily_day", "day", "user_id"),
)

#: One week-over-week drop alert per cohort per week, claimed before it is posted.
activity_alerts = Table(
    "activity_alerts",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("cohort", String(20), nullable=False),  # cohort key, "" for members without one
    Column("week_key", String(10), nullable=False),
    Column("previous_actives", Integer, nullable=False),
    Column("actives", Integer, nullable=False),
    Column("drop_percent", Integer, nullable=False),
    Column("status", String(16), nullable=False),  # claimed | posted | failed
    Column("message_id", BigInteger, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("cohort", "week_key", name="uq_activity_alerts_cohort_week_key"),
)

#: NPS surveys posted with 0-10 buttons.
nps_surveys = Table(
    "nps_surveys",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("question", String(300), nullable=False),
    Column("channel_id", BigInteger, nullable=True),
    Column("message_id", BigInteger, nullable=True),
    Column("created_by", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

#: One answer per member per survey; pressing another score replaces it.
nps_responses = Table(
    "nps_responses",
    metadata,
    Column(
        "survey_id",
        BigInteger,
        ForeignKey("nps_surveys.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("score", Integer, nullable=False),
    Column("answered_at", UTCDateTime, nullable=False),
)

#: Dashboard login links (``/admin dashboard``): the SHA-256 of the random part of the link
#: (the link itself is never stored); single use (``used_at``), 10 minutes.
web_login_tokens = Table(
    "web_login_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
    Index("ix_web_login_tokens_expires_at", "expires_at"),
)

#: Dashboard sessions: the SHA-256 of the cookie value, the CSRF token bound to it.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", BigInteger, nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    Index("ix_web_sessions_user_id", "user_id"),
)

#: Secrets the web layer generates itself (``link_signing``: signs login links when
#: ``DASHBOARD_SECRET`` is not set), kept so links survive restarts.
web_secrets = Table(
    "web_secrets",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", String(128), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
