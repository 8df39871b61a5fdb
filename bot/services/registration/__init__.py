"""Registration (issue 18): participant profiles with consent, and eligibility per track.

``ProfileService`` stores the answers to the ``[registration]`` fields page by page (a
modal holds 5 inputs), validated by type, with the consent wording shown. The
``EligibilityService`` makes members eligible for a track with a rule, by an e-mail code
(sent through the ``Mailer`` port: SMTP in ``bot/mail.py``) or an approved proof, and is
the ``TrackGate`` the team service asks before a team enters a track.
"""

from bot.services.registration.eligibility import (
    CODE_TTL,
    CODES_PER_HOUR,
    DECISION_JOB,
    MAX_ATTEMPTS,
    EligibilityService,
)
from bot.services.registration.errors import (
    AlreadyEligible,
    MailNotSent,
    NoProfile,
    TeamNotEligible,
)
from bot.services.registration.fields import clean_answer, country_name
from bot.services.registration.models import (
    DECISION_PUBLICATION,
    CodeEmail,
    CodeSent,
    Decision,
    EligibilityStatus,
    Grant,
    Mailer,
    PageSaved,
    Profile,
    Proof,
    ProofFile,
)
from bot.services.registration.profiles import ProfileService

__all__ = [
    "CODES_PER_HOUR",
    "CODE_TTL",
    "DECISION_JOB",
    "DECISION_PUBLICATION",
    "MAX_ATTEMPTS",
    "AlreadyEligible",
    "CodeEmail",
    "CodeSent",
    "Decision",
    "EligibilityService",
    "EligibilityStatus",
    "Grant",
    "MailNotSent",
    "Mailer",
    "NoProfile",
    "PageSaved",
    "Profile",
    "ProfileService",
    "Proof",
    "ProofFile",
    "TeamNotEligible",
    "clean_answer",
    "country_name",
]
