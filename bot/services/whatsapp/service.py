"""WhatsApp subscribers: linking a number with consent, and inbound keywords.

Plain Python: the Twilio calls live in ``bot/whatsapp/`` (the adapter). Numbers are stored
in E.164 and shown masked to anyone but their owner; logs carry subscriber ids only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.clock import Clock
from bot.config import CompetitionConfig
from bot.errors import PodiumError
from bot.i18n import normalize_locale
from bot.services.audit import AuditService
from bot.services.outbox import mask_phone
from bot.services.whatsapp.errors import (
    CodeExpired,
    NoPendingCode,
    NotLinked,
    PhoneTaken,
    TooManyAttempts,
    WhatsAppDisabled,
    WrongCode,
)
from bot.services.whatsapp.keywords import Keyword, parse_inbound
from bot.services.whatsapp.models import (
    LinkStarted,
    Subscription,
    WhatsAppSetup,
    normalize_phone,
)
from bot.services.whatsapp.replies import (
    HELP_REPLY,
    LINK_FAILED_REPLY,
    LINKED_REPLY,
    NOT_SUBSCRIBED_REPLY,
    STARTED_REPLY,
    STOPPED_REPLY,
    InboundReply,
    NextLookup,
    PointsLookup,
    TopLookup,
    answer_data,
    reply_language,
)
from storage.engine import Database
from storage.queries import outbox as outbox_queries
from storage.queries import relay as relay_queries
from storage.queries import whatsapp as wa_queries

log = logging.getLogger(__name__)

CODE_TTL = dt.timedelta(minutes=10)
MAX_CODE_ATTEMPTS = 5


def _hash(code: str, salt: str) -> str:
    return hashlib.scrypt(code.encode(), salt=bytes.fromhex(salt), n=2**14, r=8, p=1).hex()


def _matches(code: str, salt: str, expected: str) -> bool:
    return hmac.compare_digest(_hash(code, salt), expected)


@dataclass(slots=True)
class WhatsAppService:
    """Linking, unlinking, languages and inbound keywords."""

    db: Database
    clock: Clock
    competition: CompetitionConfig
    audit: AuditService
    #: None: WhatsApp is off in this process (Twilio is not configured).
    setup: WhatsAppSetup | None = None

    @property
    def enabled(self) -> bool:
        """Whether WhatsApp is on (Twilio is configured)."""
        return self.setup is not None

    @property
    def bot_number(self) -> str | None:
        """E.164 of the WhatsApp sender, for wa.me links (None: unknown or off)."""
        return self.setup.bot_number if self.setup is not None else None

    @property
    def send_codes(self) -> bool:
        """Whether verification codes are queued for the relay."""
        return self.setup is not None and self.setup.send_codes

    async def team_of(self, user_id: int) -> tuple[int, str, str] | None:
        """(team id, name, track) of the member's team this season, or None."""
        async with self.db.read() as conn:
            return await wa_queries.team_of(conn, self.competition.competition.season, user_id)

    # -- linking --------------------------------------------------------------------------
    async def start_link(
        self, *, user_id: int, phone: str, language: str, consent_text: str
    ) -> LinkStarted:
        """Start linking ``phone``: store two hashed codes (10 minutes, 5 attempts), queue
        one for the number in the outbox (the relay sends it with the verification template,
        like every message Podium sends), and return the wa.me link carrying the other.
        ``consent_text`` is the wording shown to the member."""
        if not self.enabled:
            raise WhatsAppDisabled()
        e164 = normalize_phone(phone)
        now = self.clock.now()
        language = normalize_locale(language)
        code = f"{secrets.randbelow(10**6):06d}"
        link_code = f"{secrets.randbelow(10**6):06d}"
        salt = secrets.token_hex(16)
        async with self.db.write() as conn:
            owner = await wa_queries.subscriber_by_phone(conn, e164)
            if owner is not None and owner.user_id not in (None, user_id):
                raise PhoneTaken()
            verification_id = await wa_queries.replace_code(
                conn,
                user_id=user_id,
                phone_e164=e164,
                language=language,
                code_hash=_hash(code, salt),
                link_hash=_hash(link_code, salt),
                salt=salt,
                consent_text=consent_text,
                attempts=0,
                created_at=now,
                expires_at=now + CODE_TTL,
            )
            if self.send_codes:
                # The code is kept readable in the row until it is sent: the relay needs
                # it, and it is worth nothing to anyone but this member, for 10 minutes.
                await outbox_queries.enqueue_verification(
                    conn,
                    verification_id=verification_id,
                    language=language,
                    body=code,
                    variables={"code": code},
                    now=now,
                )
        wa_link = None
        if self.bot_number:
            wa_link = f"https://wa.me/{self.bot_number.lstrip('+')}?text=LINK%20{link_code}"
        return LinkStarted(
            phone_e164=e164,
            masked=mask_phone(e164),
            link_code=link_code,
            wa_link=wa_link,
            code_sent=self.send_codes,
            expires_at=now + CODE_TTL,
        )

    async def verify(self, *, user_id: int, code: str) -> Subscription:
        """Check the code sent to the number; on success the number is subscribed with the
        recorded consent. Wrong codes count against 5 attempts; codes last 10 minutes."""
        now = self.clock.now()
        error: PodiumError | None = None
        subscription: Subscription | None = None
        # Wrong attempts must be counted (committed) before the error is raised.
        async with self.db.write() as conn:
            pending = await wa_queries.code_for_user(conn, user_id)
            if pending is None:
                error = NoPendingCode()
            elif now >= pending.expires_at:
                await wa_queries.delete_code(conn, pending.id)
                error = CodeExpired()
            elif pending.attempts >= MAX_CODE_ATTEMPTS:
                await wa_queries.delete_code(conn, pending.id)
                error = TooManyAttempts()
            elif not _matches(code.strip(), pending.salt, pending.code_hash):
                remaining = MAX_CODE_ATTEMPTS - pending.attempts - 1
                if remaining <= 0:
                    await wa_queries.delete_code(conn, pending.id)
                    error = TooManyAttempts()
                else:
                    await wa_queries.count_attempt(conn, pending.id)
                    error = WrongCode(remaining=remaining)
            else:
                subscription = await self._subscribe(conn, pending, "discord_code", now)
        if error is not None:
            raise error
        if subscription is None:  # pragma: no cover - every branch above sets one
            raise NoPendingCode()
        return subscription

    async def _subscribe(
        self, conn: Any, pending: wa_queries.CodeRow, source: str, now: dt.datetime
    ) -> Subscription:
        owner = await wa_queries.subscriber_by_phone(conn, pending.phone_e164)
        if owner is not None and owner.user_id not in (None, pending.user_id):
            raise PhoneTaken()
        mine = await wa_queries.subscriber_by_user(conn, pending.user_id)
        if mine is not None and (owner is None or mine.id != owner.id):
            # The member moves to a new number: the old one stops receiving.
            await relay_queries.cancel_pending(conn, mine.id, now=now)
            await wa_queries.update_subscriber(
                conn, mine.id, user_id=None, opted_out_at=now, consent_changed_at=now
            )
        values = {
            "user_id": pending.user_id,
            "language": pending.language,
            "consent_at": now,
            "consent_source": source,
            "consent_text": pending.consent_text,
            "opted_out_at": None,
            "consent_changed_at": now,
        }
        if source == "whatsapp_link":
            values["last_inbound_at"] = now
        if owner is not None:
            await wa_queries.update_subscriber(conn, owner.id, **values)
            subscriber_id = owner.id
        else:
            subscriber_id = await wa_queries.create_subscriber(
                conn, phone_e164=pending.phone_e164, created_at=now, **values
            )
        await wa_queries.add_consent(
            conn,
            subscriber_id=subscriber_id,
            user_id=pending.user_id,
            action="opt_in",
            source=source,
            wording=pending.consent_text,
            at=now,
        )
        await wa_queries.delete_code(conn, pending.id)
        log.info(
            "whatsapp linked user=%s subscriber=%s source=%s",
            pending.user_id,
            subscriber_id,
            source,
        )
        return Subscription(
            subscriber_id=subscriber_id,
            phone_e164=pending.phone_e164,
            masked=mask_phone(pending.phone_e164),
            language=pending.language,
            opted_out=False,
        )

    async def unlink(self, *, user_id: int) -> Subscription:
        """Unlink the member's number: no more messages, pending ones cancelled at once."""
        now = self.clock.now()
        async with self.db.write() as conn:
            mine = await wa_queries.subscriber_by_user(conn, user_id)
            if mine is None:
                raise NotLinked()
            await relay_queries.cancel_pending(conn, mine.id, now=now)
            await wa_queries.update_subscriber(
                conn, mine.id, user_id=None, opted_out_at=now, consent_changed_at=now
            )
            await wa_queries.add_consent(
                conn,
                subscriber_id=mine.id,
                user_id=user_id,
                action="unlink",
                source="discord",
                wording="",
                at=now,
            )
        return Subscription(
            mine.id, mine.phone_e164, mask_phone(mine.phone_e164), mine.language, True
        )

    async def set_language(self, *, user_id: int, language: str) -> Subscription:
        """Messages to the member's number from now on use ``language`` (en or zh_CN)."""
        language = normalize_locale(language)
        async with self.db.write() as conn:
            mine = await wa_queries.subscriber_by_user(conn, user_id)
            if mine is None:
                raise NotLinked()
            await wa_queries.update_subscriber(conn, mine.id, language=language)
        return Subscription(
            mine.id,
            mine.phone_e164,
            mask_phone(mine.phone_e164),
            language,
            mine.opted_out_at is not None,
        )

    async def subscription(self, user_id: int) -> Subscription | None:
        """The member's linked number, if any."""
        async with self.db.read() as conn:
            mine = await wa_queries.subscriber_by_user(conn, user_id)
        if mine is None:
            return None
        return Subscription(
            mine.id,
            mine.phone_e164,
            mask_phone(mine.phone_e164),
            mine.language,
            mine.opted_out_at is not None,
        )

    # -- inbound --------------------------------------------------------------------------
    async def handle_inbound(
        self,
        *,
        phone: str,
        body: str,
        message_sid: str,
        points: PointsLookup | None = None,
        top: TopLookup | None = None,
        next_item: NextLookup | None = None,
        team_of: Callable[[int], Awaitable[tuple[int, str, str] | None]] | None = None,
    ) -> InboundReply | None:
        """Handle one inbound WhatsApp message from ``phone`` (E.164), at most once.

        Records the inbound time (the 24-hour window), then answers the keyword: STOP /
        UNSUBSCRIBE / 退订 opt out at once and cancel pending messages; START subscribes
        again; LINK <code> proves the number for ``/whatsapp link``; POINTS, TOP and NEXT
        answer from the data sources given (saying so when one does not exist); anything
        else gets HELP.

        Returns None, having changed nothing, for a message already handled (the same
        ``message_sid``: a retry or a replayed copy) and for a STOP or START older than the
        consent change already applied.
        """
        # The order of consent changes. Twilio's inbound webhook carries no timestamp and
        # MessageSids are random, so Twilio's own order is not in the request. What Podium
        # has is the moment it first received each SID, taken here before waiting for the
        # writer: a message received earlier but applied later (two webhooks in flight, or
        # concurrent writers on PostgreSQL) is older than the change already recorded in
        # ``consent_changed_at`` and changes nothing. A second copy of a SID is no new
        # message at all: its receipt exists, so it is ignored outright and cannot take a
        # newer receipt time. Discord-side changes (link, unlink) record their own time.
        received_at = self.clock.now()
        parsed = parse_inbound(body)
        default = self.competition.competition.default_locale
        async with self.db.write() as conn:
            if not await wa_queries.record_receipt(
                conn, kind="inbound", key=message_sid, at=received_at
            ):
                log.info("whatsapp inbound replay ignored")
                return None
            subscriber = await wa_queries.subscriber_by_phone(conn, phone)
            if subscriber is not None:
                await wa_queries.touch_inbound(conn, subscriber.id, received_at)
            language = reply_language(subscriber, body, default)
            if subscriber is not None and parsed.keyword in (
                Keyword.STOP,
                Keyword.START,
            ):
                last_change = subscriber.consent_changed_at
                if last_change is not None and received_at < last_change:
                    log.info("whatsapp consent message older than the last change ignored")
                    return None
            if parsed.keyword is Keyword.STOP:
                if subscriber is None:
                    return InboundReply(STOPPED_REPLY, language)
                await self._opt_out(conn, subscriber, body, received_at)
                reply = InboundReply(STOPPED_REPLY, language)
            elif parsed.keyword is Keyword.LINK and parsed.code is not None:
                reply = await self._link_inbound(conn, phone, parsed.code, language, received_at)
            elif subscriber is None or subscriber.user_id is None:
                return InboundReply(
                    HELP_REPLY if parsed.keyword is Keyword.HELP else NOT_SUBSCRIBED_REPLY,
                    language,
                )
            elif parsed.keyword is Keyword.START:
                if subscriber.opted_out_at is not None:
                    await wa_queries.update_subscriber(
                        conn, subscriber.id, opted_out_at=None, consent_changed_at=received_at
                    )
                    await wa_queries.add_consent(
                        conn,
                        subscriber_id=subscriber.id,
                        user_id=subscriber.user_id,
                        action="resubscribe",
                        source="whatsapp_keyword",
                        wording=body[:200],
                        at=received_at,
                    )
                reply = InboundReply(STARTED_REPLY, language)
            else:
                reply = InboundReply(HELP_REPLY, language)
        if (
            subscriber is not None
            and subscriber.user_id is not None
            and parsed.keyword in (Keyword.POINTS, Keyword.TOP, Keyword.NEXT)
        ):
            return await answer_data(
                self.competition,
                parsed.keyword,
                subscriber,
                language,
                received_at,
                points,
                top,
                next_item,
                team_of,
            )
        return reply

    async def _opt_out(
        self, conn: Any, subscriber: wa_queries.SubscriberRow, body: str, at: dt.datetime
    ) -> None:
        """STOP: no more messages from ``at`` on; queued ones are cancelled at once (rows
        the relay already claimed are checked against the database just before sending)."""
        values: dict[str, Any] = {"consent_changed_at": at}
        if subscriber.opted_out_at is None:
            values["opted_out_at"] = at
        await wa_queries.update_subscriber(conn, subscriber.id, **values)
        cancelled = await relay_queries.cancel_pending(conn, subscriber.id, now=at)
        await wa_queries.add_consent(
            conn,
            subscriber_id=subscriber.id,
            user_id=subscriber.user_id,
            action="opt_out",
            source="whatsapp_keyword",
            wording=body[:200],
            at=at,
        )
        log.info("whatsapp opt-out subscriber=%s cancelled=%d", subscriber.id, cancelled)

    async def _link_inbound(
        self, conn: Any, phone: str, code: str, language: str, now: dt.datetime
    ) -> InboundReply:
        for pending in await wa_queries.codes_for_phone(conn, phone):
            if now >= pending.expires_at or pending.attempts >= MAX_CODE_ATTEMPTS:
                continue
            if _matches(code, pending.salt, pending.link_hash):
                try:
                    await self._subscribe(conn, pending, "whatsapp_link", now)
                except PhoneTaken:
                    return InboundReply(LINK_FAILED_REPLY, language)
                return InboundReply(LINKED_REPLY, normalize_locale(pending.language))
            await wa_queries.count_attempt(conn, pending.id)
        return InboundReply(LINK_FAILED_REPLY, language)
