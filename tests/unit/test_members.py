import datetime as dt

from bot.clock import FrozenClock
from bot.services.members import SEEN_REFRESH
from bot.services.registry import Services


async def seen(services: Services, name: str = "Ada", locale: str = "en-US") -> bool:
    return await services.members.seen(user_id=7, display_name=name, locale=locale)


async def test_first_interaction_creates_the_member_with_a_catalog_locale(services: Services):
    assert await seen(services, locale="zh-TW")
    member = await services.members.get(7)
    assert member is not None
    assert member.locale == "zh_CN"
    assert member.first_seen_at == member.last_seen_at == services.clock.now()


async def test_repeated_interactions_write_once_per_refresh_interval(services: Services):
    clock = services.clock
    assert isinstance(clock, FrozenClock)
    assert await seen(services)
    clock.advance(dt.timedelta(minutes=1))
    assert not await seen(services)
    clock.advance(SEEN_REFRESH)
    assert await seen(services)
    member = await services.members.get(7)
    assert member is not None
    assert member.last_seen_at == clock.now()


async def test_a_new_name_or_language_is_written_at_once(services: Services):
    await seen(services)
    assert await seen(services, name="Ada L.")
    assert await seen(services, name="Ada L.", locale="zh-CN")
    member = await services.members.get(7)
    assert member is not None
    assert (member.display_name, member.locale) == ("Ada L.", "zh_CN")


async def test_an_overlong_display_name_is_cut_to_the_column_size(services: Services):
    await seen(services, name="x" * 300)
    member = await services.members.get(7)
    assert member is not None
    assert len(member.display_name) == 100
