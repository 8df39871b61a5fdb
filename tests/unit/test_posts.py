"""Claims of Discord posts: one path posts, a dead process's claim is resumed."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.clock import FrozenClock
from bot.services.posts import PostService, post_nonce
from bot.services.registry import Services


async def test_of_two_paths_claiming_the_same_post_only_one_sends_it(services: Services):
    first = await services.posts.claim("contest:1:results")
    second = await services.posts.claim("contest:1:results")
    assert (first.state, first.to_send) == ("new", True)
    assert (second.state, second.to_send) == ("busy", False)
    await services.posts.finish(first, channel_id=5, message_id=9)
    assert (await services.posts.claim("contest:1:results")).state == "done"


async def test_a_claim_left_by_a_dead_process_is_resumed_once_with_its_nonce_and_time(
    services: Services, clock: FrozenClock
):
    dead = PostService(services.db, clock, owner="gone")
    first = await dead.claim("contest:2:results")
    claimed_at = first.claimed_at
    clock.advance(dt.timedelta(minutes=30))
    resumed = await services.posts.claim("contest:2:results")
    assert (resumed.state, resumed.nonce, resumed.claimed_at) == (
        "resume",
        first.nonce,
        claimed_at,
    )
    assert (await services.posts.claim("contest:2:results")).state == "busy"


async def test_a_failed_post_may_be_claimed_again(services: Services):
    first = await services.posts.claim("contest:3:results")
    await services.posts.finish(first, channel_id=5, error="Discord 503")
    again = await services.posts.claim("contest:3:results")
    assert (again.state, again.nonce) == ("new", first.nonce)


def test_nonces_are_short_and_distinct_per_table_and_row():
    assert post_nonce("bc", 9_223_372_036_854_775_807) == "bc.9223372036854775807"
    assert len(post_nonce("bc", 9_223_372_036_854_775_807)) <= 25
    assert post_nonce("bc", 1) != post_nonce("qa", 1)
    with pytest.raises(ValueError, match="longer than 25"):
        post_nonce("a-very-long-kind", 9_223_372_036_854_775_807)
