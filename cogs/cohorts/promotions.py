"""Promotions in Discord: the role swap, then the member's DM and the welcome in the new
cohort's first channel, both through the one publisher.

Published rather than sent directly, so each is made once across crashes (the journal of
posts) and also from a worker process, whose guild has roles but no member cache: the
publisher finds the member with ``fetch_user`` and the channel with ``fetch_channel``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord

from bot.services.cohorts import Promotion
from bot.services.publications import Publication
from cogs._publisher import Rendered, Renderer
from cogs.cohorts.roles import (
    PROMOTED_DM,
    PROMOTED_WELCOME,
    apply_assignment,
    cohort_name,
    cohort_roles,
)

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

#: Publication kinds of a promotion's DM and of its welcome post.
PROMOTION_DM = "cohort-promotion-dm"
PROMOTION_WELCOME = "cohort-promotion-welcome"


def welcome_resource(cohort: str) -> str:
    """The /admin setup resource of a cohort's first channel, where its welcomes go."""
    return f"channel:cohort:{cohort}:0"


def publications(promotions: Sequence[Promotion]) -> list[Publication]:
    """A DM and a welcome post per promotion, each under its own journal key."""
    posts: list[Publication] = []
    for promotion in promotions:
        posts.append(
            Publication(
                key=f"{promotion.key}:dm",
                kind=PROMOTION_DM,
                data=promotion,
                user_id=promotion.user_id,
            )
        )
        posts.append(
            Publication(
                key=f"{promotion.key}:welcome",
                kind=PROMOTION_WELCOME,
                data=promotion,
                resource=welcome_resource(promotion.new_cohort),
            )
        )
    return posts


async def announce_promotions(bot: PodiumBot, promotions: Sequence[Promotion]) -> int:
    """Swap roles, DM each promoted member in their language and welcome them in the new
    cohort's first channel. Returns how many role swaps failed (those members get no DM
    or welcome: the start-up repair gives them the role, and /cohort show their cohort)."""
    guild = bot.get_guild(bot.guild_id)
    if guild is None or not promotions:
        return 0
    role_ids = await cohort_roles(bot, guild)
    swapped: list[Promotion] = []
    for promotion in promotions:
        if await apply_assignment(
            bot, guild, promotion.assignment, reason="Podium promotion", role_ids=role_ids
        ):
            swapped.append(promotion)
    await bot.publisher.publish(publications(swapped))
    return len(promotions) - len(swapped)


class PromotionDmRenderer(Renderer):
    """The promoted member's DM, in their language (pinging no one)."""

    def __init__(self, bot: PodiumBot) -> None:
        super().__init__()
        self.bot = bot

    async def render(
        self, publication: Publication, channel: discord.abc.Messageable
    ) -> Rendered | None:
        """The congratulations with the new cohort's name and the team's points."""
        promotion: Promotion = publication.data
        text = self.bot.catalogs.gettext(
            promotion.locale,
            PROMOTED_DM,
            cohort=cohort_name(self.bot, promotion.new_cohort, promotion.locale),
            points=promotion.points,
        )
        return Rendered(content=text, kwargs={"allowed_mentions": discord.AllowedMentions.none()})

    async def failed(self, publication: Publication, exc: Exception) -> None:
        """Closed DMs: logged (the member sees the new channels and /cohort show)."""
        log.info("promotion DM not delivered user=%s", publication.user_id)


class PromotionWelcomeRenderer(Renderer):
    """The welcome in the new cohort's first channel, in the server's language; it names
    the member without pinging them."""

    def __init__(self, bot: PodiumBot) -> None:
        super().__init__()
        self.bot = bot

    async def render(
        self, publication: Publication, channel: discord.abc.Messageable
    ) -> Rendered | None:
        """The welcome line."""
        promotion: Promotion = publication.data
        default = self.bot.competition.competition.default_locale
        text = self.bot.catalogs.gettext(
            default,
            PROMOTED_WELCOME,
            cohort=cohort_name(self.bot, promotion.new_cohort, default),
            member=f"<@{promotion.user_id}>",
            points=promotion.points,
        )
        return Rendered(content=text, kwargs={"allowed_mentions": discord.AllowedMentions.none()})

    async def no_channel(self, publication: Publication) -> None:
        """The cohort has no channel yet: the welcome is skipped (the DM still goes)."""
        log.info("promotion welcome skipped: no channel %s", publication.resource)

    async def failed(self, publication: Publication, exc: Exception) -> None:
        """Discord refused the welcome: logged."""
        log.warning("promotion welcome failed resource=%s", publication.resource)
