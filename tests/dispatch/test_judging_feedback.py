"""/feedback through the command tree: a team reads the judges' comments on its entries,
without the judges' names, only once published and only when the organizers share them."""

from __future__ import annotations

from bot.clock import FrozenClock
from tests.conftest import T0
from tests.dispatch.conftest import ORGANIZER_ID, PARTICIPANT_ID, Harness
from tests.judging_support import MEMBER, add_judges, contest_with_entries, open_round


async def test_feedback_shows_the_teams_comments_without_judges_names_once_shared(
    harness: Harness,
):
    services, fake = harness.services, harness.fake
    clock = services.clock
    assert isinstance(clock, FrozenClock)
    await fake.invoke("admin setup", user_id=ORGANIZER_ID)
    contest, _, _ = await contest_with_entries(services, clock, 2)
    captain = MEMBER  # the only member of the first team
    fake.add_member(captain, "Cara Captain")
    judges = await add_judges(services, 2)
    clock.set(T0)
    round_ = await open_round(services, contest, judges_per_entry=2)
    comments = {judges[0].id: "Sharpen the <@1> pricing **now**", judges[1].id: "Great demo."}
    for judge in judges:
        for task in await services.judging.queue(judge.id):
            await services.judging.submit(
                judge_id=judge.id,
                assignment_id=task.assignment.id,
                scores=dict.fromkeys(task.round.rubric.keys, 7),
                comment=comments[judge.id],
            )

    no_team = await fake.invoke("feedback", user_id=PARTICIPANT_ID)
    assert no_team.ephemeral
    assert "not in a team" in no_team.text

    not_shared = await fake.invoke("feedback", user_id=captain)
    assert not_shared.ephemeral
    assert "do not share" in not_shared.text

    judging = services.judging
    judging.competition = judging.competition.model_copy(
        update={"judging": judging.config.model_copy(update={"share_comments": True})}
    )
    before = await fake.invoke("feedback", user_id=captain, locale="zh-CN")
    assert before.ephemeral
    assert "评委" in before.text

    await judging.close_round(actor_id=ORGANIZER_ID, round_id=round_.id)
    await judging.publish(actor_id=ORGANIZER_ID, round_id=round_.id)
    shown = await fake.invoke("feedback", user_id=captain)
    assert shown.ephemeral
    text = shown.text
    assert "Judges' feedback for Team Bus 0" in text
    assert "**Preliminary** (round 1)" in text
    assert "> Great demo." in text
    # user text never pings: the reply allows no mentions
    assert shown.response is not None
    assert shown.response["data"]["allowed_mentions"] == {"parse": []}
    assert "\\*\\*now\\*\\*" in text
    assert all(j.name not in text for j in judges)
