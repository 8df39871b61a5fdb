"""The scheduler chains what a job returns, and the one Discord publisher posts each
publication once: claim → render → send with the nonce → record."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from types import SimpleNamespace
from typing import Any

import discord
from sqlalchemy import select

from bot.clock import FrozenClock
from bot.scheduler import Job, JobResult, NextRun, Scheduler
from bot.services.posts import PostService
from bot.services.publications import Publication
from cogs._posting import NONCE_WINDOW
from cogs._publisher import DiscordPublisher, Rendered, Renderer
from storage.engine import Database
from storage.queries import jobs as job_queries
from storage.schema import discord_posts

GRACE = dt.timedelta(minutes=15)
CHANNEL_ID = 555


class RecordingPublisher:
    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    async def publish(self, publications: Sequence[Publication]) -> list[str]:
        self.batches.append([p.key for p in publications])
        return ["posted" for _ in publications]


async def status_of(db: Database, key: str) -> str:
    async with db.read() as conn:
        row = await job_queries.get_by_key(conn, key)
    assert row is not None
    return row.status


async def test_the_scheduler_schedules_the_next_run_and_hands_the_posts_to_the_publisher(db, clock):
    scheduler = Scheduler(db, clock, grace=GRACE)
    publisher = RecordingPublisher()
    scheduler.set_publisher(publisher)
    seen: list[Job] = []

    async def handler(job: Job) -> JobResult:
        seen.append(job)
        when = job.run_at + dt.timedelta(days=1)
        return JobResult(
            publications=(Publication("post:a", "test"), Publication("post:b", "test")),
            next_run=NextRun("test", f"day:{when.date()}", when, {"n": job.payload["n"] + 1}),
        )

    scheduler.register("test", handler)
    row = await scheduler.schedule("test", "day:first", clock.now(), {"n": 1})
    assert await scheduler.fire(row.id) == "done"
    assert seen[0].key == "day:first"
    assert seen[0].payload == {"n": 1}
    assert publisher.batches == [["post:a", "post:b"]]
    following = f"day:{(clock.now() + dt.timedelta(days=1)).date()}"
    assert await status_of(db, following) == "pending"
    async with db.read() as conn:
        stored = await job_queries.get_by_key(conn, following)
    assert stored is not None
    assert stored.payload == {"n": 2}


async def test_a_failed_publication_fails_the_job_but_keeps_the_chain(db, clock):
    scheduler = Scheduler(db, clock, grace=GRACE)

    class Broken:
        async def publish(self, publications: Sequence[Publication]) -> list[str]:
            raise RuntimeError("discord is down")

    scheduler.set_publisher(Broken())

    async def handler(job: Job) -> JobResult:
        return JobResult(
            publications=(Publication("post:a", "test"),),
            next_run=NextRun("test", "next", clock.now() + dt.timedelta(hours=1)),
        )

    scheduler.register("test", handler)
    row = await scheduler.schedule("test", "first", clock.now())
    assert await scheduler.fire(row.id) == "failed"
    assert await status_of(db, "next") == "pending"


class FakeChannel(discord.abc.Messageable):
    """A text channel that records what is sent and holds earlier messages."""

    def __init__(self, history: list[Any] | None = None) -> None:
        self.id = CHANNEL_ID
        self.sent: list[dict[str, Any]] = []
        self.earlier = history or []

    async def _get_channel(self) -> Any:  # pragma: no cover - never used
        return self

    async def send(self, content: Any = None, **kwargs: Any) -> Any:
        self.sent.append({"content": content, **kwargs})
        return SimpleNamespace(id=1000 + len(self.sent))

    def history(self, **kwargs: Any) -> Any:
        async def messages() -> AsyncIterator[Any]:
            for message in self.earlier:
                yield message

        return messages()


class TextRenderer(Renderer):
    def __init__(self) -> None:
        super().__init__()
        self.posts: list[tuple[str, int, bool]] = []

    async def render(self, publication: Publication, channel: Any) -> Rendered | None:
        return Rendered(content=str(publication.data)) if publication.data else None

    async def posted(self, publication: Publication, message_id: int, *, recovered=False):
        self.posts.append((publication.key, message_id, recovered))


def make_bot(db: Database, clock: FrozenClock, channel: FakeChannel) -> Any:
    async def ready() -> None:
        return None

    async def resource_ids() -> dict[str, int]:
        return {"channel:test": CHANNEL_ID}

    async def fetch_channel(channel_id: int) -> FakeChannel:
        assert channel_id == CHANNEL_ID
        return channel

    return SimpleNamespace(
        wait_until_ready=ready,
        get_channel=lambda channel_id: None,  # no gateway cache: fetched instead
        fetch_channel=fetch_channel,
        user=SimpleNamespace(id=1),
        services=SimpleNamespace(
            posts=PostService(db, clock),
            clock=clock,
            setup=SimpleNamespace(resource_ids=resource_ids),
        ),
    )


async def test_the_publisher_claims_renders_sends_once_and_records(db, clock):
    channel = FakeChannel()
    bot = make_bot(db, clock, channel)
    publisher = DiscordPublisher(bot)
    renderer = TextRenderer()
    publisher.register("text", renderer)
    hello = Publication("post:hello", "text", "hello", resource="channel:test")
    empty = Publication("post:empty", "text", "", resource="channel:test")
    assert await publisher.publish([hello, empty]) == ["posted", "empty"]
    assert [(s["content"], s["nonce"]) for s in channel.sent] == [("hello", "dp.1")]
    assert renderer.posts == [("post:hello", 1001, False)]
    statuses = await bot.services.posts.statuses("post:")
    assert statuses == {"post:hello": "posted", "post:empty": "posted"}
    # Done keys are not sent again.
    assert await publisher.publish([hello]) == ["done"]
    assert len(channel.sent) == 1


async def test_a_resumed_post_is_looked_for_in_the_channel_first(db, clock):
    key = "post:resumed"
    crashed = PostService(db, clock)  # a process that claimed it, sent it and died
    claim = await crashed.claim(key)
    earlier = SimpleNamespace(
        id=77, author=SimpleNamespace(id=1), nonce=claim.nonce, content="hello", embeds=[]
    )
    channel = FakeChannel(history=[earlier])
    bot = make_bot(db, clock, channel)
    publisher = DiscordPublisher(bot)
    renderer = TextRenderer()
    publisher.register("text", renderer)
    clock.advance(NONCE_WINDOW + dt.timedelta(seconds=1))
    publication = Publication(key, "text", "hello", channel_id=CHANNEL_ID)
    assert await publisher.publish([publication]) == ["posted"]
    assert channel.sent == []  # found in the channel, not sent again
    assert renderer.posts == [(key, 77, False)]
    assert (await bot.services.posts.statuses(key)) == {key: "posted"}


async def test_a_refused_post_is_recorded_failed_and_sent_at_the_next_try(db, clock):
    channel = FakeChannel()
    bot = make_bot(db, clock, channel)
    publisher = DiscordPublisher(bot)
    publisher.register("text", TextRenderer())
    refused = SimpleNamespace(status=500, reason="boom")
    real_send = channel.send

    async def refuse(content: Any = None, **kwargs: Any) -> Any:
        raise discord.HTTPException(refused, "boom")  # type: ignore[arg-type]

    channel.send = refuse  # type: ignore[method-assign]
    publication = Publication("post:x", "text", "hello", resource="channel:test")
    assert await publisher.publish([publication]) == ["failed"]
    assert (await bot.services.posts.statuses("post:x")) == {"post:x": "failed"}
    channel.send = real_send  # type: ignore[method-assign]
    assert await publisher.publish([publication]) == ["posted"]
    assert len(channel.sent) == 1


async def test_a_dm_is_claimed_before_its_member_is_looked_up_and_records_no_channel(db, clock):
    inbox = FakeChannel()  # the member's DMs
    bot = make_bot(db, clock, inbox)
    missing = SimpleNamespace(status=404, reason="Not Found")

    async def fetch_user(user_id: int) -> FakeChannel:
        if user_id == 8:
            raise discord.NotFound(missing, "Unknown User")  # type: ignore[arg-type]
        return inbox

    bot.get_user = lambda user_id: None  # not in the cache: fetched
    bot.fetch_user = fetch_user
    publisher = DiscordPublisher(bot)
    publisher.register("text", TextRenderer())
    to_member = Publication("post:dm:7", "text", "hi", user_id=7)
    to_gone = Publication("post:dm:8", "text", "hi", user_id=8)
    assert await publisher.publish([to_member, to_gone]) == ["posted", "failed"]
    assert [s["content"] for s in inbox.sent] == ["hi"]
    columns = discord_posts.c
    async with db.read() as conn:
        rows = await conn.execute(
            select(columns.key, columns.status, columns.channel_id, columns.error)
            .where(columns.key.like("post:dm:%"))
            .order_by(columns.key)
        )
    assert [tuple(r) for r in rows] == [
        ("post:dm:7", "posted", None, None),
        ("post:dm:8", "failed", None, "Discord 404"),
    ]
