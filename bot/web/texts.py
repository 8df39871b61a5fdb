"""Every sentence the web pages show, as ``N_`` constants (the extractor collects them;
templates translate them with ``_()`` in the request's language)."""

from __future__ import annotations

from bot.i18n import N_

SITE_TITLE = N_("{competition} — leaderboards")
NAV_BOARDS = N_("Leaderboards")
NAV_DASHBOARD = N_("Dashboard")
LANGUAGE = N_("Language")
SKIP_TO_CONTENT = N_("Skip to content")

WEEK_HEADING = N_("Week {week}: {start} – {end}")
TRACK_BOARD = N_("{track} track")
COL_RANK = N_("Rank")
COL_TEAM = N_("Team")
COL_POINTS = N_("Points")
NO_POINTS_YET = N_("No points this week yet.")
CONTESTS_HEADING = N_("Contests")
RESULTS_OUT = N_("results")
VOTING_OPEN = N_("voting")

CONTEST_CATEGORY = N_("Category: {category}")
COL_PLACE = N_("Place")
COL_ENTRY = N_("Entry")
COL_VOTES = N_("Votes")
RESULTS_AFTER = N_("Vote counts and places are shown after voting closes at {time}.")
NO_ENTRIES = N_("No entries yet.")
BACK_TO_BOARDS = N_("Back to the leaderboards")

NOT_FOUND_TITLE = N_("Page not found")
NOT_FOUND_TEXT = N_(
    "There is nothing at this address. Check the link, or go back to the leaderboards."
)
FORBIDDEN_TITLE = N_("Not allowed")
BAD_REQUEST_TITLE = N_("Bad request")
BAD_REQUEST_TEXT = N_(
    "This request could not be read. Reload the page and try again, or go back to the leaderboards."
)
BAD_REQUEST_FORM = N_(
    "This form has expired or did not come from this site. Reload the page and try again."
)

SIGNIN_TITLE = N_("Organizer sign-in")
SIGNIN_TEXT = N_(
    "The dashboard is for organizers. In the competition's Discord server, run /admin dashboard: "
    "you get a private link that signs you in here. Each link works once, for 10 minutes."
)
CONTINUE_TITLE = N_("Signing you in…")
CONTINUE_LINK = N_("Open the dashboard")

DASHBOARD_TITLE = N_("Organizer dashboard")
SIGNED_IN_AS = N_("Signed in as organizer {user}. Session ends {time}.")
LOG_OUT = N_("Log out")
REVOKE_ALL = N_("Sign out everywhere")
LOGGED_OUT = N_("You are signed out.")
UPDATED_AT = N_("Figures as of {time}.")
ENGAGEMENT_HEADING = N_("Engagement")
DAILY_ACTIVES = N_("Daily active members per cohort, last 14 days")
WEEKLY_ACTIVES = N_("Weekly active members per cohort, last 8 weeks")
NO_ACTIVITY = N_("No activity recorded yet.")
PARTIAL_DAY = N_("today so far")
PARTIAL_WEEK = N_("this week so far")
SO_FAR = N_("{period} (so far)")
NO_COHORT = N_("no cohort")
COL_DAY = N_("Day")
COL_WEEK = N_("Week")
COL_COHORT = N_("Cohort")
COL_ACTIVES = N_("Active members")
FUNNEL_HEADING = N_("Broadcast delivery (WhatsApp)")
FUNNEL_CHART = N_("Broadcast messages by delivery stage")
COL_STAGE = N_("Stage")
COL_MESSAGES = N_("Messages")
STAGE_QUEUED = N_("queued")
STAGE_SENT = N_("sent")
STAGE_DELIVERED = N_("delivered")
STAGE_READ = N_("read")
STAGE_FAILED = N_("failed")
STAGE_SKIPPED = N_("skipped (opted out or cancelled)")
NO_BROADCASTS = N_("No broadcast messages yet.")
NPS_HEADING = N_("Net Promoter Score")
NPS_SCORE = N_("NPS {score} from {responses} answers")
NPS_CHART = N_("Promoters, passives and detractors")
NPS_PROMOTERS = N_("promoters (9–10)")
NPS_PASSIVES = N_("passives (7–8)")
NPS_DETRACTORS = N_("detractors (0–6)")
NO_NPS = N_("No survey answers yet.")
FLAGGED_HEADING = N_("Flagged vote clusters")
COL_CONTEST = N_("Contest")
COL_VOTE_IDS = N_("Vote ids")
COL_REASONS = N_("Why")
NO_FLAGGED = N_("No suspicious vote clusters.")
BOARDS_HEADING = N_("This week's boards")
AUDIT_HEADING = N_("Audit log (latest {count})")
AUDIT_FULL_LINK = N_("The whole audit log, with filters")
AUDIT_TITLE = N_("Audit log")
BACK_TO_DASHBOARD = N_("Back to the dashboard")
FILTER_ACTION = N_("Action or its start (e.g. team)")
FILTER_MEMBER = N_("Member (name or id)")
FILTER_APPLY = N_("Filter")
FILTER_CLEAR = N_("Show all")
NO_MEMBER_MATCH = N_("No member's name contains “{member}”.")
AUDIT_PAGE_OF = N_("Page {page} of {pages} · {total} records, newest first")
PAGES = N_("Pages")
NEWER = N_("Newer")
OLDER = N_("Older")
NO_AUDIT = N_("No audit records match.")
COL_AT_LOCAL = N_("When ({timezone})")
COL_ACTOR = N_("Actor")
COL_ACTION = N_("Action")
COL_TARGET = N_("Target")
COL_DETAILS = N_("Details")
ACTOR_BOT = N_("bot")
DATA_TABLE = N_("Data table")

#: The front page's link to the season calendar (``bot/web/calendar_page.py``).
NAV_CALENDAR = N_("Season calendar")
