"""One journal of Discord posts: broadcast posts, Q&A deliveries and board posts move into
``discord_posts`` (one key per post), keeping the nonce each claim was sent with.

Keys: ``<broadcast occurrence>:channel:<id>``, ``<qa job key>:<target>`` and
``leaderboard:<season>:<week>:<track>``. A row that was posted (or a board that was empty)
becomes ``posted``, so it is never posted again; a claim in flight becomes ``claimed`` by
the owner ``migrated`` (no live process), so the next attempt resumes it with its old nonce;
a failed post stays ``failed`` (tried again).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-09
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from alembic import op

from storage.types import BigIntPK, UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

MIGRATED = "migrated"

_posts = sa.table(
    "discord_posts",
    sa.column("id", sa.BigInteger()),
    sa.column("key", sa.String()),
    sa.column("status", sa.String()),
    sa.column("owner", sa.String()),
    sa.column("claimed_at", UTCDateTime()),
    sa.column("channel_id", sa.BigInteger()),
    sa.column("message_id", sa.BigInteger()),
    sa.column("error", sa.String()),
    sa.column("finished_at", UTCDateTime()),
    sa.column("nonce", sa.String()),
)
_broadcast_posts = sa.table(
    "broadcast_posts",
    sa.column("id", sa.BigInteger()),
    sa.column("broadcast_id", sa.BigInteger()),
    sa.column("occurrence_key", sa.String()),
    sa.column("channel_id", sa.BigInteger()),
    sa.column("status", sa.String()),
    sa.column("message_id", sa.BigInteger()),
    sa.column("error", sa.String()),
    sa.column("at", UTCDateTime()),
)
_qa_deliveries = sa.table(
    "qa_deliveries",
    sa.column("id", sa.BigInteger()),
    sa.column("occurrence_key", sa.String()),
    sa.column("target", sa.String()),
    sa.column("status", sa.String()),
    sa.column("message_id", sa.BigInteger()),
    sa.column("error", sa.String()),
    sa.column("at", UTCDateTime()),
)
_leaderboard_posts = sa.table(
    "leaderboard_posts",
    sa.column("id", sa.BigInteger()),
    sa.column("season", sa.String()),
    sa.column("week_key", sa.String()),
    sa.column("track", sa.String()),
    sa.column("status", sa.String()),
    sa.column("channel_id", sa.BigInteger()),
    sa.column("message_id", sa.BigInteger()),
    sa.column("claimed_at", UTCDateTime()),
    sa.column("posted_at", UTCDateTime()),
)


def _journal_row(*, key: str, status: str, nonce: str, at: Any, **values: Any) -> dict[str, Any]:
    in_flight = status in ("pending", "claimed")
    return {
        "key": key,
        "status": "claimed" if in_flight else ("failed" if status == "failed" else "posted"),
        "owner": MIGRATED,
        "claimed_at": values.pop("claimed_at", at),
        "finished_at": None if in_flight else at,
        "nonce": nonce,
        "error": values.pop("error", None),
        "channel_id": values.pop("channel_id", None),
        "message_id": values.pop("message_id", None),
    }


def upgrade() -> None:
    op.add_column("discord_posts", sa.Column("nonce", sa.String(25), nullable=True))
    bind = op.get_bind()
    rows: list[dict[str, Any]] = []
    for r in bind.execute(sa.select(_broadcast_posts).order_by(_broadcast_posts.c.id)):
        rows.append(
            _journal_row(
                key=f"{r.occurrence_key}:channel:{r.channel_id}",
                status=r.status,
                nonce=f"bc.{r.id}",
                at=r.at,
                channel_id=r.channel_id,
                message_id=r.message_id,
                error=r.error,
            )
        )
    for r in bind.execute(sa.select(_qa_deliveries).order_by(_qa_deliveries.c.id)):
        channel = re.fullmatch(r"channel:(\d+)", r.target)
        rows.append(
            _journal_row(
                key=f"{r.occurrence_key}:{r.target}",
                status=r.status,
                nonce=f"qa.{r.id}",
                at=r.at,
                channel_id=int(channel[1]) if channel else None,
                message_id=r.message_id,
                error=r.error,
            )
        )
    for r in bind.execute(sa.select(_leaderboard_posts).order_by(_leaderboard_posts.c.id)):
        rows.append(
            _journal_row(
                key=f"leaderboard:{r.season}:{r.week_key}:{r.track}",
                status=r.status,
                nonce=f"lb.{r.id}",
                at=r.posted_at,
                claimed_at=r.claimed_at,
                channel_id=r.channel_id,
                message_id=r.message_id,
            )
        )
    if rows:
        bind.execute(sa.insert(_posts), rows)
    op.drop_table("broadcast_posts")
    op.drop_table("qa_deliveries")
    op.drop_table("leaderboard_posts")


_BROADCAST = re.compile(r"(?P<occurrence>broadcast:(?P<id>\d+):.+):channel:(?P<channel>\d+)")
_QA = re.compile(r"(?P<occurrence>qa:.+):(?P<target>(?:channel|dm):\d+)")
_BOARD = re.compile(r"leaderboard:(?P<season>[^:]+):(?P<week>[^:]+):(?P<track>[^:]+)")


def downgrade() -> None:
    op.create_table(
        "leaderboard_posts",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("season", sa.String(32), nullable=False),
        sa.Column("week_key", sa.String(16), nullable=False),
        sa.Column("track", sa.String(20), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("claimed_at", UTCDateTime(), nullable=False),
        sa.Column("posted_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_leaderboard_posts"),
        sa.UniqueConstraint(
            "season", "week_key", "track", name="uq_leaderboard_posts_season_week_track"
        ),
    )
    op.create_table(
        "broadcast_posts",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("broadcast_id", sa.BigInteger(), nullable=False),
        sa.Column("occurrence_key", sa.String(200), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.String(200), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcasts.id"],
            name="fk_broadcast_posts_broadcast_id_broadcasts",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_broadcast_posts"),
        sa.UniqueConstraint(
            "occurrence_key", "channel_id", name="uq_broadcast_posts_occurrence_key_channel_id"
        ),
    )
    op.create_table(
        "qa_deliveries",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("occurrence_key", sa.String(200), nullable=False),
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.String(200), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_qa_deliveries"),
        sa.UniqueConstraint(
            "occurrence_key", "target", name="uq_qa_deliveries_occurrence_key_target"
        ),
    )
    bind = op.get_bind()
    broadcast_ids = {r.id for r in bind.execute(sa.text("SELECT id FROM broadcasts"))}
    moved: list[int] = []
    for r in bind.execute(sa.select(_posts).order_by(_posts.c.id)):
        in_flight = r.status == "claimed"
        at = r.claimed_at if in_flight or r.finished_at is None else r.finished_at
        if (m := _BROADCAST.fullmatch(r.key)) and int(m["id"]) in broadcast_ids:
            bind.execute(
                sa.insert(_broadcast_posts).values(
                    broadcast_id=int(m["id"]),
                    occurrence_key=m["occurrence"],
                    channel_id=int(m["channel"]),
                    status="pending" if in_flight else r.status,
                    message_id=r.message_id,
                    error=r.error,
                    at=at,
                )
            )
        elif m := _QA.fullmatch(r.key):
            bind.execute(
                sa.insert(_qa_deliveries).values(
                    occurrence_key=m["occurrence"],
                    target=m["target"],
                    status="pending" if in_flight else r.status,
                    message_id=r.message_id,
                    error=r.error,
                    at=at,
                )
            )
        elif m := _BOARD.fullmatch(r.key):
            posted = r.status == "posted"
            bind.execute(
                sa.insert(_leaderboard_posts).values(
                    season=m["season"],
                    week_key=m["week"],
                    track=m["track"],
                    status=("posted" if r.message_id is not None else "empty")
                    if posted
                    else "claimed",
                    channel_id=r.channel_id,
                    message_id=r.message_id,
                    claimed_at=r.claimed_at,
                    posted_at=r.finished_at if posted else None,
                )
            )
        else:
            continue
        moved.append(r.id)
    if moved:
        bind.execute(sa.delete(_posts).where(_posts.c.id.in_(moved)))
    with op.batch_alter_table("discord_posts") as batch:
        batch.drop_column("nonce")
