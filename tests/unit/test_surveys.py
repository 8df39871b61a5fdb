"""NPS surveys: one changeable answer per member and the score math, on the real database."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from bot.services import surveys as s
from bot.services.registry import Services
from storage.engine import Database
from storage.schema import audit_log, nps_responses

ORG = 100000000000000010


async def survey_with(services: Services, scores: list[int]) -> s.Survey:
    survey = await services.surveys.create(
        actor_id=ORG, question="How likely are you to recommend us?", channel_id=5
    )
    for user, score in enumerate(scores, start=1):
        await services.surveys.answer(survey_id=survey.id, user_id=user, score=score)
    return survey


def test_nps_rounds_half_up_in_whole_points():
    assert s.nps_score(1, 0, 1) == 100
    assert s.nps_score(0, 1, 1) == -100
    assert s.nps_score(1, 0, 8) == 13  # 12.5 rounds up
    assert s.nps_score(0, 1, 8) == -12  # -12.5 rounds half up
    with pytest.raises(ValueError, match="at least one answer"):
        s.nps_score(0, 0, 0)


async def test_all_promoters_score_100(services: Services):
    survey = await survey_with(services, [9, 10, 10])
    results = await services.surveys.results(survey.id)
    assert (results.nps, results.promoters, results.passives, results.detractors) == (100, 3, 0, 0)


async def test_all_detractors_score_minus_100(services: Services):
    survey = await survey_with(services, [0, 3, 6, 6])
    results = await services.surveys.results(survey.id)
    assert (results.nps, results.detractors, results.total) == (-100, 4, 4)


async def test_mixed_answers_give_promoters_minus_detractors_with_the_distribution(
    services: Services,
):
    # 4 promoters, 3 passives, 3 detractors of 10 -> 40% - 30% = 10
    survey = await survey_with(services, [10, 9, 9, 10, 7, 8, 8, 0, 5, 6])
    results = await services.surveys.results()
    assert results.survey.id == survey.id
    assert (results.promoters, results.passives, results.detractors, results.total) == (4, 3, 3, 10)
    assert results.nps == 10
    assert results.distribution == (1, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2)


async def test_a_survey_without_answers_says_there_is_nothing_to_score(services: Services):
    survey = await survey_with(services, [])
    with pytest.raises(s.NoAnswersYet):
        await services.surveys.results(survey.id)
    assert await services.surveys.latest_results() is None


async def test_results_without_any_survey_or_for_an_unknown_one_are_refused(services: Services):
    with pytest.raises(s.NoSurveys):
        await services.surveys.results()
    with pytest.raises(s.UnknownSurvey):
        await services.surveys.results(404)


async def test_pressing_another_score_changes_the_members_one_answer(
    services: Services, db: Database
):
    survey = await survey_with(services, [])
    first = await services.surveys.answer(survey_id=survey.id, user_id=7, score=3)
    second = await services.surveys.answer(survey_id=survey.id, user_id=7, score=8)
    assert (first.previous, second.previous, second.score) == (None, 3, 8)
    async with db.read() as conn:
        stored = (await conn.execute(select(nps_responses))).all()
    assert [(r.user_id, r.score) for r in stored] == [(7, 8)]
    results = await services.surveys.results(survey.id)
    assert (results.total, results.passives) == (1, 1)


async def test_the_database_allows_one_answer_per_member_and_survey(
    services: Services, db: Database
):
    survey = await survey_with(services, [5])
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        async with db.write() as conn:
            await conn.execute(
                insert(nps_responses).values(
                    survey_id=survey.id,
                    user_id=1,
                    score=9,
                    answered_at=survey.created_at,
                )
            )


async def test_scores_outside_0_to_10_and_unknown_surveys_are_refused(services: Services):
    survey = await survey_with(services, [])
    with pytest.raises(s.InvalidScore):
        await services.surveys.answer(survey_id=survey.id, user_id=1, score=11)
    with pytest.raises(s.UnknownSurvey):
        await services.surveys.answer(survey_id=survey.id + 1, user_id=1, score=5)


async def test_posting_a_survey_is_audited_and_the_question_is_checked(
    services: Services, db: Database
):
    survey = await survey_with(services, [])
    async with db.read() as conn:
        actions = [(r.action, r.target) for r in (await conn.execute(select(audit_log))).all()]
    assert ("survey.nps_post", f"survey:{survey.id}") in actions
    with pytest.raises(s.InvalidQuestion):
        await services.surveys.create(actor_id=ORG, question="   ", channel_id=None)
    with pytest.raises(s.InvalidQuestion):
        await services.surveys.create(actor_id=ORG, question="x" * 301, channel_id=None)
