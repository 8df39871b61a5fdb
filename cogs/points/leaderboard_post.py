"""Board posts in the leaderboard channel: their renderer, the catch-up at start, the final
boards of /season close.

Exactly one post per season, week (or ``final``) and track: the one publisher
(``cogs._publisher``) claims it in the journal of posts, sends it and records its message.
A claim left unfinished by a process that died mid-post is resumed by looking for the
message in the channel (its embed footer carries the post's key) before posting again, and
every post carries a nonce from its claim, so Discord itself drops a repeat within minutes.
The renderer's lock keeps the weekly job, the catch-up at start and /season close from
posting the same board at once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.cards import CardRow, render_card
from bot.i18n import N_
from bot.interactions import interaction_locale
from bot.services.points import FINAL_WEEK_KEY, Board, SeasonClose, SeasonClosed
from bot.services.publications import Publication
from cogs._publisher import Rendered, Renderer
from cogs._ui import ConfirmCancelButton
from cogs.points.views import board_embed

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

CARD_WEEK = N_("Week {week}: {start} to {end}")
CARD_FINAL = N_("Final standings, season {season}")
CARD_EMPTY = N_("No points this week.")
WHATSAPP_SUMMARY = N_("Leaderboard {week}, {track}: {summary}")
HISTORY_LIMIT = 50


class BoardRenderer(Renderer):
    """How a board post looks, how a crashed one is found, and what follows a post."""

    claim_without_channel = True
    no_channel_error = "no leaderboard channel"
    raise_failures = True  # not posted: the next try (the catch-up at start) posts it again
    serialize = True  # the catch-up, the weekly job and the season close report per board

    def __init__(self, bot: PodiumBot) -> None:
        super().__init__()
        self.bot = bot

    def marker(self, week_key: str, track: str) -> str:
        """The footer text identifying a post (season · week · track)."""
        return f"Podium · {self.bot.services.points.season} · {week_key} · {track}"

    async def no_channel(self, publication: Publication) -> None:
        """Boards wait until the channel exists (logged)."""
        log.warning("no leaderboard channel: run /admin setup; boards wait until it exists")

    def error_text(self, exc: Exception) -> str:
        """The journal records the error's type."""
        return type(exc).__name__

    async def find(self, publication: Publication, channel: discord.abc.Messageable) -> int | None:
        """The post a dead process made, by its footer marker."""
        board: Board = publication.data
        marker = self.marker(board.week_key, board.track)
        me = self.bot.user
        try:
            async for message in channel.history(limit=HISTORY_LIMIT):
                if me is not None and message.author.id != me.id:
                    continue
                if any(embed.footer.text == marker for embed in message.embeds):
                    return message.id
        except discord.HTTPException as exc:
            log.warning("cannot read the leaderboard channel history status=%s", exc.status)
        return None

    async def render(
        self, publication: Publication, channel: discord.abc.Messageable
    ) -> Rendered | None:
        """The board's embed and card image; None for a board without points."""
        board: Board = publication.data
        if not board.rows:
            return None
        bot = self.bot
        locale = bot.competition.competition.default_locale
        embed = board_embed(bot, board, locale)
        embed.set_footer(text=self.marker(board.week_key, board.track))
        track = bot.competition.track(board.track).name
        title = (
            track.en
            if not track.zh_CN or track.zh_CN == track.en
            else f"{track.zh_CN} · {track.en}"
        )
        if board.week is None:
            subtitle = bot.catalogs.gettext(locale, CARD_FINAL, season=board.season)
        else:
            tz = bot.competition.tz
            subtitle = bot.catalogs.gettext(
                locale,
                CARD_WEEK,
                week=board.week_key,
                start=board.week.start.astimezone(tz).strftime("%Y-%m-%d"),
                end=(board.week.end - dt.timedelta(seconds=1)).astimezone(tz).strftime("%Y-%m-%d"),
            )
        png = await asyncio.to_thread(
            render_card,
            title=title,
            subtitle=subtitle,
            rows=[CardRow(s.rank, s.name, s.points) for s in board.rows],
            empty_text=bot.catalogs.gettext(locale, CARD_EMPTY),
            footer=f"{bot.competition.competition.name} · {board.season}",
        )
        name = f"leaderboard-{board.season}-{board.week_key}-{board.track}.png"
        embed.set_image(url=f"attachment://{name}")
        return Rendered(
            embed=embed,
            kwargs={
                "file": discord.File(io.BytesIO(png), filename=name),
                "allowed_mentions": discord.AllowedMentions.none(),
            },
        )

    async def posted(
        self, publication: Publication, message_id: int, *, recovered: bool = False
    ) -> None:
        """Queue the WhatsApp summary (idempotent per occurrence and subscriber)."""
        board: Board = publication.data
        bot = self.bot
        summary = " · ".join(f"{s.rank}. {s.name} ({s.points})" for s in board.rows[:3])
        texts: dict[str, str] = {}
        variables: dict[str, dict[str, str]] = {}
        for language in ("en", "zh_CN"):
            track = bot.competition.track(board.track).name.get(language)
            week = board.week_key if board.week is not None else board.season
            texts[language] = bot.catalogs.gettext(
                language, WHATSAPP_SUMMARY, week=week, track=track, summary=summary
            )
            variables[language] = {"week": week, "summary": f"{track}: {summary}"}
        added = await bot.services.outbox.enqueue(
            occurrence_key=f"leaderboard:{board.season}:{board.week_key}:{board.track}",
            kind="leaderboard",
            texts=texts,
            variables=variables,
            track=board.track,
        )
        log.info("board summary queued for whatsapp track=%s rows=%d", board.track, added)
        if recovered:
            log.info("board post recovered week=%s track=%s", board.week_key, board.track)
        else:
            log.info(
                "board posted week=%s track=%s message=%s", board.week_key, board.track, message_id
            )

    async def after(self, outcomes: list[tuple[Publication, str]]) -> None:
        """Tell other cogs (cohort promotions) that a week's boards just went out."""
        by_week: dict[str, dict[str, str]] = {}
        for publication, outcome in outcomes:
            board: Board = publication.data
            by_week.setdefault(board.week_key, {})[board.track] = outcome
        for week_key, outcome_of in by_week.items():
            if week_key == FINAL_WEEK_KEY:
                continue
            log.info("weekly boards week=%s %s", week_key, outcome_of)
            if any(state in ("posted", "recovered") for state in outcome_of.values()):
                self.bot.dispatch("weekly_boards_posted", week_key)


async def post_week(bot: PodiumBot, week_key: str) -> dict[str, str]:
    """Post ``week_key``'s board of every track once; what happened per track
    (``posted``, ``recovered``, ``empty``, ``done`` or ``no-channel``)."""
    publications = await bot.services.points.board_publications(week_key)
    outcomes = await bot.publisher.publish(publications)
    return {p.data.track: outcome for p, outcome in zip(publications, outcomes, strict=True)}


async def catch_up(bot: PodiumBot) -> dict[str, str]:
    """At start: post the newest due week's boards if they were not posted (downtime)."""
    await bot.wait_until_ready()
    due = bot.services.points.due_week()
    outcome = await post_week(bot, due.key)
    log.info("weekly boards catch-up week=%s %s", due.key, outcome)
    return outcome


async def finish_season(bot: PodiumBot, closed: SeasonClose) -> tuple[int, int, int]:
    """After ``close_season``: post the final boards, give the Alumni role to the alumni
    who lack it.

    Returns (boards posted now, roles given now, members that could not get it). Safe
    to run again: posted boards and given roles are recorded and skipped.
    """
    points = bot.services.points
    outcomes = await post_week(bot, FINAL_WEEK_KEY)
    posted = sum(1 for outcome in outcomes.values() if outcome == "posted")
    pending = [a.user_id for a in closed.alumni if a.granted_at is None]
    guild = bot.get_guild(bot.guild_id)
    role_id = (await bot.services.setup.resource_ids()).get("role:alumni")
    role = guild.get_role(role_id) if guild and role_id else None
    if role is None and guild is not None:
        role = discord.utils.get(guild.roles, name=bot.competition.roles.alumni)
    if guild is None or role is None:
        log.warning("alumni role missing: run /admin setup, then /season close again")
        return posted, 0, len(pending)
    given: list[int] = []
    failed = 0
    for user_id in pending:
        try:
            await bot.http.add_role(
                guild.id, user_id, role.id, reason=f"Podium alumni of season {points.season}"
            )
            given.append(user_id)
        except discord.NotFound:
            log.info("alumnus left the server user=%s", user_id)
            failed += 1
        except discord.HTTPException as exc:
            log.warning("alumni role not given user=%s status=%s", user_id, exc.status)
            failed += 1
    await points.alumni_granted(given)
    log.info("season finished boards=%d roles=%d failed=%d", posted, len(given), failed)
    return posted, len(given), failed


SEASON_CLOSE_WARNING = N_(
    "Close season {season}? Points are frozen for good, the final boards are posted and the "
    "members of each track's top {top_n} teams get the {role} role."
)
SEASON_CLOSE_CONFIRM = N_("Close the season")
SEASON_CLOSE_CANCEL = N_("Cancel")
SEASON_CLOSE_CANCELLED = N_("Nothing changed: the season stays open.")
SEASON_CLOSED_REPORT = N_(
    "Season {season} is closed. Final boards posted now: {posted}. Alumni role given now: "
    "{given} members ({failed} could not get it; run /season close again to retry)."
)


class SeasonCloseButton(ConfirmCancelButton, prefix="season-close", subject=r"[^:]{1,32}"):
    """Confirms or cancels /season close (organizers only); survives restarts."""

    confirm_style = discord.ButtonStyle.danger

    async def cancelled(self, bot: PodiumBot, interaction: discord.Interaction[Any]) -> None:
        """Nothing changes."""
        await interaction.response.edit_message(
            content=bot.catalogs.gettext(interaction_locale(interaction), SEASON_CLOSE_CANCELLED),
            view=None,
        )

    async def confirmed(self, bot: PodiumBot, interaction: discord.Interaction[Any]) -> None:
        """Close the season, post the final boards, give the Alumni role; report."""
        locale = interaction_locale(interaction)
        points = bot.services.points
        if self.subject != points.season:
            raise SeasonClosed(season=self.subject)
        await interaction.response.defer()
        closed = await points.close_season(actor_id=interaction.user.id)
        posted, given, failed = await finish_season(bot, closed)
        text = bot.catalogs.gettext(
            locale,
            SEASON_CLOSED_REPORT,
            season=closed.season,
            posted=posted,
            given=given,
            failed=failed,
        )
        await interaction.edit_original_response(content=text, view=None)


def season_close_view(bot: PodiumBot, locale: str) -> discord.ui.View:
    """Confirm / Cancel buttons for /season close."""
    return SeasonCloseButton.pair(
        bot.services.points.season,
        confirm=bot.catalogs.gettext(locale, SEASON_CLOSE_CONFIRM),
        cancel=bot.catalogs.gettext(locale, SEASON_CLOSE_CANCEL),
    )
