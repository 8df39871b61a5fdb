"""Posting boards to the leaderboard channel: the weekly job, its catch-up, the final boards.

Exactly one post per season, week (or ``final``) and track: the post is claimed in the
journal of posts first (``bot.services.posts``), then sent, then recorded with its message
id. A claim left unfinished by a process that died mid-post is resumed by looking for the
message in the channel (its embed footer carries the post's key) before posting again, and
every post carries a nonce from its claim, so Discord itself drops a repeat within minutes.
One lock keeps the job, the catch-up at start and /season close from posting the same board
at once.
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
from bot.scheduler import JobRow
from bot.services.points import (
    FINAL_WEEK_KEY,
    WEEKLY_POST_JOB,
    Board,
    PointsService,
    SeasonClose,
    SeasonClosed,
)
from bot.services.posts import Delivery
from cogs._posting import send_once
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


class LeaderboardPoster:
    """Posts boards for one bot (see the module docstring)."""

    def __init__(self, bot: PodiumBot) -> None:
        self.bot = bot
        self._lock = asyncio.Lock()
        #: The catch-up started with the bot (tests wait for it before moving the clock).
        self.startup: asyncio.Task[dict[str, str]] | None = None

    @classmethod
    def of(cls, bot: PodiumBot) -> LeaderboardPoster:
        """The bot's poster (one per bot, so its lock covers every caller)."""
        poster = getattr(bot, "_leaderboard_poster", None)
        if not isinstance(poster, LeaderboardPoster):
            poster = cls(bot)
            bot._leaderboard_poster = poster  # type: ignore[attr-defined]
        return poster

    @property
    def _points(self) -> PointsService:
        return self.bot.services.points

    def marker(self, week_key: str, track: str) -> str:
        """The footer text identifying a post (season · week · track)."""
        return f"Podium · {self._points.season} · {week_key} · {track}"

    async def channel(self) -> discord.TextChannel | None:
        """The leaderboard channel recorded by /admin setup, or None (logged)."""
        channel_id = (await self.bot.services.setup.resource_ids()).get("channel:leaderboard")
        channel = self.bot.get_channel(channel_id) if channel_id else None
        if not isinstance(channel, discord.TextChannel):
            log.warning("no leaderboard channel: run /admin setup; boards wait until it exists")
            return None
        return channel

    async def post_week(self, week_key: str) -> dict[str, str]:
        """Post ``week_key``'s board of every track; returns what happened per track."""
        return {
            track: await self.post_board(week_key, track)
            for track in self.bot.competition.track_keys
        }

    async def post_board(self, week_key: str, track: str) -> str:
        """Post one board once: returns ``posted``, ``recovered``, ``empty``, ``done`` or
        ``no-channel`` (posted at the next try)."""
        async with self._lock:
            points = self._points
            posts = self.bot.services.posts
            delivery = await posts.claim(points.board_post_key(week_key, track))
            if not delivery.to_send:
                return "done"
            channel = await self.channel()
            if channel is None:
                await posts.finish(delivery, channel_id=None, error="no leaderboard channel")
                return "no-channel"
            board = await points.board_for_post(week_key, track)
            if delivery.resumed:
                found = await self._find_post(channel, self.marker(week_key, track))
                if found is not None:
                    await self._relay(board)
                    await posts.finish(delivery, channel_id=channel.id, message_id=found)
                    log.info("board post recovered week=%s track=%s", week_key, track)
                    return "recovered"
            if not board.rows:
                await posts.finish(delivery, channel_id=None)
                return "empty"
            try:
                message = await self._send(channel, board, delivery)
            except Exception as exc:
                # Not posted: the next try (the catch-up at start) posts it again.
                await posts.finish(delivery, channel_id=channel.id, error=type(exc).__name__)
                raise
            await self._relay(board)
            await posts.finish(delivery, channel_id=channel.id, message_id=message.id)
            log.info("board posted week=%s track=%s message=%s", week_key, track, message.id)
            return "posted"

    async def _find_post(self, channel: discord.TextChannel, marker: str) -> int | None:
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

    async def _send(
        self, channel: discord.TextChannel, board: Board, delivery: Delivery
    ) -> discord.Message:
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
        return await send_once(
            bot,
            channel,
            delivery,
            embed=embed,
            file=discord.File(io.BytesIO(png), filename=name),
            allowed_mentions=discord.AllowedMentions.none(),
        )

    async def _relay(self, board: Board) -> None:
        """Queue the WhatsApp summary (idempotent per occurrence and subscriber)."""
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

    # -- the weekly job ---------------------------------------------------------------------
    def register(self) -> None:
        """Register the weekly job's handler with the scheduler (before it starts)."""
        self.bot.services.scheduler.register(WEEKLY_POST_JOB, self._run_job)

    async def _run_job(self, job: JobRow) -> None:
        await self.bot.wait_until_ready()
        week_key = str(job.payload.get("week"))
        try:
            outcome = await self.post_week(week_key)
            log.info("weekly boards week=%s %s", week_key, outcome)
            self._announce_posted(week_key, outcome)
        finally:
            # A failed post (it is retried by the catch-up at the next start) must not break
            # the weekly chain.
            await self.schedule_next(after=max(job.run_at, self.bot.services.clock.now()))

    async def schedule_next(self, *, after: dt.datetime | None = None) -> None:
        """Make sure the next weekly post is a pending job (idempotent)."""
        points = self._points
        week, when = points.next_post(after)
        await self.bot.services.scheduler.schedule(
            WEEKLY_POST_JOB, points.post_job_key(week.key), when, {"week": week.key}
        )

    async def catch_up(self) -> dict[str, str]:
        """At start: post the newest due week's boards if they were not posted (downtime)."""
        await self.bot.wait_until_ready()
        due = self._points.due_week()
        outcome = await self.post_week(due.key)
        log.info("weekly boards catch-up week=%s %s", due.key, outcome)
        self._announce_posted(due.key, outcome)
        return outcome

    def _announce_posted(self, week_key: str, outcome: dict[str, str]) -> None:
        """Tell other cogs (cohort promotions) that a week's boards just went out."""
        if any(state in ("posted", "recovered") for state in outcome.values()):
            self.bot.dispatch("weekly_boards_posted", week_key)

    # -- season close -------------------------------------------------------------------------
    async def finish_season(self, closed: SeasonClose) -> tuple[int, int, int]:
        """After ``close_season``: post the final boards, give the Alumni role to the alumni
        who lack it.

        Returns (boards posted now, roles given now, members that could not get it). Safe
        to run again: posted boards and given roles are recorded and skipped.
        """
        bot = self.bot
        points = self._points
        posted = 0
        for track in bot.competition.track_keys:
            if await self.post_board(FINAL_WEEK_KEY, track) == "posted":
                posted += 1
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
        poster = LeaderboardPoster.of(bot)
        posted, given, failed = await poster.finish_season(closed)
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
