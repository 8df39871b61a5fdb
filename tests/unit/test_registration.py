"""Profiles: answers validated by type, saved page by page, the consent wording stored."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.config import CompetitionConfig
from bot.services.registration.errors import (
    AnswerHasMention,
    AnswerRequired,
    AnswerTooLong,
    BadChoice,
    BadCountry,
    BadEmail,
    BadYear,
    RegisterFirstPage,
)
from bot.services.registration.fields import clean_answer
from bot.services.registry import Services
from storage.schema import profile_consents, profiles
from tests.conftest import T0
from tests.registration_support import with_fields

ALICE = 810000000000000001


def _rules(competition: CompetitionConfig, fields: list[dict[str, object]]) -> CompetitionConfig:
    return with_fields(competition, fields)


def test_each_type_is_cleaned_to_its_stored_form(competition: CompetitionConfig) -> None:
    rules = _rules(
        competition,
        [
            {"key": "mail", "label": {"en": "Mail"}, "type": "email"},
            {"key": "country", "label": {"en": "Country"}, "type": "country"},
            {"key": "grad", "label": {"en": "Graduation"}, "type": "year"},
            {"key": "level", "label": {"en": "Level"}, "type": "choice", "choices": ["PhD"]},
        ],
    ).registration
    assert clean_answer(rules.field("mail"), "  Ada@Uni.EDU ", "Mail") == "ada@uni.edu"
    assert clean_answer(rules.field("country"), "united kingdom", "Country") == "GB"
    assert clean_answer(rules.field("country"), "cn", "Country") == "CN"
    assert clean_answer(rules.field("country"), "中国", "Country") == "CN"
    assert clean_answer(rules.field("grad"), "2027", "Graduation") == "2027"
    assert clean_answer(rules.field("level"), "phd", "Level") == "PhD"


@pytest.mark.parametrize(
    ("field", "raw", "error"),
    [
        ({"type": "email"}, "not-an-address", BadEmail),
        ({"type": "country"}, "Atlantis", BadCountry),
        ({"type": "year"}, "27", BadYear),
        ({"type": "year"}, "1850", BadYear),
        ({"type": "choice", "choices": ["Bachelor", "Master"]}, "Doctor", BadChoice),
        ({"type": "text", "max_length": 5}, "toolong", AnswerTooLong),
        ({"type": "text"}, "   ", AnswerRequired),
        ({"type": "text"}, "hi @everyone", AnswerHasMention),
        ({"type": "text"}, "see https://evil.example", AnswerHasMention),
    ],
)
def test_a_bad_answer_is_refused_naming_the_field(
    competition: CompetitionConfig, field: dict[str, object], raw: str, error: type[Exception]
) -> None:
    rules = _rules(competition, [{"key": "f1", "label": {"en": "Field"}, **field}]).registration
    with pytest.raises(error) as refused:
        clean_answer(rules.field("f1"), raw, "Field one")
    assert refused.value.params["field"] == "Field one"  # type: ignore[attr-defined]


def test_an_optional_field_left_empty_is_stored_empty(competition: CompetitionConfig) -> None:
    rules = competition.registration
    assert clean_answer(rules.field("school"), "", "School") == ""


async def test_first_page_stores_answers_and_the_consent_shown_with_its_time(
    services: Services,
) -> None:
    saved = await services.profiles.save_page(
        user_id=ALICE,
        page=0,
        values={"full_name": "Ada Lovelace", "school": "", "country": "GB", "level": "phd"},
        locale="zh-CN",
    )
    assert saved.next_page == 1  # the extra fields are on page 2
    assert saved.profile.answers == {
        "full_name": "Ada Lovelace",
        "school": "",
        "country": "GB",
        "level": "PhD",
    }
    async with services.db.read() as conn:
        consent = (await conn.execute(select(profile_consents))).one()
    assert consent.user_id == ALICE
    assert consent.version == services.competition.registration.consent_version
    assert consent.locale == "zh_CN"
    assert consent.text == services.competition.registration.consent.get("zh_CN")
    assert consent.accepted_at == T0


async def test_a_refused_answer_stores_nothing(services: Services) -> None:
    with pytest.raises(BadCountry):
        await services.profiles.save_page(
            user_id=ALICE,
            page=0,
            values={"full_name": "Ada", "country": "Narnia"},
            locale="en-US",
        )
    async with services.db.read() as conn:
        assert (await conn.execute(select(profiles))).all() == []
        assert (await conn.execute(select(profile_consents))).all() == []


async def test_editing_keeps_one_consent_per_version(services: Services, clock) -> None:
    values = {"full_name": "Ada", "country": "GB"}
    await services.profiles.save_page(user_id=ALICE, page=0, values=values, locale="en-US")
    clock.advance(dt.timedelta(days=1))
    await services.profiles.save_page(
        user_id=ALICE, page=0, values={**values, "full_name": "Ada L."}, locale="en-US"
    )
    profile = await services.profiles.mine(ALICE)
    assert profile.answers["full_name"] == "Ada L."
    assert profile.updated_at == T0 + dt.timedelta(days=1)
    assert profile.created_at == T0
    assert profile.consent is not None
    assert profile.consent.accepted_at == T0


@pytest.fixture
def competition(competition: CompetitionConfig) -> CompetitionConfig:
    """Nine fields: page 1 (consent + 4), page 2 (5)."""
    fields = [f.model_dump() for f in competition.registration.fields]
    fields += [
        {"key": f"extra{n}", "label": {"en": f"Extra {n}"}, "required": n == 1} for n in range(1, 6)
    ]
    return _rules(competition, fields)


async def test_later_pages_need_the_first_and_complete_the_profile(services: Services) -> None:
    assert len(services.competition.registration.pages) == 2
    with pytest.raises(RegisterFirstPage):
        await services.profiles.save_page(
            user_id=ALICE, page=1, values={"extra1": "x"}, locale="en-US"
        )
    first = await services.profiles.save_page(
        user_id=ALICE, page=0, values={"full_name": "Ada", "country": "FR"}, locale="en-US"
    )
    assert first.next_page == 1
    assert first.profile.missing(services.profiles.required_keys()) == ["extra1"]
    second = await services.profiles.save_page(
        user_id=ALICE, page=1, values={"extra1": "answer"}, locale="en-US"
    )
    assert second.next_page is None
    assert second.profile.answers["full_name"] == "Ada"
    assert second.profile.missing(services.profiles.required_keys()) == []


async def test_the_organizers_csv_has_a_column_per_field_and_defuses_formulas(
    services: Services,
) -> None:
    await services.profiles.save_page(
        user_id=ALICE,
        page=0,
        values={"full_name": "=HYPERLINK(1)", "country": "DE"},
        locale="en-US",
    )
    header = services.profiles.csv_header()
    rows = await services.profiles.csv_rows()
    assert header[:3] == ["user_id", "display_name", "full_name"]
    assert "extra5" in header
    assert header[-3:] == ["consent_version", "consent_at", "updated_at"]
    row = dict(zip(header, rows[0], strict=True))
    assert row["user_id"] == str(ALICE)
    assert row["full_name"] == "'=HYPERLINK(1)"
    assert row["country"] == "DE"
    assert row["consent_version"] == "1"
