"""Judge portal sign-in: links for judges (signed, expiring, single use) and judge sessions.

An organizer issues a link for a judge (``issue_link``; ``podium judge-link --judge ID`` on
the command line, and the Discord cog may call it too). The link carries
``<random>.<signature>`` like a dashboard link, but its HMAC covers ``judge.<random>`` so a
dashboard link can never pass as a judge link (nor the reverse). The database keeps the
SHA-256 of the random part (``judge_login_tokens``): single use, valid :data:`LINK_TTL`
(72 hours, long enough to reach an external judge by e-mail). Using it opens a judge
session (``judge_sessions``, :data:`SESSION_TTL`), kept apart from the dashboard's
sessions, so a judge never reaches the organizer dashboard. Every read of a session
checks that the judge is still active: a removed judge loses the session (and unused
links) at their next request.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from bot.clock import Clock
from bot.errors import PodiumError
from bot.i18n import N_
from bot.services.audit import AuditService
from bot.services.judging import JudgingService, UnknownJudge
from bot.services.web_auth import WebAuthService
from storage.engine import Database
from storage.queries import judge_auth as q

LINK_TTL = dt.timedelta(hours=72)
SESSION_TTL = dt.timedelta(days=7)
LOGIN_PATH = "/judge/login"
_DOMAIN = "judge."


class JudgeLinkInvalid(PodiumError):
    """The judge link was altered or never issued."""

    message = N_("This judge sign-in link is not valid. Ask the organizers for a new one.")


class JudgeLinkExpired(PodiumError):
    """The judge link is older than its lifetime."""

    message = N_(
        "This judge sign-in link has expired (links last 72 hours). Ask the organizers for "
        "a new one."
    )


class JudgeLinkUsed(PodiumError):
    """The judge link was used already."""

    message = N_(
        "This judge sign-in link was already used. Each link works once: ask the organizers "
        "for a new one."
    )


class JudgeNotActive(PodiumError):
    """The judge was removed from the panel: no link, no session."""

    message = N_("Judge {judge} is no longer on the judging panel.")


class InvalidJudgeLinkLifetime(PodiumError):
    """A judge link lives at most 72 hours."""

    message = N_("A judge sign-in link lasts between 0 and {max} hours.")


@dataclass(frozen=True, slots=True)
class JudgeLink:
    """An issued judge link: ``url`` to send the judge, valid until ``expires_at``, once."""

    url: str
    token: str
    judge_id: int
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True)
class JudgeSession:
    """A live judge session; ``csrf_token`` must accompany every form it posts."""

    judge_id: int
    csrf_token: str
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True)
class NewJudgeSession:
    """A judge session just opened from a link: ``cookie`` is the value for the browser."""

    cookie: str
    session: JudgeSession


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(slots=True)
class JudgeAccessService:
    """Issues and checks judge links; opens, reads and ends judge sessions. The signing
    key and the address links point to are the dashboard's (``web_auth``)."""

    db: Database
    clock: Clock
    audit: AuditService
    web_auth: WebAuthService
    judging: JudgingService

    async def _sign(self, raw: str) -> str:
        key = await self.web_auth.signing_key()
        digest = hmac.new(key, (_DOMAIN + raw).encode("ascii"), "sha256").digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    async def _active(self, judge_id: int) -> bool:
        try:
            return (await self.judging.judge(judge_id)).active
        except UnknownJudge:
            return False

    async def issue_link(
        self,
        *,
        actor_id: int | None,
        judge_id: int,
        ttl: dt.timedelta = LINK_TTL,
        via: str = "discord",
    ) -> JudgeLink:
        """A single-use sign-in link to the judge portal for ``judge_id`` (an external or a
        Discord judge), valid ``ttl`` (at most 72 hours; 0 makes an expired link, for
        tests). ``actor_id``: the organizer (None: the command line). Audited as
        ``judging.link_issued``. Raises UnknownJudge or JudgeNotActive."""
        if not dt.timedelta(0) <= ttl <= LINK_TTL:
            raise InvalidJudgeLinkLifetime(max=int(LINK_TTL.total_seconds() // 3600))
        judge = await self.judging.judge(judge_id)
        if not judge.active:
            raise JudgeNotActive(judge=judge.name)
        raw = secrets.token_urlsafe(32)
        token = f"{raw}.{await self._sign(raw)}"
        now = self.clock.now()
        expires = now + ttl
        async with self.db.write() as conn:
            await q.add_token(
                conn, token_hash=_sha256(raw), judge_id=judge_id, created_at=now, expires_at=expires
            )
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="judging.link_issued",
                target=f"judge:{judge_id}",
                details={"expires_at": expires.isoformat(), "via": via},
            )
        url = f"{self.web_auth.base_url}{LOGIN_PATH}?token={token}"
        return JudgeLink(url=url, token=token, judge_id=judge_id, expires_at=expires)

    async def _verify(self, token: str) -> str:
        raw, dot, signature = token.strip().partition(".")
        if not dot or not raw or not signature or len(token) > 200 or not raw.isascii():
            raise JudgeLinkInvalid()
        if not hmac.compare_digest(signature.encode(), (await self._sign(raw)).encode()):
            raise JudgeLinkInvalid()
        return raw

    async def login(self, token: str) -> NewJudgeSession:
        """Use a judge link: checks signature, existence, use, expiry and that the judge is
        still active; marks it used and opens a session in one transaction (audited as
        ``judging.web_login``). Raises JudgeLinkInvalid, JudgeLinkUsed, JudgeLinkExpired or
        JudgeNotActive; then nothing changes."""
        raw = await self._verify(token)
        token_hash = _sha256(raw)
        now = self.clock.now()
        async with self.db.read() as conn:
            row = await q.get_token(conn, token_hash)
        if row is None:
            raise JudgeLinkInvalid()
        if row.used_at is not None:
            raise JudgeLinkUsed()
        if row.expires_at <= now:
            raise JudgeLinkExpired()
        if not await self._active(row.judge_id):
            raise JudgeNotActive(judge=row.judge_id)
        cookie = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        expires = now + SESSION_TTL
        async with self.db.write() as conn:
            if not await q.use_token(conn, token_hash, now):
                raise JudgeLinkUsed()
            await q.add_session(
                conn,
                id_hash=_sha256(cookie),
                judge_id=row.judge_id,
                csrf_token=csrf,
                created_at=now,
                expires_at=expires,
            )
            await self.audit.record(
                conn,
                actor_id=None,
                action="judging.web_login",
                target=f"judge:{row.judge_id}",
                details={"session_expires_at": expires.isoformat()},
            )
        return NewJudgeSession(cookie, JudgeSession(row.judge_id, csrf, expires))

    async def session(self, cookie: str | None) -> JudgeSession | None:
        """The live session behind a cookie value, or None (unknown, expired, revoked, or
        its judge removed: then every session and unused link of the judge ends)."""
        if not cookie or len(cookie) > 200 or not cookie.isascii():
            return None
        async with self.db.read() as conn:
            row = await q.live_session(conn, _sha256(cookie), self.clock.now())
        if row is None:
            return None
        if not await self._active(row.judge_id):
            await self.end_access(row.judge_id, reason="removed")
            return None
        return JudgeSession(row.judge_id, row.csrf_token, row.expires_at)

    @staticmethod
    def csrf_ok(session: JudgeSession, submitted: str | None) -> bool:
        """True when ``submitted`` is this session's CSRF token (constant-time compare)."""
        return bool(submitted) and hmac.compare_digest(
            session.csrf_token.encode(), (submitted or "").encode()
        )

    async def logout(self, cookie: str) -> bool:
        """End the session behind ``cookie`` (audited ``judging.web_logout``); False if it
        was not live."""
        now = self.clock.now()
        async with self.db.write() as conn:
            row = await q.live_session(conn, _sha256(cookie), now)
            if row is None:
                return False
            await q.revoke_session(conn, row.id_hash, now)
            await self.audit.record(
                conn, actor_id=None, action="judging.web_logout", target=f"judge:{row.judge_id}"
            )
        return True

    async def end_access(self, judge_id: int, *, reason: str) -> int:
        """Revoke every live session of the judge and withdraw their unused links; audited
        as ``judging.web_access_ended`` when anything was live. Returns how many ended."""
        now = self.clock.now()
        async with self.db.write() as conn:
            sessions = await q.revoke_judge_sessions(conn, judge_id, now)
            links = await q.withdraw_judge_links(conn, judge_id, now)
            if sessions or links:
                await self.audit.record(
                    conn,
                    actor_id=None,
                    action="judging.web_access_ended",
                    target=f"judge:{judge_id}",
                    details={"reason": reason, "sessions": sessions, "links": links},
                )
        return sessions + links
