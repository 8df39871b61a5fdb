"""A season calendar notice reaches WhatsApp subscribers through the relay: the calendar
template in each subscriber's language outside the 24-hour window."""

from __future__ import annotations

import datetime as dt
import functools
import json
from types import SimpleNamespace

from bot.i18n import Catalogs
from bot.scheduler import Job
from cogs.calendar.notices import wording
from tests.whatsapp.conftest import RelayEnv, phone

DEADLINE = dt.datetime(2026, 12, 30, 15, 59, tzinfo=dt.UTC)
KEY = "calendar:2026:registration:deadline"


async def test_a_deadline_notice_goes_as_the_calendar_template_in_each_language(
    relay_env: RelayEnv,
) -> None:
    env = relay_env
    await env.add_subscribers(1, start=1, language="en")
    await env.add_subscribers(1, start=2, language="zh_CN")
    env.clock.set(DEADLINE)
    bot = SimpleNamespace(catalogs=Catalogs(), competition=env.services.competition)
    job = Job(1, "calendar.notice", KEY, DEADLINE, {"phase": "registration", "what": "deadline"})
    result = await env.services.calendar.run_notice(
        job,
        wording=functools.partial(wording, bot),  # type: ignore[arg-type]
    )
    assert [p.key for p in result.publications] == [KEY]

    await env.drain_all()

    by_to = {m.to: m for m in env.fake.messages}
    english, chinese = by_to["whatsapp:" + phone(1)], by_to["whatsapp:" + phone(2)]
    assert english.content_sid == "HX00000000000000000000000000000009"
    assert json.loads(english.content_variables or "{}") == {
        "1": "Registration",
        "2": "closes soon",
        "3": "2026-12-31 23:59 Asia/Shanghai",
    }
    assert chinese.content_sid == "HX0000000000000000000000000000000a"
    assert json.loads(chinese.content_variables or "{}") == {
        "1": "报名",
        "2": "即将截止",
        "3": "2026-12-31 23:59 Asia/Shanghai",
    }
    assert env.fake.violations_63016 == 0
    assert len(env.fake.messages) == 2
