"""Every sentence of the judge portal and the organizers' judging page, as ``N_`` constants
(templates translate them with ``_()``; they see this module as ``J``)."""

from __future__ import annotations

from bot.i18n import N_

PORTAL_TITLE = N_("Judge portal")
SIGNIN_TITLE = N_("Judge sign-in")
SIGNIN_TEXT = N_(
    "The judge portal is for the competition's judges. The organizers send you a private "
    "sign-in link; each link works once, for 72 hours. If yours has expired or was used, "
    "ask the organizers for a new one."
)
CONTINUE_TITLE = N_("Signing you in…")
CONTINUE_LINK = N_("Open the judge portal")
SIGNED_IN_AS = N_("Signed in as judge {name}. Session ends {time}.")
SIGN_OUT = N_("Sign out")
SIGNED_OUT = N_("You are signed out of the judge portal.")
DONE_OF = N_("{done} of {total} submitted")
NO_TASKS = N_(
    "You have no entries to score now: none are assigned to you yet, or their rounds have closed."
)
ROUND_HEADING = N_("{round} · deadline {time}")
ROUND_STATE_OPEN = N_("open: scores can be edited until the round closes")
ROUND_STATE_CLOSED = N_("closed: scores are final")
ROUND_STATE_PUBLISHED = N_("results published")
ROUND_STATE_DRAFT = N_("not open yet")
STATUS_PENDING = N_("to score")
STATUS_DRAFT = N_("draft saved")
STATUS_SUBMITTED = N_("submitted")
STATUS_WITHDRAWN = N_("withdrawn")
COL_ENTRY = N_("Entry")
COL_TEAM = N_("Team")
COL_STATUS = N_("Status")
OPEN_ENTRY = N_("Open")
BACK_TO_LIST = N_("Back to my entries")
MATERIALS = N_("Materials")
DESCRIPTION = N_("Description")
NO_DESCRIPTION = N_("The team wrote no description.")
LINKS = N_("Links")
ATTACHMENTS = N_("Attachments")
SCORING = N_("Your scores")
SCALE_HINT = N_("From {min} to {max} (weight {weight}).")
COMMENT = N_("Comment (optional)")
COMMENT_SHARED = N_("Teams may see comments after the results are published, without your name.")
SAVE_DRAFT = N_("Save draft")
SUBMIT = N_("Submit")
SAVED_DRAFT = N_("Draft saved. It is kept until you submit; you can come back to it any time.")
SUBMITTED = N_("Scores submitted. You can still edit them until the round closes.")
READ_ONLY = N_("This round is closed: your scores are shown read-only.")
LAST_SAVED = N_("Last saved {time}.")
NOT_A_NUMBER = N_("{criterion}: “{value}” is not a whole number.")
FIX_BELOW = N_("Nothing was saved. Please fix this:")
LIVE_TITLE = N_("Live final: {round}")
LIVE_LINK = N_("Live final: score the entry on stage")
LIVE_NOW = N_("Now on stage ({position} of {total}):")
LIVE_WAITING = N_("The final has not started yet. This page shows the entry on stage once it does.")
LIVE_DONE = N_("Every entry has presented. Thank you! The organizers reveal the results.")
LIVE_REFRESH = N_("Refresh")
LIVE_BACK = N_("Back to the live final")

ADMIN_TITLE = N_("Judging")
NO_ROUNDS = N_("No judging rounds yet. Organizers create them with /judging in Discord.")
ROUND_CHOICE = N_("Round")
SHOW = N_("Show")
PER_JUDGE = N_("Progress per judge")
PER_ENTRY = N_("Progress per entry")
COL_JUDGE = N_("Judge")
COL_ASSIGNED = N_("Assigned")
COL_SUBMITTED = N_("Submitted")
COL_RANK = N_("Rank")
COL_JUDGE_SCORE = N_("Judge score")
COL_NORMALIZED = N_("Normalized")
COL_VOTE_SHARE = N_("Vote share")
COL_FINAL = N_("Final")
COL_TIE = N_("Tie broken by")
COL_POINTS = N_("Points")
PUBLIC_RESULTS = N_("Judges' results: {round}")
PUBLIC_RESULTS_SUB = N_(
    "Published {time}. Final = {judges} × judges' score (scaled 0 to 1) + {community} × share "
    "of the community votes."
)
EXTERNAL = N_("external")
INACTIVE = N_("removed")
RESULTS_PREVIEW = N_("Results preview (not published)")
RESULTS_FINAL = N_("Results (published {time})")
NO_RESULTS = N_("No submitted scores yet.")
REVEAL = N_("Reveal the results")
REVEAL_HINT = N_(
    "Publishing writes placing points to the ledger and posts the results in the gallery, "
    "once. It cannot be undone."
)
REVEALED = N_("The results are published.")
REVEALED_UNPOSTED = N_(
    "The results are published (placing points credited), but this web-only process has no "
    "Discord connection: the results post was not made. Publishing the round again from "
    "Discord posts it (once)."
)
LIVE_CONTROL = N_("Live final: running order")
LIVE_START = N_("Start with the first entry")
LIVE_NEXT = N_("Next entry")
LIVE_END = N_("End the presentations")
COL_ORDER = N_("Order")
ON_STAGE = N_("on stage")
CHOOSE_SESSION = N_("Choose the scheduled session the final runs in.")
LIVE_SESSION = N_("Session: {title}, {time}")
LIVE_NO_SESSION = N_(
    "Tie this live round to the session it runs in (schedule it with /qa schedule first)."
)
LIVE_ATTACH = N_("Use this session")
LIVE_FINISHED = N_("Every entry has presented.")
LIVE_SCORE = N_("Score this entry")
LIVE_NOT_YOURS = N_("You do not score this entry.")
JUDGES_HEADING = N_("Judges")
NO_JUDGES = N_("No judges yet. Organizers add them with /judging in Discord.")
COL_TAGS = N_("Expertise")
COL_SIGN_IN = N_("Judge portal")
ISSUE_LINK = N_("Get a sign-in link")
JUDGE_LINK_TITLE = N_("Sign-in link for {name}")
JUDGE_LINK_TEXT = N_(
    "Send this link to the judge privately (e-mail, say). It signs them in to the judge "
    "portal once, until {time}; it is shown only now."
)
BACK_TO_JUDGING = N_("Back to judging")
