"""`/judging …` for organizers: the judge pool, rounds, progress, reassignment, results
and publishing (issue 16)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.calendar import discord_timestamp, parse_local_datetime
from bot.errors import InvalidInput
from bot.i18n import N_
from bot.interactions import interaction_locale, send_ephemeral
from bot.services.judging import Round, UnknownAssignment
from cogs._ui import ORGANIZER_ONLY, esc, organizer_only, tr
from cogs.judging import autocomplete as ac
from cogs.judging.pool import (
    CANCEL,
    JUDGE_ADDED_ROLE,
    JUDGES_NONE,
    REMOVE_ASK,
    REMOVE_CONFIRM,
    RemoveJudgeButton,
    added_text,
    judge_role,
    judges_embed,
)
from cogs.judging.publishing import PUBLISH_ASK, PUBLISH_CONFIRM, PublishButton
from cogs.judging.renderers import RESULTS_PER_PAGE, progress_embed, results_embed

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

ROUND_CREATED = N_(
    "Round #{id} **{name}** created (draft): entries from {source}, {k} judges per entry, "
    "deadline {deadline}. Open it with /judging round-open."
)
ROUND_OPENED = N_("Round #{id} **{name}** is open: entries are assigned to judges.")
ROUND_CLOSED = N_("Round #{id} **{name}** is closed: scores are final. Review /judging results.")
REASSIGNED = N_("Entry #{entry} **{title}** now goes to judge #{judge} **{name}**.")
JUDGE_LINK = N_(
    "Sign-in link for judge #{id} **{name}** to the judge portal. It works once and "
    "expires {expires}; send it to them privately (anyone holding it can score as them "
    "until it is used):\n{url}"
)
DEADLINE_FORMAT = N_("expected YYYY-MM-DD HH:MM in the competition timezone")

SOURCE_LABELS = {
    "all": N_("all submissions"),
    "previous_round": N_("the top {n} of the previous round"),
    "votes": N_("the top {n} by community votes"),
}
SOURCE_CHOICES = [
    app_commands.Choice(name="All submissions", value="all"),
    app_commands.Choice(name="Top N of the previous round", value="previous_round"),
    app_commands.Choice(name="Top N by community votes", value="votes"),
]


def _words(text: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in (text or "").split(",") if p.strip())


class JudgingCog(commands.Cog):
    """Organizers run judging: the pool, rounds, progress, results, publishing."""

    judging = app_commands.Group(
        name="judging",
        description="Judges, rounds and results",
        guild_only=True,
        extras=ORGANIZER_ONLY,
    )

    def __init__(self, bot: PodiumBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Confirm buttons that survive restarts."""
        self.bot.add_dynamic_items(RemoveJudgeButton, PublishButton)

    def _say(self, interaction: discord.Interaction[Any], message: str, **params: Any) -> str:
        return tr(self.bot, interaction_locale(interaction), message, **params)

    def _round_text(
        self, interaction: discord.Interaction[Any], message: str, round_: Round
    ) -> str:
        return self._say(interaction, message, id=round_.id, name=esc(round_.name))

    # -- the judge pool -------------------------------------------------------------------
    @judging.command(name="judge-add", description="Add a judge: a member, or a name and e-mail")
    @app_commands.describe(
        member="A Discord member (leave empty for an external judge)",
        name="An external judge's name (web only)",
        email="An external judge's e-mail, for their sign-in link",
        tags="Expertise tags separated by commas, e.g. finance,marketing",
        conflicts="Teams they must never judge, separated by commas",
    )
    @app_commands.autocomplete(conflicts=ac.teams)
    @organizer_only
    async def judge_add(
        self,
        interaction: discord.Interaction[PodiumBot],
        member: discord.Member | None = None,
        name: app_commands.Range[str, 1, 100] | None = None,
        email: app_commands.Range[str, 3, 200] | None = None,
        tags: app_commands.Range[str, 1, 400] | None = None,
        conflicts: app_commands.Range[str, 1, 400] | None = None,
    ) -> None:
        """Add the judge; a member gets the judge role when the server has it."""
        teams = self.bot.services.teams
        conflict_ids = tuple([(await teams.resolve(v)).id for v in _words(conflicts)])
        judge = await self.bot.services.judging.add_judge(
            actor_id=interaction.user.id,
            user_id=member.id if member else None,
            name=name or (member.display_name if member else ""),
            email=email,
            tags=_words(tags),
            conflict_team_ids=conflict_ids,
        )
        text = added_text(self.bot, interaction_locale(interaction), judge)
        role = await judge_role(self.bot, interaction.guild) if member is not None else None
        if member is not None and role is not None:
            try:
                await member.add_roles(role, reason="Podium: added to the judge pool")
                text += "\n" + self._say(interaction, JUDGE_ADDED_ROLE, role=esc(role.name))
            except discord.HTTPException as exc:
                log.warning("judge role not given user=%s status=%s", member.id, exc.status)
        await send_ephemeral(interaction, text)

    @judging.command(name="judge-remove", description="Remove a judge; their open entries move")
    @app_commands.autocomplete(judge=ac.judges)
    @organizer_only
    async def judge_remove(self, interaction: discord.Interaction[PodiumBot], judge: int) -> None:
        """Ask first, with Remove judge / Cancel."""
        found = await self.bot.services.judging.judge(judge)
        view = RemoveJudgeButton.pair(
            str(found.id),
            confirm=self._say(interaction, REMOVE_CONFIRM),
            cancel=self._say(interaction, CANCEL),
        )
        text = self._say(interaction, REMOVE_ASK, id=found.id, name=esc(found.name))
        await send_ephemeral(interaction, text, view=view)

    @judging.command(name="judge-link", description="A single-use web sign-in link for a judge")
    @app_commands.autocomplete(judge=ac.judges)
    @organizer_only
    async def judge_link(self, interaction: discord.Interaction[PodiumBot], judge: int) -> None:
        """Issue the judge's portal link (72 hours, one use) to the organizer only, to pass
        on privately; audited as ``judging.link_issued``."""
        services = self.bot.services
        found = await services.judging.judge(judge)
        link = await services.judge_access.issue_link(
            actor_id=interaction.user.id, judge_id=found.id, via="discord"
        )
        text = self._say(
            interaction,
            JUDGE_LINK,
            id=found.id,
            name=esc(found.name),
            expires=discord_timestamp(link.expires_at, "f"),
            url=link.url,
        )
        await send_ephemeral(interaction, text)

    @judging.command(name="judges", description="The judge pool with tags and conflicts")
    @organizer_only
    async def judges(self, interaction: discord.Interaction[PodiumBot]) -> None:
        """Every judge, Discord or web only, with their expertise and conflicts."""
        pool = await self.bot.services.judging.judges()
        locale = interaction_locale(interaction)
        if not pool:
            await send_ephemeral(interaction, tr(self.bot, locale, JUDGES_NONE))
            return
        await send_ephemeral(interaction, embed=judges_embed(self.bot, locale, pool))

    # -- rounds ---------------------------------------------------------------------------
    @judging.command(name="round-create", description="Create a judging round of a contest")
    @app_commands.describe(
        contest="The contest whose entries are judged",
        name="Round name, e.g. Preliminary",
        deadline="YYYY-MM-DD HH:MM in the competition timezone",
        entry_source="Which entries: all, the previous round's top N, or the top N by votes",
        top_n="How many entries with a top-N source",
        judges_per_entry="Judges per entry (default from the config)",
        judge_weight="Weight of the judges' score in the final (default from the config)",
        community_weight="Weight of the community vote share (default from the config)",
        normalize="Correct harsh or lenient judges with per-judge z-scores",
        live="A roadshow final: judges score live on the web portal, results revealed at the end",
    )
    @app_commands.choices(entry_source=SOURCE_CHOICES)
    @app_commands.autocomplete(contest=ac.contests)
    @organizer_only
    async def round_create(
        self,
        interaction: discord.Interaction[PodiumBot],
        contest: str,
        name: app_commands.Range[str, 1, 60],
        deadline: str,
        entry_source: app_commands.Choice[str] | None = None,
        top_n: app_commands.Range[int, 1, 1000] | None = None,
        judges_per_entry: app_commands.Range[int, 1, 20] | None = None,
        judge_weight: app_commands.Range[float, 0.0, 1.0] | None = None,
        community_weight: app_commands.Range[float, 0.0, 1.0] | None = None,
        normalize: bool | None = None,
        live: bool = False,
    ) -> None:
        """A draft round; nothing is assigned until it is opened."""
        try:
            due = parse_local_datetime(deadline, self.bot.competition.tz)
        except ValueError:
            reason = self._say(interaction, DEADLINE_FORMAT)
            raise InvalidInput(field="deadline", reason=reason) from None
        made = await self.bot.services.judging.create_round(
            actor_id=interaction.user.id,
            contest=contest,
            name=name,
            entry_source=entry_source.value if entry_source else "all",
            top_n=top_n,
            judges_per_entry=judges_per_entry,
            deadline=due,
            judge_weight=judge_weight,
            community_weight=community_weight,
            normalize=normalize,
            live=live,
        )
        source = self._say(interaction, SOURCE_LABELS[made.entry_source], n=made.top_n)
        text = self._say(
            interaction,
            ROUND_CREATED,
            id=made.id,
            name=esc(made.name),
            source=source,
            k=made.judges_per_entry,
            deadline=discord_timestamp(made.deadline),
        )
        await send_ephemeral(interaction, text)

    @judging.command(name="round-open", description="Open a round: assign judges to its entries")
    @app_commands.autocomplete(round=ac.rounds)
    @organizer_only
    async def round_open(self, interaction: discord.Interaction[PodiumBot], round: int) -> None:
        """Select the entries and assign k judges to each (balanced, no conflicts)."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        opened = await self.bot.services.judging.open_round(
            actor_id=interaction.user.id, round_id=round
        )
        await send_ephemeral(interaction, self._round_text(interaction, ROUND_OPENED, opened))

    @judging.command(name="progress", description="Sheets submitted per judge and per entry")
    @app_commands.describe(page="Page, 20 judges and 20 entries a page")
    @app_commands.autocomplete(round=ac.rounds)
    @organizer_only
    async def progress(
        self,
        interaction: discord.Interaction[PodiumBot],
        round: int,
        page: app_commands.Range[int, 1, 1000] = 1,
    ) -> None:
        """Who is behind, and which entries still lack sheets."""
        found = await self.bot.services.judging.progress(round)
        locale = interaction_locale(interaction)
        await send_ephemeral(interaction, embed=progress_embed(self.bot, locale, found, page))

    @judging.command(name="reassign", description="Give one of a judge's entries to another judge")
    @app_commands.describe(
        from_judge="The judge who has the entry now",
        assignment="Their entry to move",
        to_judge="The judge who takes it over",
    )
    @app_commands.autocomplete(from_judge=ac.judges, assignment=ac.assignments, to_judge=ac.judges)
    @organizer_only
    async def reassign(
        self,
        interaction: discord.Interaction[PodiumBot],
        from_judge: int,
        assignment: int,
        to_judge: int,
    ) -> None:
        """Move an assignment by hand (conflicts still refused); audited."""
        judging = self.bot.services.judging
        theirs = {t.assignment.id: t for t in await judging.queue(from_judge)}
        if assignment not in theirs:
            raise UnknownAssignment(id=assignment)
        moved = await judging.reassign(
            actor_id=interaction.user.id, assignment_id=assignment, judge_id=to_judge
        )
        found = await judging.judge(moved.judge_id)
        entry = theirs[assignment].entry
        text = self._say(
            interaction,
            REASSIGNED,
            entry=entry.entry_id,
            title=esc(entry.title[:100]),
            judge=found.id,
            name=esc(found.name),
        )
        await send_ephemeral(interaction, text)

    @judging.command(name="round-close", description="Close a round: scores become final")
    @app_commands.autocomplete(round=ac.rounds)
    @organizer_only
    async def round_close(self, interaction: discord.Interaction[PodiumBot], round: int) -> None:
        """Close scoring; results can then be reviewed and published."""
        closed = await self.bot.services.judging.close_round(
            actor_id=interaction.user.id, round_id=round
        )
        await send_ephemeral(interaction, self._round_text(interaction, ROUND_CLOSED, closed))

    @judging.command(name="results", description="A round's results (a preview until published)")
    @app_commands.describe(page="Page, 15 entries a page")
    @app_commands.autocomplete(round=ac.rounds)
    @organizer_only
    async def results(
        self,
        interaction: discord.Interaction[PodiumBot],
        round: int,
        page: app_commands.Range[int, 1, 1000] = 1,
    ) -> None:
        """Ranks, scores, vote shares, finals and tie notes."""
        found = await self.bot.services.judging.results(round)
        embed = results_embed(
            self.bot, interaction_locale(interaction), found, page=page, per_page=RESULTS_PER_PAGE
        )
        await send_ephemeral(interaction, embed=embed)

    @judging.command(name="publish", description="Publish a closed round's results, once")
    @app_commands.autocomplete(round=ac.rounds)
    @organizer_only
    async def publish(self, interaction: discord.Interaction[PodiumBot], round: int) -> None:
        """Ask first, with Publish / Cancel."""
        found = await self.bot.services.judging.round(round)
        view = PublishButton.pair(
            str(found.id),
            confirm=self._say(interaction, PUBLISH_CONFIRM),
            cancel=self._say(interaction, CANCEL),
        )
        await send_ephemeral(
            interaction, self._round_text(interaction, PUBLISH_ASK, found), view=view
        )
