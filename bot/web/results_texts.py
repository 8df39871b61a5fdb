"""Every sentence of the store-results analysis pages, as ``N_`` constants (templates see
this module as ``RS`` and translate with ``_()``)."""

from __future__ import annotations

from bot.i18n import N_

TITLE = N_("Store results")
FILTERS = N_("Show")
TRACK = N_("Track")
BREAKDOWN = N_("Break down by")
SPAN = N_("Period")
SPAN_HINT = N_("season, last, current or a week like 2026-W48")
TEAM = N_("Team")
ALL_TEAMS = N_("Whole track")
METRIC = N_("Board metric")
BY_COUNTRY = N_("country")
BY_CATEGORY = N_("category")
BY_CHANNEL = N_("channel")
CROSS_HEADING = N_("{track} · by {by} · {span}")
CROSS_TEAM = N_("{team} · by {by} · {span}")
SEASON_SPAN = N_("season so far")
WEEK_SPAN = N_("week {week}")
ORDERS_CHART = N_("Counted orders per {by}")
SALES_CHART = N_("Sales per {by} ({currency})")
COL_GROUP = N_("Group")
NOT_GIVEN = N_("(not given)")
NO_ORDERS = N_("No counted orders in this period.")
DATA_TABLE = N_("Data table")
BOARD_HEADING = N_("Teams ranked by {metric}")
COL_RANK = N_("Rank")
COL_TEAM = N_("Team")
COL_VALUE = N_("Value")
NO_VALUE = N_("no value")
LOWER_FIRST = N_("Smallest value first.")
PAGE_OF = N_("Page {page} of {pages} · {teams} teams")
PREVIOUS = N_("Previous")
NEXT = N_("Next")
JUDGE_BACK = N_("Back to the judge portal")
