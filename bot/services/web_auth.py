"""Dashboard login links and sessions (SPEC §5).

A login link carries ``<random>.<signature>``: the random part is 32 bytes from
:mod:`secrets`; the signature is HMAC-SHA256 of it under the signing key, so a tampered link
is refused before the database is asked. The database keeps only the SHA-256 of the random
part (``web_login_tokens``), which makes a link single use and lets it expire after
:data:`LINK_TTL` (10 minutes). Using a link opens a session (``web_sessions``, 12 hours):
the cookie holds a random id whose SHA-256 is stored, together with the session's CSRF
token. The signing key is ``DASHBOARD_SECRET`` when set, otherwise one generated on first
use and kept in ``web_secrets`` so links survive restarts.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from bot.clock import Clock
from bot.errors import PodiumError
from bot.i18n import N_
from bot.services.audit import AuditService
from storage.engine import Database
from storage.queries import web_auth as q

LINK_TTL = dt.timedelta(minutes=10)
SESSION_TTL = dt.timedelta(hours=12)
SECRET_NAME = "link_signing"  # noqa: S105 - the name of the stored secret, not a secret
LOGIN_PATH = "/admin/login"


class LoginLinkInvalid(PodiumError):
    """The link was altered or never issued (its signature or its id does not check out)."""

    message = N_(
        "This login link is not valid. Ask for a new one with /admin dashboard in Discord."
    )


class LoginLinkExpired(PodiumError):
    """The link is older than ten minutes."""

    message = N_(
        "This login link has expired (links last 10 minutes). Ask for a new one with "
        "/admin dashboard in Discord."
    )


class LoginLinkUsed(PodiumError):
    """The link was used already; each link opens one session."""

    message = N_(
        "This login link was already used. Each link works once: ask for a new one with "
        "/admin dashboard in Discord."
    )


class InvalidLinkLifetime(PodiumError):
    """A link may live at most ten minutes."""

    message = N_("A login link lasts between 0 and {max} seconds.")


@dataclass(frozen=True, slots=True)
class LoginLink:
    """An issued link: ``url`` to open, valid until ``expires_at`` (aware UTC), once."""

    url: str
    token: str
    user_id: int
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True)
class WebSession:
    """A live dashboard session; ``csrf_token`` must accompany every form it posts."""

    user_id: int
    csrf_token: str
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True)
class AccessEnded:
    """What ending someone's dashboard access took away."""

    user_id: int
    sessions: int
    links: int


@dataclass(frozen=True, slots=True)
class NewSession:
    """A session just opened from a link: ``cookie`` is the value for the browser."""

    cookie: str
    session: WebSession


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(slots=True)
class WebAuthService:
    """Issues and checks login links, opens, reads and revokes sessions.

    ``secret`` (``DASHBOARD_SECRET``) and ``base_url`` (``PUBLIC_BASE_URL``, else the web
    server's own address) are set by :meth:`configure` at start-up.
    """

    db: Database
    clock: Clock
    audit: AuditService
    secret: str | None = None
    base_url: str = "http://127.0.0.1:8080"
    _key: bytes | None = field(default=None, repr=False)

    def configure(self, *, secret: str | None, base_url: str) -> None:
        """Set the signing secret (None or empty: generated and kept in the database) and
        the public address links point to (no trailing slash)."""
        self.secret = secret or None
        self.base_url = base_url.rstrip("/")
        self._key = None

    @property
    def secure_cookies(self) -> bool:
        """True when the dashboard is served over https (cookies get ``Secure``)."""
        return self.base_url.startswith("https://")

    async def signing_key(self) -> bytes:
        """The HMAC key: ``DASHBOARD_SECRET``, or the stored generated one (created once;
        two processes starting together agree because the first stored value wins)."""
        if self._key is not None:
            return self._key
        if self.secret:
            self._key = self.secret.encode("utf-8")
            return self._key
        async with self.db.read() as conn:
            stored = await q.get_secret(conn, SECRET_NAME)
        if stored is None:
            async with self.db.write() as conn:
                await q.put_secret_once(
                    conn, SECRET_NAME, secrets.token_urlsafe(48), self.clock.now()
                )
                stored = await q.get_secret(conn, SECRET_NAME)
        if stored is None:  # pragma: no cover - written just above
            raise RuntimeError("the link signing secret could not be stored")
        self._key = stored.encode("utf-8")
        return self._key

    async def _sign(self, raw: str) -> str:
        return _b64(hmac.new(await self.signing_key(), raw.encode("ascii"), "sha256").digest())

    async def issue_link(
        self, *, user_id: int, ttl: dt.timedelta = LINK_TTL, via: str = "discord"
    ) -> LoginLink:
        """A single-use login link for ``user_id`` valid for ``ttl`` (at most 10 minutes;
        0 makes a link that is already expired, for tests). Audited as ``web.link_issued``."""
        if not dt.timedelta(0) <= ttl <= LINK_TTL:
            raise InvalidLinkLifetime(max=int(LINK_TTL.total_seconds()))
        raw = secrets.token_urlsafe(32)
        token = f"{raw}.{await self._sign(raw)}"
        now = self.clock.now()
        expires = now + ttl
        async with self.db.write() as conn:
            await q.add_token(
                conn, token_hash=_sha256(raw), user_id=user_id, created_at=now, expires_at=expires
            )
            await self.audit.record(
                conn,
                actor_id=user_id,
                action="web.link_issued",
                target=f"user:{user_id}",
                details={"expires_at": expires.isoformat(), "via": via},
            )
        url = f"{self.base_url}{LOGIN_PATH}?token={token}"
        return LoginLink(url=url, token=token, user_id=user_id, expires_at=expires)

    async def verify_signature(self, token: str) -> str:
        """The random part of ``token`` if its signature checks out; raises
        :class:`LoginLinkInvalid` otherwise (no database lookup for a bad signature)."""
        raw, dot, signature = token.strip().partition(".")
        if not dot or not raw or not signature or len(token) > 200:
            raise LoginLinkInvalid()
        try:
            raw.encode("ascii")
        except UnicodeEncodeError:
            raise LoginLinkInvalid() from None
        if not hmac.compare_digest(signature, await self._sign(raw)):
            raise LoginLinkInvalid()
        return raw

    async def login(self, token: str) -> NewSession:
        """Use a link: checks signature, then existence, use and expiry; marks it used and
        opens a 12-hour session in one transaction (audited as ``web.login``).

        Raises LoginLinkInvalid, LoginLinkUsed or LoginLinkExpired; then nothing changes.
        """
        raw = await self.verify_signature(token)
        token_hash = _sha256(raw)
        now = self.clock.now()
        async with self.db.write() as conn:
            row = await q.get_token(conn, token_hash)
            if row is None:
                raise LoginLinkInvalid()
            if row.used_at is not None:
                raise LoginLinkUsed()
            if row.expires_at <= now:
                raise LoginLinkExpired()
            if not await q.use_token(conn, token_hash, now):  # pragma: no cover - one writer
                raise LoginLinkUsed()
            cookie = secrets.token_urlsafe(32)
            csrf = secrets.token_urlsafe(32)
            expires = now + SESSION_TTL
            await q.add_session(
                conn,
                id_hash=_sha256(cookie),
                user_id=row.user_id,
                csrf_token=csrf,
                created_at=now,
                expires_at=expires,
            )
            await self.audit.record(
                conn,
                actor_id=row.user_id,
                action="web.login",
                target=f"user:{row.user_id}",
                details={"session_expires_at": expires.isoformat()},
            )
        return NewSession(cookie=cookie, session=WebSession(row.user_id, csrf, expires))

    async def session(self, cookie: str | None) -> WebSession | None:
        """The live session behind a cookie value, or None (unknown, expired or revoked)."""
        if not cookie or len(cookie) > 200 or not cookie.isascii():
            return None
        async with self.db.read() as conn:
            row = await q.live_session(conn, _sha256(cookie), self.clock.now())
        if row is None:
            return None
        return WebSession(row.user_id, row.csrf_token, row.expires_at)

    @staticmethod
    def csrf_ok(session: WebSession, submitted: str | None) -> bool:
        """True when ``submitted`` is this session's CSRF token (constant-time compare)."""
        return bool(submitted) and hmac.compare_digest(
            session.csrf_token.encode(), (submitted or "").encode()
        )

    async def logout(self, cookie: str) -> bool:
        """Revoke the session behind ``cookie`` (audited ``web.logout``); False if it was
        not live. Idempotent."""
        now = self.clock.now()
        async with self.db.write() as conn:
            row = await q.live_session(conn, _sha256(cookie), now)
            if row is None:
                return False
            await q.revoke_session(conn, row.id_hash, now)
            await self.audit.record(
                conn, actor_id=row.user_id, action="web.logout", target=f"user:{row.user_id}"
            )
        return True

    async def revoke_all(self, user_id: int) -> int:
        """Revoke every live session of ``user_id`` (audited ``web.revoke_sessions``);
        returns how many were live."""
        now = self.clock.now()
        async with self.db.write() as conn:
            count = await q.revoke_user_sessions(conn, user_id, now)
            await self.audit.record(
                conn,
                actor_id=user_id,
                action="web.revoke_sessions",
                target=f"user:{user_id}",
                details={"sessions": count},
            )
        return count

    async def access_holders(self) -> list[int]:
        """Users who can use the dashboard now or soon: a live session or an unused,
        unexpired login link. The bot checks each is still an organizer."""
        async with self.db.read() as conn:
            return await q.access_holder_ids(conn, self.clock.now())

    async def holds_access(self, user_id: int) -> bool:
        """True when ``user_id`` has a live session or an unused, unexpired login link."""
        async with self.db.read() as conn:
            return await q.holds_access(conn, user_id, self.clock.now())

    async def end_access(self, user_id: int, *, reason: str) -> AccessEnded:
        """End ``user_id``'s dashboard access because they are no longer an organizer:
        revoke every live session (the next request finds none) and withdraw unused login
        links. ``reason`` says why (``left``, ``not_organizer``). Audited as
        ``web.access_ended`` (no actor: the bot decides) when anything was live; idempotent,
        and only a read when there is nothing to end (member updates call it often)."""
        now = self.clock.now()
        async with self.db.read() as conn:
            if not await q.holds_access(conn, user_id, now):
                return AccessEnded(user_id=user_id, sessions=0, links=0)
        async with self.db.write() as conn:
            sessions = await q.revoke_user_sessions(conn, user_id, now)
            links = await q.withdraw_user_links(conn, user_id, now)
            if sessions or links:
                await self.audit.record(
                    conn,
                    actor_id=None,
                    action="web.access_ended",
                    target=f"user:{user_id}",
                    details={"reason": reason, "sessions": sessions, "links": links},
                )
        return AccessEnded(user_id=user_id, sessions=sessions, links=links)

    async def purge(self) -> int:
        """Delete links and sessions that ended more than a day ago; returns rows removed."""
        before = self.clock.now() - dt.timedelta(days=1)
        async with self.db.write() as conn:
            return await q.purge_tokens(conn, before) + await q.purge_sessions(conn, before)
