"""What the registration services return, and the mail port they send codes through."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

#: The publication kind of the DM that tells a member how their proof was decided.
DECISION_PUBLICATION = "eligibility.decision"


@dataclass(frozen=True, slots=True)
class Consent:
    """The consent wording a member accepted, and when."""

    version: str
    locale: str
    text: str
    accepted_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Profile:
    """A member's answers (field key → cleaned value) and their latest consent."""

    user_id: int
    answers: dict[str, str]
    created_at: dt.datetime
    updated_at: dt.datetime
    consent: Consent | None
    display_name: str | None = None

    def missing(self, required: Sequence[str]) -> list[str]:
        """The required field keys still without an answer."""
        return [key for key in required if not self.answers.get(key)]


@dataclass(frozen=True, slots=True)
class PageSaved:
    """A ``/register`` page was saved; ``next_page`` is the page still to fill, if any."""

    profile: Profile
    page: int
    next_page: int | None


@dataclass(frozen=True, slots=True)
class CodeEmail:
    """An eligibility code to e-mail (the mail adapter words it in ``locale``)."""

    to: str
    code: str
    track: str
    locale: str
    minutes: int


class Mailer(Protocol):
    """Sends code e-mails through an SMTP server; raises ``MailNotSent`` when it cannot."""

    async def send_code(self, email: CodeEmail) -> None: ...


@dataclass(frozen=True, slots=True)
class CodeSent:
    """A code went out to ``email``; it lasts until ``expires_at``."""

    email: str
    track: str
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Grant:
    """The member is eligible for ``track`` by ``method`` (email or proof)."""

    track: str
    method: str
    email: str | None
    granted_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ProofFile:
    """A file a member uploaded as proof (as the platform reported it)."""

    url: str
    filename: str
    content_type: str | None
    size: int


@dataclass(frozen=True, slots=True)
class Proof:
    """A proof in the approval queue (or decided)."""

    id: int
    user_id: int
    track: str
    filename: str
    url: str
    content_type: str | None
    size: int
    status: str
    reason: str | None
    submitted_at: dt.datetime
    decided_by: int | None
    decided_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class Decision:
    """What the DM to the member says: their proof for ``track`` approved or rejected."""

    proof_id: int
    user_id: int
    track: str
    approved: bool
    reason: str | None
    locale: str


@dataclass(frozen=True, slots=True)
class EligibilityStatus:
    """Per track with a rule: eligible (how), a proof pending, or neither."""

    track: str
    grant: Grant | None
    pending_proof: Proof | None
    email_domains: tuple[str, ...]
    proof: bool
