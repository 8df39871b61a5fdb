"""Profiles: ``/register`` pages saved with their consent, ``/profile``, the organizers' list."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.clock import Clock
from bot.config import CompetitionConfig
from bot.config.registration import RegistrationSection
from bot.i18n import normalize_locale
from bot.services.registration.errors import (
    NoProfile,
    NoProfileFields,
    RegisterFirstPage,
    UnknownPage,
)
from bot.services.registration.fields import clean_answer, country_name
from bot.services.registration.models import Consent, PageSaved, Profile
from storage.engine import Database
from storage.queries import registration as q


def _consent(row: q.ConsentRow | None) -> Consent | None:
    if row is None:
        return None
    return Consent(row.version, row.locale, row.text, row.accepted_at)


def _cell(text: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@dataclass(slots=True)
class ProfileService:
    """The member's answers to the ``[registration]`` fields."""

    db: Database
    clock: Clock
    competition: CompetitionConfig

    @property
    def rules(self) -> RegistrationSection:
        """``[registration]``."""
        return self.competition.registration

    def consent_text(self, locale: str) -> str:
        """The consent wording shown to a member in ``locale``."""
        return self.rules.consent.get(locale)

    async def save_page(
        self, *, user_id: int, page: int, values: Mapping[str, str], locale: str
    ) -> PageSaved:
        """Validate and store the answers of one ``/register`` page. Page 0 shows the
        consent wording: submitting it records that wording (in the member's language,
        with the version and the time) unless the member already accepted this version.
        A later page needs page 0 done first. Raises the field's refusal (nothing is
        stored then), NoProfileFields, UnknownPage or RegisterFirstPage."""
        pages = self.rules.pages
        if not self.rules.fields:
            raise NoProfileFields()
        if not 0 <= page < len(pages):
            raise UnknownPage()
        cleaned = {
            field.key: clean_answer(field, values.get(field.key), field.label.get(locale))
            for field in pages[page]
        }
        now = self.clock.now()
        language = normalize_locale(locale)
        async with self.db.write() as conn:
            current = await q.profile(conn, user_id)
            if page > 0 and current is None:
                raise RegisterFirstPage()
            answers = {**(current.answers if current else {}), **cleaned}
            await q.save_profile(conn, user_id=user_id, answers=answers, now=now)
            if page == 0:
                latest = await q.latest_consent(conn, user_id)
                if latest is None or latest.version != self.rules.consent_version:
                    await q.add_consent(
                        conn,
                        user_id=user_id,
                        version=self.rules.consent_version,
                        locale=language,
                        text=self.consent_text(language),
                        now=now,
                    )
            saved = await q.profile(conn, user_id)
            consent = await q.latest_consent(conn, user_id)
        if saved is None:  # pragma: no cover - written just above
            raise NoProfile()
        next_page = page + 1 if page + 1 < len(pages) else None
        return PageSaved(self._profile(saved, consent), page, next_page)

    @staticmethod
    def _profile(row: q.ProfileRow, consent: q.ConsentRow | None) -> Profile:
        return Profile(
            user_id=row.user_id,
            answers=dict(row.answers),
            created_at=row.created_at,
            updated_at=row.updated_at,
            consent=_consent(consent),
            display_name=row.display_name,
        )

    async def get(self, user_id: int) -> Profile | None:
        """The member's profile, or None before ``/register``."""
        async with self.db.read() as conn:
            row = await q.profile(conn, user_id)
            consent = await q.latest_consent(conn, user_id) if row else None
        return self._profile(row, consent) if row else None

    async def mine(self, user_id: int) -> Profile:
        """The member's profile. Raises NoProfile."""
        found = await self.get(user_id)
        if found is None:
            raise NoProfile()
        return found

    async def all(self) -> list[Profile]:
        """Every profile, oldest first, with names and consents (organizers only)."""
        async with self.db.read() as conn:
            rows = await q.all_profiles(conn)
            consents = await q.latest_consents(conn)
        return [self._profile(row, consents.get(row.user_id)) for row in rows]

    def shown(self, key: str, value: str, locale: str) -> str:
        """An answer as people read it: a country by its name in ``locale``."""
        try:
            field = self.rules.field(key)
        except KeyError:
            return value
        if field.type == "country" and value:
            return country_name(value, locale)
        return value

    def required_keys(self) -> list[str]:
        """The keys of the required fields."""
        return [field.key for field in self.rules.fields if field.required]

    def csv_header(self) -> list[str]:
        """The header of the organizers' profiles CSV."""
        return [
            "user_id",
            "display_name",
            *(field.key for field in self.rules.fields),
            "eligible_tracks",
            "consent_version",
            "consent_at",
            "updated_at",
        ]

    async def csv_rows(self) -> list[list[str]]:
        """The organizers' profiles CSV rows (countries as ISO codes)."""
        async with self.db.read() as conn:
            grants = await q.all_grants(conn)
        by_member: dict[int, list[str]] = {}
        for grant in grants:
            by_member.setdefault(grant.user_id, []).append(grant.track)
        rows = []
        for profile in await self.all():
            rows.append(
                [
                    str(profile.user_id),
                    _cell(profile.display_name or ""),
                    *(_cell(profile.answers.get(field.key, "")) for field in self.rules.fields),
                    " ".join(sorted(by_member.get(profile.user_id, []))),
                    profile.consent.version if profile.consent else "",
                    profile.consent.accepted_at.isoformat() if profile.consent else "",
                    profile.updated_at.isoformat(),
                ]
            )
        return rows
