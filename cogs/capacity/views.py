"""Discord side of capacity: the offer DM with its Accept / Decline buttons, the captains'
notices (a lapsed offer, a place lost at the check-in close, the check-in and its
reminder, with the Check in button), the WhatsApp wording of an offer, and the lines
``/team`` shows about a team's place."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord

from bot.calendar import discord_timestamp
from bot.i18n import N_
from bot.interactions import PersistentButton, send_ephemeral
from bot.services.capacity import (
    NOTICE_CHECKIN_OPEN,
    NOTICE_CHECKIN_REMINDER,
    NOTICE_LAPSED,
    NOTICE_NO_CHECKIN,
    OfferNotice,
    OfferWording,
    Standing,
    TeamNotice,
)
from bot.services.publications import Publication
from cogs._publisher import Rendered, Renderer
from cogs._ui import esc, say, tr

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

OFFER_DM = N_(
    "🎉 A place opened up in the {track} track and it is offered to your team **{team}**. "
    "Accept it before {deadline} ({relative}); if you decline or let it lapse, it goes to "
    "the next team on the waitlist."
)
OFFER_WHATSAPP = N_(
    "A place in the {track} track is offered to your team {team}. The captain accepts it "
    "on Discord before {deadline} ({timezone})."
)
ACCEPT_LABEL = N_("Accept the place")
DECLINE_LABEL = N_("Decline")
CHECKIN_LABEL = N_("Check in")
ACCEPTED = N_("**{team}** has its place. Good luck! (Accepting also checked the team in.)")
DECLINED = N_("You declined the place: **{team}** leaves the waitlist and the next team is asked.")
CHECKED_IN = N_("**{team}** is checked in. See you at the start!")
NOTICES = {
    NOTICE_LAPSED: N_(
        "The place offered to **{team}** lapsed on {at}, so it went to the next team on the "
        "waitlist, and your team left the waitlist."
    ),
    NOTICE_NO_CHECKIN: N_(
        "**{team}** did not check in before {at}, so it lost its place to the waitlist."
    ),
    NOTICE_CHECKIN_OPEN: N_(
        "✅ Check-in is open: confirm that **{team}** takes part before {at}, with the button "
        "below or /team checkin. Unconfirmed teams lose their place."
    ),
    NOTICE_CHECKIN_REMINDER: N_(
        "⏰ **{team}** has not checked in yet. Check-in closes {at}: confirm with the button "
        "below or /team checkin, or your team loses its place."
    ),
}
STANDING_LABEL = N_("Place in the competition")
PLACED = N_("Holds a place ({cap} in the track)")
PLACED_NO_CAP = N_("Holds a place")
PLACED_CHECKED_IN = N_("Holds a place, checked in {at}")
WAITLISTED = N_("Waitlisted, position {position}")
OFFERED = N_("A place is offered: the captain accepts it before {deadline}")
RELEASED = N_("No place ({reason})")
REASONS = {
    "withdrawn": N_("withdrawn"),
    "disbanded": N_("disbanded"),
    "no_checkin": N_("missed the check-in"),
    "declined": N_("declined the offer"),
    "lapsed": N_("the offer lapsed"),
}
WITHDRAW_ASK = N_(
    "Withdraw **{team}**? It gives up {what} and the next waitlisted team is offered the "
    "place. The team itself stays. This cannot be undone."
)
WITHDRAW_WHAT_PLACE = N_("its place")
WITHDRAW_WHAT_WAITLIST = N_("its place on the waitlist")
WITHDRAW_BUTTON = N_("Withdraw the team")
WITHDRAWN = N_("**{team}** is withdrawn: its place goes to the waitlist.")


def standing_text(bot: PodiumBot, locale: str, standing: Standing) -> str:
    """One line on where the team stands (for /team info and /team create)."""
    if standing.status == "waitlisted":
        return tr(bot, locale, WAITLISTED, position=standing.position)
    if standing.status == "offered" and standing.offer_expires_at is not None:
        return tr(bot, locale, OFFERED, deadline=discord_timestamp(standing.offer_expires_at, "f"))
    if standing.status == "released":
        reason = REASONS.get(standing.release_reason or "", REASONS["withdrawn"])
        return tr(bot, locale, RELEASED, reason=tr(bot, locale, reason))
    if standing.checked_in_at is not None and bot.competition.capacity.checkin_opens:
        return tr(bot, locale, PLACED_CHECKED_IN, at=discord_timestamp(standing.checked_in_at, "f"))
    if standing.cap is None:
        return tr(bot, locale, PLACED_NO_CAP)
    return tr(bot, locale, PLACED, cap=standing.cap)


def offer_wording(bot: PodiumBot) -> OfferWording:
    """The WhatsApp wording of an offer: text and broadcast-template value per language."""

    def wording(notice: OfferNotice) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
        competition = bot.competition.competition
        local = notice.expires_at.astimezone(competition.tz).strftime("%Y-%m-%d %H:%M")
        texts: dict[str, str] = {}
        variables: dict[str, dict[str, str]] = {}
        for language in ("en", "zh_CN"):
            texts[language] = bot.catalogs.gettext(
                language,
                OFFER_WHATSAPP,
                track=bot.competition.track(notice.track).name.get(language),
                team=notice.team_name,
                deadline=local,
                timezone=competition.timezone,
            )
            variables[language] = {"message": texts[language]}
        return texts, variables

    return wording


class OfferRenderer(Renderer):
    """The offer DM to the captain, with Accept and Decline (pinging no one)."""

    def __init__(self, bot: PodiumBot) -> None:
        super().__init__()
        self.bot = bot

    async def render(
        self, publication: Publication, channel: discord.abc.Messageable
    ) -> Rendered | None:
        """The offer in the captain's language."""
        notice: OfferNotice = publication.data
        locale = notice.locale
        text = tr(
            self.bot,
            locale,
            OFFER_DM,
            track=self.bot.competition.track(notice.track).name.get(locale),
            team=esc(notice.team_name),
            deadline=discord_timestamp(notice.expires_at, "f"),
            relative=discord_timestamp(notice.expires_at, "R"),
        )
        view = discord.ui.View(timeout=None)
        view.add_item(OfferButton("accept", notice.offer_id, tr(self.bot, locale, ACCEPT_LABEL)))
        view.add_item(OfferButton("decline", notice.offer_id, tr(self.bot, locale, DECLINE_LABEL)))
        return Rendered(
            content=text,
            kwargs={"view": view, "allowed_mentions": discord.AllowedMentions.none()},
        )

    async def failed(self, publication: Publication, exc: Exception) -> None:
        """A captain with closed DMs still has WhatsApp and /team info."""
        log.warning("capacity offer DM not sent key=%s", publication.key)


class NoticeRenderer(Renderer):
    """A captain's notice about the team's place (the Check in button where it helps)."""

    def __init__(self, bot: PodiumBot) -> None:
        super().__init__()
        self.bot = bot

    async def render(
        self, publication: Publication, channel: discord.abc.Messageable
    ) -> Rendered | None:
        """The notice in the captain's language."""
        notice: TeamNotice = publication.data
        at = discord_timestamp(notice.at, "f") if notice.at else "?"
        text = tr(self.bot, notice.locale, NOTICES[notice.what], team=esc(notice.team_name), at=at)
        kwargs: dict[str, Any] = {"allowed_mentions": discord.AllowedMentions.none()}
        if notice.what in (NOTICE_CHECKIN_OPEN, NOTICE_CHECKIN_REMINDER):
            view = discord.ui.View(timeout=None)
            view.add_item(CheckinButton(notice.team_id, tr(self.bot, notice.locale, CHECKIN_LABEL)))
            kwargs["view"] = view
        return Rendered(content=text, kwargs=kwargs)

    async def failed(self, publication: Publication, exc: Exception) -> None:
        """Closed DMs: logged (the captain still sees /team info)."""
        log.warning("capacity notice DM not sent key=%s", publication.key)


class OfferButton(
    PersistentButton, template=r"podium:cap-offer:(?P<action>accept|decline):(?P<id>\d+)"
):
    """Accept or Decline on an offer DM; only the team's captain may press."""

    def __init__(self, action: str, offer_id: int, label: str = "") -> None:
        super().__init__(
            custom_id=f"podium:cap-offer:{action}:{offer_id}",
            label=label or action,
            style=discord.ButtonStyle.success
            if action == "accept"
            else discord.ButtonStyle.secondary,
        )
        self.action = action
        self.offer_id = offer_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> OfferButton:
        """The button of the action and offer in the custom id."""
        return cls(match["action"], int(match["id"]))

    async def pressed(self, bot: PodiumBot, interaction: discord.Interaction[Any]) -> None:
        """Take or turn down the place."""
        capacity = bot.services.capacity
        if self.action == "accept":
            team = await capacity.accept(offer_id=self.offer_id, user_id=interaction.user.id)
            text = say(bot, interaction, ACCEPTED, team=esc(team.name))
        else:
            team = await capacity.decline(offer_id=self.offer_id, user_id=interaction.user.id)
            text = say(bot, interaction, DECLINED, team=esc(team.name))
        await send_ephemeral(interaction, text)


class CheckinButton(PersistentButton, template=r"podium:cap-checkin:(?P<team>\d+)"):
    """Check in on the check-in DM; the captain presses (the team is theirs by then)."""

    def __init__(self, team_id: int, label: str = "Check in") -> None:
        super().__init__(
            custom_id=f"podium:cap-checkin:{team_id}",
            label=label,
            style=discord.ButtonStyle.success,
        )
        self.team_id = team_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> CheckinButton:
        """The button of the team in the custom id."""
        return cls(int(match["team"]))

    async def pressed(self, bot: PodiumBot, interaction: discord.Interaction[Any]) -> None:
        """Check the presser's team in."""
        team = await bot.services.capacity.checkin(user_id=interaction.user.id)
        await send_ephemeral(interaction, say(bot, interaction, CHECKED_IN, team=esc(team.name)))


class WithdrawButton(PersistentButton, template=r"podium:cap-withdraw:(?P<team>\d+)"):
    """Confirms /team withdraw; the captain presses."""

    def __init__(self, team_id: int, label: str = "Withdraw") -> None:
        super().__init__(
            custom_id=f"podium:cap-withdraw:{team_id}",
            label=label,
            style=discord.ButtonStyle.danger,
        )
        self.team_id = team_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> WithdrawButton:
        """The button of the team in the custom id."""
        return cls(int(match["team"]))

    async def pressed(self, bot: PodiumBot, interaction: discord.Interaction[Any]) -> None:
        """Withdraw the presser's team (the service checks they are its captain)."""
        team = await bot.services.capacity.withdraw(
            captain_id=interaction.user.id, team_id=self.team_id
        )
        await send_ephemeral(interaction, say(bot, interaction, WITHDRAWN, team=esc(team.name)))


def withdraw_prompt(
    bot: PodiumBot, interaction: discord.Interaction[Any], team_id: int, team: str, waitlisted: bool
) -> tuple[str, discord.ui.View]:
    """The question /team withdraw asks, with its confirm button."""
    what = say(bot, interaction, WITHDRAW_WHAT_WAITLIST if waitlisted else WITHDRAW_WHAT_PLACE)
    view = discord.ui.View(timeout=None)
    view.add_item(WithdrawButton(team_id, say(bot, interaction, WITHDRAW_BUTTON)))
    return say(bot, interaction, WITHDRAW_ASK, team=esc(team), what=what), view
