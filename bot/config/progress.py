"""``[progress]``: the teams' milestone stages, how they advance, and the stuck alert."""

from __future__ import annotations

from datetime import time
from typing import Annotated

from pydantic import BeforeValidator, Field, field_validator

from bot.config.fields import _issue, _Key, _Model, _parse_hhmm
from bot.config.sections import LocalizedText


class StageConfig(_Model):
    """One ``[[progress.stages]]`` block, in the order teams go through them.

    ``evidence``: a team reporting this stage must give a link or a file. ``auto_orders``:
    imported store data advances a team here once it has this many counted orders (1 = a
    first order seen). The first stage is where every team starts when it is formed.
    """

    key: _Key
    label: LocalizedText
    next_step: LocalizedText | None = None
    """What a team at this stage should do next (shown by ``/progress``)."""
    evidence: bool = False
    auto_orders: int | None = Field(default=None, ge=1, le=1_000_000)


def _default_stages() -> tuple[StageConfig, ...]:
    def stage(key: str, en: str, zh: str, **extra: object) -> StageConfig:
        return StageConfig.model_validate({"key": key, "label": {"en": en, "zh_CN": zh}, **extra})

    return (
        stage("team_formed", "Team formed", "组队完成"),
        stage("product_selected", "Product selected", "完成选品", evidence=True),
        stage("store_live", "Store live", "店铺上线", evidence=True),
        stage("first_order", "First order", "首单", auto_orders=1),
        stage("ten_orders", "10 orders", "10 单", auto_orders=10),
    )


class ProgressSection(_Model):
    """``[progress]``: the stages and the stuck alert (organizers are told when at least
    ``stuck_percent``% of the active teams have sat at one stage for ``stuck_days`` days;
    checked daily at ``check_time`` in the competition timezone, at most once per stage
    and week)."""

    stages: tuple[StageConfig, ...] = Field(default_factory=_default_stages, min_length=2)
    stuck_percent: int = Field(default=50, ge=1, le=100)
    stuck_days: int = Field(default=7, ge=1, le=365)
    check_time: Annotated[time, BeforeValidator(_parse_hhmm)] = time(9, 0)

    @field_validator("stages")
    @classmethod
    def _unique_rising(cls, stages: tuple[StageConfig, ...]) -> tuple[StageConfig, ...]:
        seen: set[str] = set()
        last_orders = 0
        for index, stage in enumerate(stages):
            if stage.key in seen:
                raise _issue(
                    ((index, "key"), f"repeats {stage.key!r}", "give each stage its own key.")
                )
            seen.add(stage.key)
            if index == 0 and (stage.auto_orders is not None or stage.evidence):
                raise _issue(
                    (
                        (0,),
                        "is where every team starts, so it takes no evidence or auto_orders",
                        "make the first stage a plain one such as 'team formed'.",
                    )
                )
            if stage.auto_orders is not None:
                if stage.auto_orders <= last_orders:
                    raise _issue(
                        (
                            (index, "auto_orders"),
                            f"is {stage.auto_orders}, not above an earlier stage's {last_orders}",
                            "later stages need more orders, e.g. 1 then 10.",
                        )
                    )
                last_orders = stage.auto_orders
        return stages

    def index(self, key: str) -> int | None:
        """The position of stage ``key`` (0 = the first), or None when unknown."""
        for position, stage in enumerate(self.stages):
            if stage.key == key:
                return position
        return None


#: The fix text of each ``[progress]`` key (merged into the competition's fix texts).
PROGRESS_FIXES: dict[str, str] = {
    "progress": "make [progress] a table (see competition.example.toml).",
    "progress.stages": (
        "use at least 2 [[progress.stages]] blocks in order, each with its own key and a "
        "label; the first is where every team starts (no evidence, no auto_orders)."
    ),
    "progress.stages.key": "use 2-20 lower-case letters, digits or underscores.",
    "progress.stages.label": 'use { en = "Store live", zh_CN = "店铺上线" }.',
    "progress.stages.label.*": "use a display name of 1-100 characters.",
    "progress.stages.next_step": 'use { en = "Open your store.", zh_CN = "开通店铺。" }.',
    "progress.stages.next_step.*": "use a text of 1-100 characters.",
    "progress.stages.evidence": "use true (a link or a file is needed) or false.",
    "progress.stages.auto_orders": (
        "use a whole number of counted orders from 1, above any earlier stage's (e.g. 1 then 10)."
    ),
    "progress.stuck_percent": "use a whole percent from 1 to 100 (e.g. 50).",
    "progress.stuck_days": "use a whole number of days from 1 to 365 (e.g. 7).",
    "progress.check_time": 'use "HH:MM" in the competition timezone, e.g. "09:00".',
}
