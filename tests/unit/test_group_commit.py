"""The group commit on its own: batching, per-request errors, a failed batch."""

from __future__ import annotations

import asyncio

import pytest

from bot.errors import PodiumError
from bot.services.group_commit import GroupCommit


class Refused(PodiumError):
    message = "refused {n}"


async def test_requests_arriving_during_a_batch_are_applied_together_in_the_next():
    release = asyncio.Event()
    seen: list[list[int]] = []

    async def apply(batch: list[int]) -> list[int | PodiumError]:
        seen.append(batch)
        if len(seen) == 1:
            await release.wait()
        return [n * 10 for n in batch]

    commit: GroupCommit[int, int] = GroupCommit(apply)
    first = asyncio.create_task(commit.submit(1))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    later = [asyncio.create_task(commit.submit(n)) for n in (2, 3, 4)]
    await asyncio.sleep(0)
    release.set()

    assert await first == 10
    assert [await t for t in later] == [20, 30, 40]
    assert seen == [[1], [2, 3, 4]]
    assert (commit.batches, commit.items) == (2, 4)


async def test_an_error_for_one_request_reaches_only_its_caller():
    async def apply(batch: list[int]) -> list[int | PodiumError]:
        return [Refused(n=n) if n % 2 else n for n in batch]

    commit: GroupCommit[int, int] = GroupCommit(apply)
    results = await asyncio.gather(*(commit.submit(n) for n in (1, 2, 3)), return_exceptions=True)

    assert isinstance(results[0], Refused)
    assert results[1] == 2
    assert isinstance(results[2], Refused)


async def test_a_failed_batch_fails_every_caller_and_the_next_batch_still_runs():
    calls = 0

    async def apply(batch: list[int]) -> list[int | PodiumError]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("transaction failed")
        return list[int | PodiumError](batch)

    commit: GroupCommit[int, int] = GroupCommit(apply)
    with pytest.raises(RuntimeError):
        await commit.submit(1)
    assert await commit.submit(2) == 2


async def test_the_drain_task_carries_the_given_name():
    names: list[str] = []

    async def apply(batch: list[int]) -> list[int | PodiumError]:
        task = asyncio.current_task()
        assert task is not None
        names.append(task.get_name())
        return list[int | PodiumError](batch)

    await GroupCommit(apply, name="vote-group-commit").submit(1)
    assert names == ["vote-group-commit"]


async def test_with_linger_requests_coming_in_together_wait_to_fill_the_next_batch():
    seen: list[list[int]] = []

    async def apply(batch: list[int]) -> list[int | PodiumError]:
        seen.append(batch)
        return list[int | PodiumError](batch)

    # Callers that each wait for their answer before sending again (as Twilio does): a
    # batch without linger holds only what arrived while the one before ran. With it, the
    # next batch waits (an hour at most here) for as many as the last one held: two.
    commit: GroupCommit[int, int] = GroupCommit(apply, linger=3600)
    assert await asyncio.gather(commit.submit(1), commit.submit(2)) == [1, 2]
    third = asyncio.create_task(commit.submit(3))
    for _ in range(5):  # the drain task starts and waits for company
        await asyncio.sleep(0)
    assert seen == [[1, 2]]
    fourth = asyncio.create_task(commit.submit(4))

    assert [await third, await fourth] == [3, 4]
    assert seen == [[1, 2], [3, 4]]


async def test_with_linger_a_lone_request_does_not_wait():
    seen: list[list[int]] = []

    async def apply(batch: list[int]) -> list[int | PodiumError]:
        seen.append(batch)
        return list[int | PodiumError](batch)

    # A linger of an hour: the test would hang if a lone request waited for company.
    commit: GroupCommit[int, int] = GroupCommit(apply, linger=3600)
    assert await commit.submit(1) == 1
    assert await commit.submit(2) == 2
    assert seen == [[1], [2]]
