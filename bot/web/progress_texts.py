"""The sentences of the organizers' progress page (``/admin/progress``), as ``N_``
constants."""

from __future__ import annotations

from bot.i18n import N_

TITLE = N_("Team progress")
INTRO = N_(
    "Active teams at each milestone stage or beyond, per track and cohort. A team is stuck "
    "when it has sat at one stage for {days} days; organizers are alerted when "
    "the active teams stuck at one stage make up at least {percent}%."
)
GROUP = N_("{track} · {cohort} · {total} teams")
NO_COHORT = N_("no cohort")
CHART = N_("Teams at each stage or beyond")
COL_STAGE = N_("Stage")
COL_TEAMS = N_("Teams")
COL_SHARE = N_("Share")
NO_TEAMS = N_("No active team yet.")
