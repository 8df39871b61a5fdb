"""Every sentence of the organizers' registration pages (profiles, the eligibility queue),
as ``N_`` constants the templates translate with ``_()`` (passed to them as ``R``)."""

from __future__ import annotations

from bot.i18n import N_

PROFILES_TITLE = N_("Participant profiles")
PROFILES_LINK = N_("Participant profiles")
QUEUE_TITLE = N_("Eligibility proofs")
QUEUE_LINK = N_("Eligibility proofs waiting: {count}")
DOWNLOAD_CSV = N_("Download as CSV")
PROFILE_COUNT = N_("{count} members registered.")
NO_PROFILES = N_("No member has registered yet.")
COL_MEMBER = N_("Member")
COL_ELIGIBLE = N_("Eligible for")
COL_CONSENT = N_("Consent")
COL_UPDATED = N_("Updated")
COL_PROOF = N_("Proof")
COL_TRACK = N_("Track")
COL_SUBMITTED = N_("Submitted")
COL_DECISION = N_("Decision")
CONSENT_CELL = N_("v{version}, {time}")
NO_PROOFS = N_("No proof is waiting for a decision.")
PENDING_COUNT = N_("{count} waiting, oldest first.")
APPROVE = N_("Approve")
REJECT = N_("Reject")
REASON = N_("Reason (the member reads it)")
APPROVED_NOTICE = N_("Proof #{id} approved; the member is told by DM.")
REJECTED_NOTICE = N_("Proof #{id} rejected; the member is told by DM with your reason.")
PRIVATE_NOTE = N_("Only organizers see this page. Public pages never show profiles.")
