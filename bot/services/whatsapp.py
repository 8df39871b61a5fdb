"""WhatsApp subscribers: linking a number with consent, keywords, and delivery statuses.

Plain Python: the Twilio calls live in ``bot/whatsapp/`` (the adapter). Numbers are stored
in E.164 and shown masked to anyone but their owner; logs carry subscriber ids only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import phonenumbers

from bot.clock import Clock
from bot.config import CompetitionConfig
from bot.errors import PodiumError
from bot.i18n import N_, normalize_locale
from bot.services import relay_rules as rules
from bot.services.audit import AuditService
from storage.engine import Database
from storage.queries import relay as relay_queries
from storage.queries import whatsapp as wa_queries

log = logging.getLogger(__name__)

CODE_TTL = dt.timedelta(minutes=10)
MAX_CODE_ATTEMPTS = 5

# -- errors -------------------------------------------------------------------------------


class WhatsAppDisabled(PodiumError):
    """Twilio is not configured on this bot."""

    message = N_("WhatsApp is not set up on this server yet. Ask an organizer.")


class InvalidPhone(PodiumError):
    """The number cannot be parsed or is not a valid phone number."""

    message = N_(
        "That is not a valid phone number. Write it with the country code, e.g. +8613812345678."
    )


class PhoneTaken(PodiumError):
    """Another member linked that number."""

    message = N_("That number is already linked to another member.")


class NoPendingCode(PodiumError):
    """``/whatsapp verify`` without a pending ``/whatsapp link``."""

    message = N_("There is no code waiting for you. Start with /whatsapp link.")


class CodeExpired(PodiumError):
    """The code is older than 10 minutes."""

    message = N_("That code has expired. Run /whatsapp link again for a new one.")


class TooManyAttempts(PodiumError):
    """Five wrong codes."""

    message = N_("Too many wrong codes. Run /whatsapp link again for a new one.")


class WrongCode(PodiumError):
    """The code does not match."""

    message = N_("That code is not right. {remaining} attempts left.")


class NotLinked(PodiumError):
    """The member has no linked number."""

    message = N_("You have no WhatsApp number linked. Use /whatsapp link first.")


# -- inbound replies ----------------------------------------------------------------------

HELP_REPLY = N_(
    "Podium WhatsApp: reply POINTS for your team's points, TOP for this week's leaders, NEXT "
    "for the next announcement, STOP to unsubscribe, START to subscribe again."
)
STOPPED_REPLY = N_(
    "You are unsubscribed and will get no more messages. Reply START to subscribe again."
)
STARTED_REPLY = N_("You are subscribed again. Reply STOP at any time to unsubscribe.")
NOT_SUBSCRIBED_REPLY = N_(
    "This number is not linked to a competition member. Link it with /whatsapp link on Discord."
)
LINKED_REPLY = N_("Your number is linked to your Discord account. Reply STOP to unsubscribe.")
LINK_FAILED_REPLY = N_("That code is not valid for this number. Run /whatsapp link on Discord.")
POINTS_REPLY = N_("Your team {team} has {points} points this season.")
NO_TEAM_REPLY = N_("You are not in a team this season.")
POINTS_UNAVAILABLE_REPLY = N_("Points are not available on WhatsApp yet.")
TOP_UNAVAILABLE_REPLY = N_("This week's leaderboard is not available on WhatsApp yet.")
TOP_REPLY = N_("This week's top teams ({track}): {lines}")
NEXT_REPLY = N_("Next announcement: {when} — {preview}")
NOTHING_NEXT_REPLY = N_("Nothing is scheduled for you right now.")


class CodeSender(Protocol):
    """Sends a verification code to a number with the verification template."""

    async def send_code(self, phone_e164: str, language: str, code: str) -> None: ...


class StatusListener(Protocol):
    """Told when a number opts out (the relay stops its rows in flight)."""

    def opted_out(self, subscriber_id: int) -> None: ...


PointsLookup = Callable[[Sequence[int]], Awaitable[Mapping[int, int]]]
TopLookup = Callable[[str], Awaitable[Sequence[tuple[str, int]]]]
NextLookup = Callable[[int | None, dt.datetime], Awaitable[tuple[dt.datetime, str] | None]]


@dataclass(frozen=True, slots=True)
class LinkStarted:
    """What ``/whatsapp link`` shows: the masked number (the owner sees it whole), the
    wa.me link with its code, whether a code was sent, and when the codes expire."""

    phone_e164: str
    masked: str
    link_code: str
    wa_link: str | None
    code_sent: bool
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Subscription:
    """A member's linked number."""

    subscriber_id: int
    phone_e164: str
    masked: str
    language: str
    opted_out: bool


@dataclass(frozen=True, slots=True)
class InboundReply:
    """The reply to an inbound message: a message id + params, in ``language``."""

    message: str
    language: str
    params: dict[str, Any] = field(default_factory=dict)
    opted_out_subscriber: int | None = None


def normalize_phone(raw: str) -> str:
    """E.164 of ``raw`` (``+`` and country code required); raises ``InvalidPhone``."""
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone() from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone()
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _hash(code: str, salt: str) -> str:
    return hashlib.scrypt(code.encode(), salt=bytes.fromhex(salt), n=2**14, r=8, p=1).hex()


def _matches(code: str, salt: str, expected: str) -> bool:
    return hmac.compare_digest(_hash(code, salt), expected)


def _reply_language(subscriber: wa_queries.SubscriberRow | None, body: str, default: str) -> str:
    if subscriber is not None:
        return normalize_locale(subscriber.language, default)
    if any("\u4e00" <= ch <= "\u9fff" for ch in body):
        return "zh_CN"
    return default


@dataclass(slots=True)
class WhatsAppService:
    """Linking, unlinking, languages, inbound keywords and status callbacks."""

    db: Database
    clock: Clock
    competition: CompetitionConfig
    audit: AuditService
    enabled: bool = False
    bot_number: str | None = None  # E.164 of the WhatsApp sender, for wa.me links
    code_sender: CodeSender | None = None
    listeners: list[StatusListener] = field(default_factory=list)

    def configure(self, *, bot_number: str | None, code_sender: CodeSender | None) -> None:
        """Turn WhatsApp on (called once at start when Twilio is configured)."""
        self.enabled = True
        self.bot_number = bot_number
        self.code_sender = code_sender

    # -- linking --------------------------------------------------------------------------
    async def start_link(
        self, *, user_id: int, phone: str, language: str, consent_text: str
    ) -> LinkStarted:
        """Start linking ``phone``: store two hashed codes (10 minutes, 5 attempts), send
        one to the number with the verification template when possible, and return the
        wa.me link carrying the other. ``consent_text`` is the wording shown to the member."""
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
            await wa_queries.replace_code(
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
        sent = False
        if self.code_sender is not None:
            try:
                await self.code_sender.send_code(e164, language, code)
                sent = True
            except Exception:
                log.warning("verification code not sent user=%s", user_id, exc_info=True)
        wa_link = None
        if self.bot_number:
            wa_link = f"https://wa.me/{self.bot_number.lstrip('+')}?text=LINK%20{link_code}"
        return LinkStarted(
            phone_e164=e164,
            masked=rules.mask_phone(e164),
            link_code=link_code,
            wa_link=wa_link,
            code_sent=sent,
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
            await wa_queries.update_subscriber(conn, mine.id, user_id=None, opted_out_at=now)
        values = {
            "user_id": pending.user_id,
            "language": pending.language,
            "consent_at": now,
            "consent_source": source,
            "consent_text": pending.consent_text,
            "opted_out_at": None,
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
            masked=rules.mask_phone(pending.phone_e164),
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
            await wa_queries.update_subscriber(conn, mine.id, user_id=None, opted_out_at=now)
            await wa_queries.add_consent(
                conn,
                subscriber_id=mine.id,
                user_id=user_id,
                action="unlink",
                source="discord",
                wording="",
                at=now,
            )
        self._tell_opted_out(mine.id)
        return Subscription(
            mine.id, mine.phone_e164, rules.mask_phone(mine.phone_e164), mine.language, True
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
            rules.mask_phone(mine.phone_e164),
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
            rules.mask_phone(mine.phone_e164),
            mine.language,
            mine.opted_out_at is not None,
        )

    # -- inbound --------------------------------------------------------------------------
    async def handle_inbound(
        self,
        *,
        phone: str,
        body: str,
        points: PointsLookup | None = None,
        top: TopLookup | None = None,
        next_item: NextLookup | None = None,
        team_of: Callable[[int], Awaitable[tuple[int, str, str] | None]] | None = None,
    ) -> InboundReply:
        """Handle one inbound WhatsApp message from ``phone`` (E.164).

        Records the inbound time (the 24-hour window), then answers the keyword: STOP /
        UNSUBSCRIBE / 退订 opt out at once and cancel pending messages; START subscribes
        again; LINK <code> proves the number for ``/whatsapp link``; POINTS, TOP and NEXT
        answer from the data sources given (saying so when one does not exist); anything
        else gets HELP.
        """
        now = self.clock.now()
        parsed = rules.parse_inbound(body)
        default = self.competition.competition.default_locale
        async with self.db.write() as conn:
            subscriber = await wa_queries.subscriber_by_phone(conn, phone)
            if subscriber is not None:
                await wa_queries.touch_inbound(conn, subscriber.id, now)
            language = _reply_language(subscriber, body, default)
            if parsed.keyword is rules.Keyword.STOP:
                if subscriber is None:
                    return InboundReply(STOPPED_REPLY, language)
                if subscriber.opted_out_at is None:
                    await wa_queries.update_subscriber(conn, subscriber.id, opted_out_at=now)
                cancelled = await relay_queries.cancel_pending(conn, subscriber.id, now=now)
                await wa_queries.add_consent(
                    conn,
                    subscriber_id=subscriber.id,
                    user_id=subscriber.user_id,
                    action="opt_out",
                    source="whatsapp_keyword",
                    wording=body[:200],
                    at=now,
                )
                log.info("whatsapp opt-out subscriber=%s cancelled=%d", subscriber.id, cancelled)
                reply = InboundReply(STOPPED_REPLY, language, opted_out_subscriber=subscriber.id)
            elif parsed.keyword is rules.Keyword.LINK and parsed.code is not None:
                reply = await self._link_inbound(conn, phone, parsed.code, language, now)
            elif subscriber is None or subscriber.user_id is None:
                return InboundReply(
                    HELP_REPLY if parsed.keyword is rules.Keyword.HELP else NOT_SUBSCRIBED_REPLY,
                    language,
                )
            elif parsed.keyword is rules.Keyword.START:
                if subscriber.opted_out_at is not None:
                    await wa_queries.update_subscriber(conn, subscriber.id, opted_out_at=None)
                    await wa_queries.add_consent(
                        conn,
                        subscriber_id=subscriber.id,
                        user_id=subscriber.user_id,
                        action="resubscribe",
                        source="whatsapp_keyword",
                        wording=body[:200],
                        at=now,
                    )
                reply = InboundReply(STARTED_REPLY, language)
            else:
                reply = InboundReply(HELP_REPLY, language)
        if reply.opted_out_subscriber is not None:
            self._tell_opted_out(reply.opted_out_subscriber)
        if (
            subscriber is not None
            and subscriber.user_id is not None
            and parsed.keyword in (rules.Keyword.POINTS, rules.Keyword.TOP, rules.Keyword.NEXT)
        ):
            return await self._answer_data(
                parsed.keyword, subscriber, language, now, points, top, next_item, team_of
            )
        return reply

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

    async def _answer_data(
        self,
        keyword: rules.Keyword,
        subscriber: wa_queries.SubscriberRow,
        language: str,
        now: dt.datetime,
        points: PointsLookup | None,
        top: TopLookup | None,
        next_item: NextLookup | None,
        team_of: Callable[[int], Awaitable[tuple[int, str, str] | None]] | None,
    ) -> InboundReply:
        user_id = subscriber.user_id or 0
        team = await team_of(user_id) if team_of is not None else None
        if keyword is rules.Keyword.POINTS:
            if points is None:
                return InboundReply(POINTS_UNAVAILABLE_REPLY, language)
            if team is None:
                return InboundReply(NO_TEAM_REPLY, language)
            totals = await points([team[0]])
            return InboundReply(
                POINTS_REPLY, language, {"team": team[1], "points": totals.get(team[0], 0)}
            )
        if keyword is rules.Keyword.TOP:
            if top is None:
                return InboundReply(TOP_UNAVAILABLE_REPLY, language)
            if team is None:
                return InboundReply(NO_TEAM_REPLY, language)
            leaders = await top(team[2])
            lines = "; ".join(f"{i}. {name} {score}" for i, (name, score) in enumerate(leaders, 1))
            return InboundReply(TOP_REPLY, language, {"track": team[2], "lines": lines or "—"})
        found = await next_item(user_id, now) if next_item is not None else None
        if found is None:
            return InboundReply(NOTHING_NEXT_REPLY, language)
        when, preview = found
        local = when.astimezone(self.competition.competition.tz)
        return InboundReply(
            NEXT_REPLY,
            language,
            {
                "when": local.strftime("%Y-%m-%d %H:%M ") + self.competition.competition.timezone,
                "preview": preview,
            },
        )

    def _tell_opted_out(self, subscriber_id: int) -> None:
        for listener in self.listeners:
            listener.opted_out(subscriber_id)

    # -- statuses -------------------------------------------------------------------------
    async def apply_status(
        self, *, outbox_id: int, sid: str | None, twilio_status: str, error_code: int | None
    ) -> str | None:
        """Apply a status callback; statuses only move forward, so duplicates and callbacks
        out of order change nothing. Returns the row's new status, or None if unchanged."""
        incoming = rules.outbox_status(twilio_status)
        if incoming is None:
            return None
        # Compare-and-set, retried: the relay may record the same row in between (on
        # PostgreSQL writers run concurrently), and a lost callback would be a lost status.
        for _ in range(5):
            now = self.clock.now()
            async with self.db.write() as conn:
                current = await relay_queries.get_status(conn, outbox_id)
                if current is None:
                    return None
                status, known_sid = current
                if known_sid is not None and sid is not None and known_sid != sid:
                    log.warning("status callback sid mismatch outbox=%s", outbox_id)
                    return None
                target = rules.next_status(status, incoming)
                if target is None:
                    return None
                code = error_code if target in (rules.FAILED, rules.UNDELIVERED) else None
                changed = await relay_queries.set_status(
                    conn,
                    outbox_id,
                    expected=status,
                    status=target,
                    sid=sid,
                    error_code=code,
                    now=now,
                )
            if changed:
                return target
        return None
