"""The assignment rules on random instances (hypothesis) and on small worked cases."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.judging import AssignEntry, AssignJudge, NotEnoughJudges, assign


@st.composite
def instances(draw: st.DrawFn) -> tuple[list[AssignEntry], list[AssignJudge], int, int]:
    teams = draw(st.integers(min_value=1, max_value=8))
    entries = [
        AssignEntry(100 + i, draw(st.integers(min_value=0, max_value=teams - 1)))
        for i in range(draw(st.integers(min_value=1, max_value=25)))
    ]
    tags = ["retail", "finance", "tech", "brand"]
    judges = [
        AssignJudge(
            1 + i,
            frozenset(draw(st.lists(st.sampled_from(tags), max_size=2))),
            frozenset(draw(st.lists(st.integers(min_value=0, max_value=teams - 1), max_size=3))),
        )
        for i in range(draw(st.integers(min_value=1, max_value=10)))
    ]
    k = draw(st.integers(min_value=1, max_value=4))
    seed = draw(st.integers(min_value=0, max_value=2**31))
    return entries, judges, k, seed


def able(judge: AssignJudge, entry: AssignEntry) -> bool:
    return entry.team_id not in judge.conflicts


def check_balanced(
    entries: Sequence[AssignEntry],
    judges: Sequence[AssignJudge],
    plan: Mapping[int, Sequence[int]],
    kept: Mapping[int, Sequence[int]],
    loads: Counter[int],
) -> None:
    """A judge two or more above another holds no new work that other judge could take."""
    team = {e.id: e for e in entries}
    for high in judges:
        for low in judges:
            if loads[high.id] - loads[low.id] < 2:
                continue
            for entry_id, judge_ids in plan.items():
                if high.id in judge_ids:
                    on_entry = set(judge_ids) | set(kept.get(entry_id, ()))
                    movable = able(low, team[entry_id]) and low.id not in on_entry
                    assert not movable, (high.id, low.id, entry_id, dict(loads))


@settings(max_examples=300, deadline=None)
@given(instances())
def test_every_entry_gets_k_distinct_judges_without_conflict_and_balanced_loads(
    instance: tuple[list[AssignEntry], list[AssignJudge], int, int],
) -> None:
    entries, judges, k, seed = instance
    short = [e for e in entries if sum(able(j, e) for j in judges) < k]
    if short:
        with pytest.raises(NotEnoughJudges) as caught:
            assign(entries, judges, k, seed=seed)
        assert caught.value.params["entry"] in {e.id for e in short}
        assert caught.value.params["needed"] == k
        return
    plan = assign(entries, judges, k, seed=seed)
    by_id = {j.id: j for j in judges}
    assert set(plan) == {e.id for e in entries}
    for entry in entries:
        chosen = plan[entry.id]
        assert len(chosen) == k
        assert len(set(chosen)) == k
        assert all(able(by_id[j], entry) for j in chosen)
    loads = Counter(j for chosen in plan.values() for j in chosen)
    check_balanced(entries, judges, plan, {}, loads)
    assert assign(entries, judges, k, seed=seed) == plan


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=1, max_value=40),
    st.integers(min_value=1, max_value=12),
    st.integers(min_value=1, max_value=4),
    st.integers(min_value=0, max_value=2**31),
)
def test_without_conflicts_loads_are_within_one(n: int, m: int, k: int, seed: int) -> None:
    entries = [AssignEntry(i, team_id=i) for i in range(n)]
    judges = [AssignJudge(100 + i) for i in range(m)]
    if m < k:
        with pytest.raises(NotEnoughJudges):
            assign(entries, judges, k, seed=seed)
        return
    loads = Counter(j for chosen in assign(entries, judges, k, seed=seed).values() for j in chosen)
    counts = [loads[j.id] for j in judges]
    assert sum(counts) == n * k
    assert max(counts) - min(counts) <= 1


@settings(max_examples=200, deadline=None)
@given(instances(), st.data())
def test_a_drop_out_is_replaced_by_the_same_rules_for_the_remaining_work(
    instance: tuple[list[AssignEntry], list[AssignJudge], int, int], data: st.DataObject
) -> None:
    entries, judges, k, seed = instance
    if any(sum(able(j, e) for j in judges) < k for e in entries):
        return
    plan = assign(entries, judges, k, seed=seed)
    dropped = data.draw(st.sampled_from(judges))
    finished = data.draw(st.sets(st.sampled_from([e.id for e in entries])))
    remaining = [j for j in judges if j.id != dropped.id]
    # The dropped judge's submitted sheets stay; their unfinished entries need a judge.
    kept = {
        entry_id: [j for j in chosen if j != dropped.id or entry_id in finished]
        for entry_id, chosen in plan.items()
    }
    affected = [e for e in entries if dropped.id in plan[e.id] and e.id not in finished]
    loads = Counter(j for chosen in kept.values() for j in chosen if j != dropped.id)
    short = [e for e in affected if sum(able(j, e) for j in remaining) < k]
    if short:
        with pytest.raises(NotEnoughJudges):
            assign(affected, remaining, k, seed=seed, existing=kept, loads=loads)
        return
    added = assign(affected, remaining, k, seed=seed, existing=kept, loads=loads)
    assert set(added) == {e.id for e in affected}
    by_id = {j.id: j for j in judges}
    for entry in affected:
        new = added[entry.id]
        assert len(new) == 1
        assert dropped.id not in new
        assert new[0] not in kept[entry.id]
        assert able(by_id[new[0]], entry)
    after = loads + Counter(j for chosen in added.values() for j in chosen)
    check_balanced(affected, remaining, added, kept, after)


def test_tags_are_spread_across_an_entrys_judges() -> None:
    judges = [
        AssignJudge(1, frozenset({"retail"})),
        AssignJudge(2, frozenset({"retail"})),
        AssignJudge(3, frozenset({"finance"})),
        AssignJudge(4, frozenset({"finance"})),
        AssignJudge(5, frozenset({"tech"})),
        AssignJudge(6, frozenset({"tech"})),
    ]
    entries = [AssignEntry(i, team_id=i) for i in range(4)]
    plan = assign(entries, judges, 3, seed=7)
    by_id = {j.id: j for j in judges}
    for chosen in plan.values():
        tags = [tag for j in chosen for tag in by_id[j].tags]
        assert sorted(tags) == ["finance", "retail", "tech"]


def test_the_error_names_the_entry_and_how_many_judges_are_free() -> None:
    entries = [AssignEntry(1, team_id=1), AssignEntry(2, team_id=2, label="Rocket Owls")]
    judges = [AssignJudge(10), AssignJudge(11, conflicts=frozenset({2}))]
    with pytest.raises(NotEnoughJudges) as caught:
        assign(entries, judges, 2)
    assert caught.value.params == {"entry": 2, "team": "Rocket Owls", "needed": 2, "available": 1}


def test_a_different_seed_may_change_the_plan_but_not_its_properties() -> None:
    entries = [AssignEntry(i, team_id=i) for i in range(12)]
    judges = [AssignJudge(100 + i) for i in range(5)]
    plans = {tuple(sorted(assign(entries, judges, 2, seed=s).items())) for s in range(5)}
    assert len(plans) > 1
