"""Eligibility per track: e-mail codes, proofs in an approval queue, and the team gate.

A code is 6 digits, stored only as a scrypt hash (computed off the event loop, before the
write transaction), valid for 15 minutes and 5 attempts; a member gets one code a minute
and 5 an hour. The e-mail goes out through the mail port after the code is committed,
never while the single writer is held. Organizer decisions on proofs are audited, and the
member is told by a DM: the decision's transaction also stores a job due at once
(``DECISION_JOB``), whose handler returns the DM's ``Publication``, so the scheduler hands
it to the one publisher exactly once, after a crash too.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import Clock
from bot.config import CompetitionConfig
from bot.config.sections import EligibilityRule, TrackConfig
from bot.i18n import normalize_locale
from bot.scheduler import Job, JobResult, Scheduler
from bot.services.audit import AuditService
from bot.services.publications import Publication
from bot.services.registration.errors import (
    AlreadyEligible,
    BadProofFile,
    CodeExpired,
    CodeTooSoon,
    DomainNotAllowed,
    EmailDisabled,
    InvalidEmail,
    MailNotSent,
    NoEmailRoute,
    NoPendingCode,
    NoProofRoute,
    ProofAlreadyDecided,
    ProofAlreadyPending,
    ReasonRequired,
    TeamNotEligible,
    TooManyAttempts,
    TooManyCodes,
    TrackOpenToAll,
    UnknownProof,
    UnknownTrack,
    WrongCode,
)
from bot.services.registration.fields import clean_email
from bot.services.registration.models import (
    DECISION_PUBLICATION,
    CodeEmail,
    CodeSent,
    Decision,
    EligibilityStatus,
    Grant,
    Mailer,
    Proof,
    ProofFile,
)
from storage.engine import Database
from storage.queries import jobs as job_queries
from storage.queries import members as member_queries
from storage.queries import registration as q

CODE_TTL = dt.timedelta(minutes=15)
MAX_ATTEMPTS = 5
CODE_INTERVAL = dt.timedelta(minutes=1)
CODES_PER_HOUR = 5
MAX_PROOF_BYTES = 10 * 1024 * 1024
PROOF_TYPES = ("image/png", "image/jpeg", "image/webp", "application/pdf")
MAX_REASON = 500
#: The job that DMs a member the decision on their proof (one per proof).
DECISION_JOB = "eligibility.decision"


def _hash(code: str, salt: str) -> str:
    return hashlib.scrypt(code.encode(), salt=bytes.fromhex(salt), n=2**14, r=8, p=1).hex()


async def _hash_off_loop(code: str, salt: str) -> str:
    """scrypt takes tens of milliseconds: run it in a thread, never on the event loop."""
    return await asyncio.to_thread(_hash, code, salt)


def _proof(row: q.ProofRow) -> Proof:
    return Proof(**{name: getattr(row, name) for name in Proof.__slots__})


def _grant(row: q.GrantRow) -> Grant:
    return Grant(row.track, row.method, row.email, row.granted_at)


def _key(decision: Decision) -> str:
    return f"eligibility:proof:{decision.proof_id}:decision"


def _payload(decision: Decision) -> dict[str, object]:
    return {name: getattr(decision, name) for name in Decision.__slots__}


def _mentions(user_ids: Sequence[int]) -> str:
    return ", ".join(f"<@{user_id}>" for user_id in user_ids)


@dataclass(slots=True)
class EligibilityService:
    """Who may enter which track, and how members prove it."""

    db: Database
    clock: Clock
    competition: CompetitionConfig
    audit: AuditService
    #: None: no SMTP server is configured, e-mail codes are off.
    mailer: Mailer | None = None
    #: Arms the decision DM's job at once (without it, the job waits for the next start).
    scheduler: Scheduler | None = None

    # -- rules ---------------------------------------------------------------------------

    def _track(self, key: str) -> TrackConfig:
        try:
            return self.competition.track(key)
        except KeyError:
            raise UnknownTrack(
                track=key[:30], tracks=", ".join(self.competition.track_keys)
            ) from None

    def _rule(self, key: str, locale: str) -> tuple[TrackConfig, EligibilityRule]:
        track = self._track(key)
        if track.eligibility is None:
            raise TrackOpenToAll(track=track.name.get(locale))
        return track, track.eligibility

    @property
    def restricted_tracks(self) -> tuple[TrackConfig, ...]:
        """The tracks with an eligibility rule."""
        return tuple(t for t in self.competition.tracks if t.eligibility is not None)

    # -- e-mail codes --------------------------------------------------------------------

    async def send_code(self, *, user_id: int, track: str, email: str, locale: str) -> CodeSent:
        """E-mail a code for ``track`` to ``email`` (an address at an allowed domain).

        Raises UnknownTrack, TrackOpenToAll, NoEmailRoute, InvalidEmail, DomainNotAllowed,
        AlreadyEligible, EmailDisabled, CodeTooSoon, TooManyCodes or MailNotSent (the code
        is withdrawn then)."""
        config, rule = self._rule(track, locale)
        name = config.name.get(locale)
        if not rule.email_domains:
            raise NoEmailRoute(track=name)
        address = clean_email(email)
        if address is None:
            raise InvalidEmail()
        if not rule.allows_email(address):
            raise DomainNotAllowed(email=address, track=name, domains=", ".join(rule.email_domains))
        if self.mailer is None:
            raise EmailDisabled()
        code = f"{secrets.randbelow(10**6):06d}"
        salt = secrets.token_hex(16)
        code_hash = await _hash_off_loop(code, salt)
        now = self.clock.now()
        async with self.db.write() as conn:
            if await q.eligible_among(conn, track, [user_id]):
                raise AlreadyEligible(track=name)
            last = await q.last_code_at(conn, user_id)
            if last is not None and now - last < CODE_INTERVAL:
                wait = CODE_INTERVAL - (now - last)
                raise CodeTooSoon(seconds=max(1, int(wait.total_seconds())))
            if await q.codes_since(conn, user_id, now - dt.timedelta(hours=1)) >= CODES_PER_HOUR:
                raise TooManyCodes(max=CODES_PER_HOUR)
            code_id = await q.insert_code(
                conn,
                user_id=user_id,
                track=track,
                email=address,
                code_hash=code_hash,
                salt=salt,
                now=now,
                expires_at=now + CODE_TTL,
            )
        message = CodeEmail(
            to=address,
            code=code,
            track=name,
            locale=normalize_locale(locale),
            minutes=int(CODE_TTL.total_seconds() // 60),
        )
        try:
            await self.mailer.send_code(message)
        except MailNotSent:
            async with self.db.write() as conn:
                await q.close_code(conn, code_id, self.clock.now())
            raise
        return CodeSent(email=address, track=track, expires_at=now + CODE_TTL)

    async def confirm(self, *, user_id: int, code: str) -> Grant:
        """Check the member's newest code; right, the member is eligible for its track.

        Raises NoPendingCode, CodeExpired, TooManyAttempts or WrongCode (counted first)."""
        async with self.db.read() as conn:
            pending = await q.open_code(conn, user_id)
        if pending is None:
            raise NoPendingCode()
        matches = hmac.compare_digest(
            await _hash_off_loop(code.strip(), pending.salt), pending.code_hash
        )
        now = self.clock.now()
        error: Exception | None = None
        async with self.db.write() as conn:
            current = await q.open_code(conn, user_id)
            if current is None or current.id != pending.id:
                error = NoPendingCode()
            elif now >= current.expires_at:
                await q.close_code(conn, current.id, now)
                error = CodeExpired()
            elif current.attempts >= MAX_ATTEMPTS:
                await q.close_code(conn, current.id, now)
                error = TooManyAttempts()
            elif not matches:
                remaining = MAX_ATTEMPTS - current.attempts - 1
                if remaining <= 0:
                    await q.close_code(conn, current.id, now)
                    error = TooManyAttempts()
                else:
                    await q.count_attempt(conn, current.id)
                    error = WrongCode(remaining=remaining)
            else:
                await q.close_code(conn, current.id, now)
                await q.grant(
                    conn,
                    user_id=user_id,
                    track=current.track,
                    method="email",
                    email=current.email,
                    proof_id=None,
                    now=now,
                )
        if error is not None:
            raise error
        return Grant(pending.track, "email", pending.email, now)

    # -- proofs --------------------------------------------------------------------------

    async def submit_proof(
        self, *, user_id: int, track: str, file: ProofFile, locale: str
    ) -> Proof:
        """Queue ``file`` as proof for ``track`` for an organizer's decision.

        Raises UnknownTrack, TrackOpenToAll, NoProofRoute, BadProofFile, AlreadyEligible
        or ProofAlreadyPending."""
        config, rule = self._rule(track, locale)
        name = config.name.get(locale)
        if not rule.proof:
            raise NoProofRoute(track=name, domains=", ".join(rule.email_domains))
        kind = (file.content_type or "").split(";")[0].strip().lower()
        if (
            kind not in PROOF_TYPES
            or not 0 < file.size <= MAX_PROOF_BYTES
            or not file.url.startswith("https://")
        ):
            raise BadProofFile(max_mb=MAX_PROOF_BYTES // (1024 * 1024))
        now = self.clock.now()
        async with self.db.write() as conn:
            if await q.eligible_among(conn, track, [user_id]):
                raise AlreadyEligible(track=name)
            if await q.pending_proof(conn, user_id, track) is not None:
                raise ProofAlreadyPending(track=name)
            proof_id = await q.insert_proof(
                conn,
                user_id=user_id,
                track=track,
                filename=file.filename[:255],
                url=file.url[:2000],
                content_type=kind,
                size=file.size,
                now=now,
            )
            row = await q.proof(conn, proof_id)
        if row is None:  # pragma: no cover - inserted just above
            raise UnknownProof(id=proof_id)
        return _proof(row)

    async def queue(self, limit: int = 10) -> tuple[list[Proof], int]:
        """The oldest pending proofs (at most ``limit``) and how many are pending."""
        async with self.db.read() as conn:
            rows, total = await q.pending_proofs(conn, limit)
        return [_proof(row) for row in rows], total

    async def get_proof(self, proof_id: int) -> Proof:
        """A proof by id. Raises UnknownProof."""
        async with self.db.read() as conn:
            row = await q.proof(conn, proof_id)
        if row is None:
            raise UnknownProof(id=proof_id)
        return _proof(row)

    async def approve(self, *, actor_id: int, proof_id: int) -> Decision:
        """Approve a pending proof: the member becomes eligible for its track. Audited.

        Raises UnknownProof or ProofAlreadyDecided."""
        return await self._decide(actor_id=actor_id, proof_id=proof_id, reason=None)

    async def reject(self, *, actor_id: int, proof_id: int, reason: str) -> Decision:
        """Reject a pending proof with a reason the member reads. Audited.

        Raises ReasonRequired, UnknownProof or ProofAlreadyDecided."""
        text = " ".join(reason.split())
        if not 1 <= len(text) <= MAX_REASON:
            raise ReasonRequired(max=MAX_REASON)
        return await self._decide(actor_id=actor_id, proof_id=proof_id, reason=text)

    async def _decide(self, *, actor_id: int, proof_id: int, reason: str | None) -> Decision:
        approved = reason is None
        now = self.clock.now()
        async with self.db.write() as conn:
            row = await q.proof(conn, proof_id)
            if row is None:
                raise UnknownProof(id=proof_id)
            changed = await q.decide_proof(
                conn,
                proof_id,
                status="approved" if approved else "rejected",
                reason=reason,
                decided_by=actor_id,
                now=now,
            )
            if not changed:
                raise ProofAlreadyDecided(id=proof_id)
            if approved:
                await q.grant(
                    conn,
                    user_id=row.user_id,
                    track=row.track,
                    method="proof",
                    email=None,
                    proof_id=proof_id,
                    now=now,
                )
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="eligibility.approve" if approved else "eligibility.reject",
                target=f"user:{row.user_id}",
                details={"proof_id": proof_id, "track": row.track, "reason": reason},
            )
            member = await member_queries.get(conn, row.user_id)
            locale = member.locale if member else self.competition.competition.default_locale
            decision = Decision(proof_id, row.user_id, row.track, approved, reason, locale)
            payload = _payload(decision)
            await job_queries.upsert_pending(
                conn, kind=DECISION_JOB, key=_key(decision), run_at=now, payload=payload, now=now
            )
        if self.scheduler is not None:
            await self.scheduler.schedule(DECISION_JOB, _key(decision), now, payload)
        return decision

    @staticmethod
    def decision_publication(decision: Decision) -> Publication:
        """The DM telling the member the outcome (posted once, keyed by the proof)."""
        return Publication(_key(decision), DECISION_PUBLICATION, decision, user_id=decision.user_id)

    async def run_decision(self, job: Job) -> JobResult:
        """The ``DECISION_JOB`` handler: the decision's DM."""
        decision = Decision(**job.payload)
        return JobResult(publications=(self.decision_publication(decision),))

    # -- status and the team gate --------------------------------------------------------

    async def grants(self, user_id: int) -> list[Grant]:
        """The tracks the member is eligible for, and how."""
        async with self.db.read() as conn:
            return [_grant(row) for row in await q.grants_of(conn, user_id)]

    async def status(self, user_id: int) -> list[EligibilityStatus]:
        """The member's standing in each track with an eligibility rule."""
        async with self.db.read() as conn:
            grants = {row.track: row for row in await q.grants_of(conn, user_id)}
            pending = {
                t.key: await q.pending_proof(conn, user_id, t.key) for t in self.restricted_tracks
            }
        result = []
        for track in self.restricted_tracks:
            rule = track.eligibility
            if rule is None:  # pragma: no cover - restricted_tracks have a rule
                continue
            grant = grants.get(track.key)
            waiting = pending.get(track.key)
            result.append(
                EligibilityStatus(
                    track=track.key,
                    grant=_grant(grant) if grant else None,
                    pending_proof=_proof(waiting) if waiting else None,
                    email_domains=rule.email_domains,
                    proof=rule.proof,
                )
            )
        return result

    async def check_entry(
        self, conn: AsyncConnection, *, track: str, user_ids: Sequence[int]
    ) -> None:
        """The team gate: raise TeamNotEligible unless every member in ``user_ids`` is
        eligible for ``track`` (a track without a rule lets everyone in)."""
        try:
            config = self.competition.track(track)
        except KeyError:
            return  # the team service refuses unknown tracks itself
        if config.eligibility is None:
            return
        eligible = await q.eligible_among(conn, track, user_ids)
        missing = [user_id for user_id in user_ids if user_id not in eligible]
        if missing:
            raise TeamNotEligible(track=config.name.en, members=_mentions(missing))
