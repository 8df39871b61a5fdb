"""Every sentence of the dashboard's fraud-flag queue, as ``N_`` constants (the template
sees this module as ``F``)."""

from __future__ import annotations

from bot.i18n import N_

QUEUE_TITLE = N_("Fraud flags on store results")
QUEUE_INTRO = N_(
    "Flagged orders are left out of the results until you decide. Clear: the order counts "
    "again. Confirm: a fake order, left out for good. Every decision is in the audit log."
)
PAGE_OF = N_("Page {page} of {pages} · {total} open flags")
NO_FLAGS = N_("No open fraud flag matches.")
COL_FLAG = N_("Flag")
COL_RULE = N_("Rule")
COL_TEAM = N_("Team")
COL_ORDER = N_("Store order")
COL_REASON = N_("Reason")
COL_DECIDE = N_("Decision")
WHOLE_TEAM = N_("whole team")
ALL_RULES = N_("All rules")
ALL_TEAMS = N_("All teams")
FILTER = N_("Show")
CLEAR = N_("Clear")
CONFIRM = N_("Confirm")
CLEAR_ALL = N_("Clear all shown")
CONFIRM_ALL = N_("Confirm all shown")
BULK_HINT = N_("Choose a rule or a team above to decide all its open flags at once.")
PREVIOUS = N_("Previous")
NEXT = N_("Next")
DONE = N_("{count} flags decided.")
