"""The contest gallery: an entry's post and its Vote button (a DynamicItem keyed by the
entry id, so it works after restarts), and the coalesced count edits (``GalleryCounter``,
owned by the contests cog)."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Any, cast

import discord
from aiolimiter import AsyncLimiter

from bot.i18n import N_
from bot.interactions import PersistentButton, interaction_locale, send_ephemeral
from bot.services.contests import HIDDEN, Submission
from cogs._ui import esc, text_channel, tr
from cogs.contests.reports import REPORT_LABEL, ReportButton

if TYPE_CHECKING:
    from bot.app import PodiumBot
    from cogs.contests.cog import ContestCog

log = logging.getLogger(__name__)

#: Public posts are in the competition's first language.
PUBLIC_LOCALE = "en"

VOTE_LABEL = N_("Vote ({count})")
VOTE_COUNTED = N_("Vote counted — {used} of {max} votes used.")
VOTE_REMOVED = N_("Vote taken back — {used} of {max} votes used.")
ENTRY_TEAM = N_("Team")
ENTRY_LINK = N_("Link")
ENTRY_FILE = N_("File")
ENTRY_FOOTER = N_("Entry #{id} · {contest}")
ENTRY_WITHDRAWN = N_("This entry was withdrawn.")
ENTRY_HIDDEN_TITLE = N_("Hidden entry")
ENTRY_HIDDEN = N_("The organizers hid this entry. It takes no votes while it is hidden.")
ENTRY_DISQUALIFIED = N_("The organizers disqualified this entry. Its votes do not count.")

#: Seconds between two edits of one gallery post at most (Discord rate-limits edits).
EDIT_INTERVAL = 3.0
#: edits per gallery channel per CHANNEL_PERIOD seconds (Discord limits edits per channel)
CHANNEL_EDITS = 5
CHANNEL_PERIOD = 5.0


def gallery_counter(bot: PodiumBot) -> GalleryCounter:
    """The contests cog's counter (one per bot, so every press shares the pending flags)."""
    cog = cast("ContestCog | None", bot.get_cog("ContestCog"))
    if cog is None:
        raise RuntimeError("the contests cog is not loaded")
    return cog.counter


class VoteButton(PersistentButton, template=r"podium:vote:(?P<id>\d+)"):
    """The Vote button under a gallery post: press to vote, press again to take it back."""

    def __init__(self, submission_id: int, label: str = "Vote") -> None:
        super().__init__(
            custom_id=f"podium:vote:{submission_id}",
            label=label,
            style=discord.ButtonStyle.primary,
        )
        self.submission_id = submission_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> VoteButton:
        """The button of the entry in the custom id."""
        return cls(int(match["id"]))

    async def pressed(self, bot: PodiumBot, interaction: discord.Interaction[Any]) -> None:
        """Vote or unvote; the voter's account age comes from their id (a snowflake)."""
        user = interaction.user
        outcome = await bot.services.contests.vote(
            submission_id=self.submission_id,
            voter_id=user.id,
            account_created_at=discord.utils.snowflake_time(user.id),
            joined_at=getattr(user, "joined_at", None),
        )
        message = VOTE_COUNTED if outcome.added else VOTE_REMOVED
        locale = interaction_locale(interaction)
        await send_ephemeral(
            interaction, tr(bot, locale, message, used=outcome.used, max=outcome.max_votes)
        )
        gallery_counter(bot).request(outcome.submission_id, outcome.channel_id, outcome.message_id)


def entry_embed(bot: PodiumBot, entry: Submission) -> discord.Embed:
    """The gallery post of an entry: title, team, link or file. A hidden entry shows none
    of them; a disqualified one keeps its title and team but not its link or file."""
    footer = tr(bot, PUBLIC_LOCALE, ENTRY_FOOTER, id=entry.id, contest=entry.contest_name)
    if entry.moderation == HIDDEN:
        embed = discord.Embed(
            title=tr(bot, PUBLIC_LOCALE, ENTRY_HIDDEN_TITLE),
            description=tr(bot, PUBLIC_LOCALE, ENTRY_HIDDEN),
            colour=discord.Colour.dark_grey(),
        )
        return embed.set_footer(text=footer)
    if entry.moderation is not None:
        embed = discord.Embed(
            title=esc(entry.title)[:256],
            description=tr(bot, PUBLIC_LOCALE, ENTRY_DISQUALIFIED),
            colour=discord.Colour.dark_red(),
        )
        embed.add_field(name=tr(bot, PUBLIC_LOCALE, ENTRY_TEAM), value=esc(entry.team_name))
        return embed.set_footer(text=footer)
    embed = discord.Embed(title=esc(entry.title)[:256], colour=discord.Colour.gold())
    embed.add_field(name=tr(bot, PUBLIC_LOCALE, ENTRY_TEAM), value=esc(entry.team_name))
    if entry.url:
        embed.add_field(name=tr(bot, PUBLIC_LOCALE, ENTRY_LINK), value=entry.url, inline=False)
    if entry.attachment_url:
        name = esc(entry.attachment_name or "file")
        embed.add_field(
            name=tr(bot, PUBLIC_LOCALE, ENTRY_FILE),
            value=f"[{name}]({entry.attachment_url})",
            inline=False,
        )
    if entry.withdrawn:
        embed.description = tr(bot, PUBLIC_LOCALE, ENTRY_WITHDRAWN)
    embed.set_footer(text=footer)
    return embed


def entry_view(bot: PodiumBot, entry: Submission) -> discord.ui.View | None:
    """The Vote button with the current count and the Report button (none for a withdrawn,
    hidden or disqualified entry)."""
    if entry.withdrawn or entry.moderation is not None:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(VoteButton(entry.id, tr(bot, PUBLIC_LOCALE, VOTE_LABEL, count=entry.votes)))
    view.add_item(ReportButton(entry.id, tr(bot, PUBLIC_LOCALE, REPORT_LABEL)))
    return view


async def gallery_channel(
    bot: PodiumBot, contest_channel_id: int | None
) -> discord.TextChannel | None:
    """The contest's gallery channel, else the configured one recorded by /admin setup."""
    channel_id = contest_channel_id or (await bot.services.setup.resource_ids()).get(
        "channel:gallery"
    )
    channel = text_channel(bot, channel_id)
    if channel is None:
        log.warning("no gallery channel channel_id=%s: run /admin setup", channel_id)
        return None
    return channel


async def post_entry(bot: PodiumBot, entry: Submission, contest_channel_id: int | None) -> None:
    """Post a new entry to the gallery and remember the message."""
    channel = await gallery_channel(bot, contest_channel_id)
    if channel is None:
        return
    view = entry_view(bot, entry)
    message = await channel.send(
        embed=entry_embed(bot, entry),
        view=view or discord.utils.MISSING,
        allowed_mentions=discord.AllowedMentions.none(),
    )
    await bot.services.contests.set_gallery_message(
        entry.id, channel_id=channel.id, message_id=message.id
    )


async def refresh_entry(bot: PodiumBot, submission_id: int) -> None:
    """Re-render an entry's gallery post (title, link, count, withdrawn, moderation)."""
    entry = await bot.services.contests.submission(submission_id)
    if entry.channel_id is None or entry.message_id is None:
        return
    channel = text_channel(bot, entry.channel_id)
    if channel is None:
        return
    await channel.get_partial_message(entry.message_id).edit(
        embed=entry_embed(bot, entry), view=entry_view(bot, entry)
    )


class GalleryCounter:
    """Keeps gallery counts in step with votes without running into Discord's rate limits.

    Two budgets: each post is edited at most once per ``interval`` seconds (the first vote
    marks it pending and starts a delayed edit; votes until then only find it pending), and
    each channel gets at most ``channel_edits`` edits per ``channel_period`` seconds (a
    burst over many entries of one gallery queues for the channel's budget, and votes
    arriving meanwhile still coalesce into the waiting edit). The edit reads the count when
    it runs, so the post always ends on the right number.
    """

    def __init__(
        self,
        bot: PodiumBot,
        interval: float = EDIT_INTERVAL,
        *,
        channel_edits: int = CHANNEL_EDITS,
        channel_period: float = CHANNEL_PERIOD,
    ) -> None:
        self.bot = bot
        self.interval = interval
        self.channel_edits = channel_edits
        self.channel_period = channel_period
        self._pending: dict[int, int] = {}  # message id -> submission id
        self._tasks: dict[int, asyncio.Task[Any]] = {}
        self._channels: dict[int, AsyncLimiter] = {}

    @property
    def pending(self) -> int:
        """Posts waiting for their edit."""
        return len(self._pending)

    def request(self, submission_id: int, channel_id: int | None, message_id: int | None) -> None:
        """Ask for the post's count to be refreshed (coalesced; returns at once)."""
        if channel_id is None or message_id is None or message_id in self._pending:
            return
        self._pending[message_id] = submission_id
        self._tasks[message_id] = self.bot.spawn(
            self._later(channel_id, message_id), name=f"gallery-edit-{message_id}"
        )

    def budget(self, channel_id: int) -> AsyncLimiter:
        """The channel's edit budget (shared by every post in it)."""
        limiter = self._channels.get(channel_id)
        if limiter is None:
            limiter = AsyncLimiter(self.channel_edits, self.channel_period)
            self._channels[channel_id] = limiter
        return limiter

    async def _later(self, channel_id: int, message_id: int) -> None:
        await asyncio.sleep(self.interval)
        # Still pending while it waits for the channel's budget: later votes coalesce here.
        await self.budget(channel_id).acquire()
        self._tasks.pop(message_id, None)
        await self._edit(message_id)

    async def _edit(self, message_id: int) -> None:
        submission_id = self._pending.pop(message_id, None)
        if submission_id is None:
            return
        try:
            await refresh_entry(self.bot, submission_id)
        except discord.HTTPException as exc:
            log.warning("gallery edit failed message=%s status=%s", message_id, exc.status)

    async def flush(self) -> None:
        """Run every pending edit now, outside the budgets (shutdown, tests)."""
        for message_id, task in list(self._tasks.items()):
            task.cancel()
            self._tasks.pop(message_id, None)
        for message_id in list(self._pending):
            await self._edit(message_id)
