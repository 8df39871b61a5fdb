"""Command-line parts of the web feature: ``podium run --only web``, ``podium seed-demo``
``podium dashboard-link`` and ``podium judge-link``."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from typing import Any

from bot.cli_common import load_without_discord

EXIT_OK = 0
EXIT_REFUSED = 2


def cmd_run_web(args: argparse.Namespace) -> int:
    """The web app alone (needs DATABASE_URL and the competition file, no Discord)."""
    settings, competition = load_without_discord(args)
    from bot.logs import settings_secrets, setup_logging
    from bot.runner import run_web_only

    setup_logging(settings.LOG_LEVEL, secrets=settings_secrets(settings))
    try:
        return asyncio.run(
            run_web_only(settings, competition, login_link_user=args.print_login_link)
        )
    except KeyboardInterrupt:
        return EXIT_OK


def cmd_seed_demo(args: argparse.Namespace) -> int:
    """Fill a fresh database with the demo competition; exit 2 if it has teams already."""
    settings, competition = load_without_discord(args)
    from bot.demo import DemoRefused, seed_demo
    from bot.logs import setup_logging
    from bot.web.site import link_base_url
    from storage.engine import Database
    from storage.migrate import migrate

    setup_logging("WARNING")

    async def _seed() -> Any:
        db = Database(settings.DATABASE_URL)
        try:
            await migrate(db)
            return await seed_demo(db, competition, now=dt.datetime.now(dt.UTC))
        finally:
            await db.dispose()

    try:
        report = asyncio.run(_seed())
    except DemoRefused:
        print(
            "seed-demo: this database already has teams; the demo only fills a fresh one. "
            "Point DATABASE_URL at a new file, e.g. DATABASE_URL=sqlite+aiosqlite:///demo.db",
            file=sys.stderr,
        )
        return EXIT_REFUSED
    base = link_base_url(settings.PUBLIC_BASE_URL, settings.WEB_HOST, settings.WEB_PORT)
    print(
        f"Demo competition '{competition.competition.name}' created:\n"
        f"  {report.teams} teams in {len(competition.tracks)} tracks, {report.members} members "
        f"in {len(competition.cohorts)} cohorts\n"
        f"  {report.ledger_entries} points entries (last week and this week)\n"
        f"  {report.contests} contest with {report.votes} votes, closed with results "
        f"(one flagged vote cluster)\n"
        f"  {report.sessions} Q&A sessions, {report.subscribers} WhatsApp subscribers "
        f"(fictional +1 202 555 01xx numbers)\n"
        f"  a broadcast with outbox rows: "
        + ", ".join(f"{status} {count}" for status, count in sorted(report.outbox.items()))
        + f"\n  {report.activity_days} days of activity, {report.nps_answers} NPS answers\n\n"
        f"Open the dashboard:\n"
        f"  podium dashboard-link --user {report.organizer_id}   # prints a 10-minute login link\n"
        f"  podium run --only web            # then open the link; public board: {base}/"
    )
    return EXIT_OK


def cmd_dashboard_link(args: argparse.Namespace) -> int:
    """Print a single-use dashboard login link for an organizer (audited)."""
    settings, competition = load_without_discord(args)
    from bot.bootstrap import migrated_services
    from bot.errors import PodiumError
    from bot.logs import setup_logging
    from bot.runner import configure_web_auth

    setup_logging("WARNING")

    async def _issue() -> str:
        async with migrated_services(settings.DATABASE_URL, competition, guild_id=0) as services:
            configure_web_auth(services, settings)
            link = await services.web_auth.issue_link(
                user_id=args.user, ttl=dt.timedelta(seconds=args.ttl), via="cli"
            )
            return link.url

    try:
        url = asyncio.run(_issue())
    except PodiumError as error:
        print(f"dashboard-link: {error.message.format(**error.params)}", file=sys.stderr)
        return EXIT_REFUSED
    print(url)
    return EXIT_OK


def cmd_judge_link(args: argparse.Namespace) -> int:
    """Print a single-use judge portal sign-in link for a judge (audited)."""
    settings, competition = load_without_discord(args)
    from bot.bootstrap import migrated_services
    from bot.errors import PodiumError
    from bot.i18n import Catalogs
    from bot.logs import setup_logging
    from bot.runner import configure_web_auth

    setup_logging("WARNING")

    async def _issue() -> str:
        async with migrated_services(settings.DATABASE_URL, competition, guild_id=0) as services:
            configure_web_auth(services, settings)
            link = await services.judge_access.issue_link(
                actor_id=args.by,
                judge_id=args.judge,
                ttl=dt.timedelta(seconds=args.ttl),
                via="cli",
            )
            return link.url

    try:
        url = asyncio.run(_issue())
    except PodiumError as error:
        text = Catalogs().gettext("en", error.message, **error.params)
        print(f"judge-link: {text}", file=sys.stderr)
        return EXIT_REFUSED
    print(url)
    return EXIT_OK


def add_web_commands(sub: Any) -> None:
    """Register ``seed-demo`` and ``dashboard-link`` on the ``podium`` parser."""
    sub.add_parser(
        "seed-demo",
        help="fill a fresh database with a demo competition (refuses if it has teams)",
        description="Fill a fresh database with a demo competition (teams, members, points, "
        "a closed contest, Q&A sessions, fictional WhatsApp subscribers) to try the web pages "
        "without Discord. Refuses a database that has teams.",
    ).set_defaults(func=cmd_seed_demo, writes_database=True)
    link = sub.add_parser(
        "dashboard-link",
        help="print a single-use 10-minute dashboard login link (audited)",
        description="Print a single-use dashboard login link for the organizer with the "
        "given user id, valid 10 minutes (or --ttl). Each link issued is audited.",
    )
    link.add_argument("--user", type=int, required=True, metavar="ID", help="organizer's user id")
    link.add_argument(
        "--ttl",
        type=int,
        default=600,
        metavar="SECONDS",
        help="link lifetime, 0-600 seconds (default 600; 0 makes an expired link, for tests)",
    )
    link.set_defaults(func=cmd_dashboard_link, writes_database=True)
    judge = sub.add_parser(
        "judge-link",
        help="print a single-use judge portal sign-in link (72 hours, audited)",
        description="Print a single-use sign-in link to the judge portal for the judge with "
        "the given id (external judges have no Discord account: send them this link). Valid "
        "72 hours (or --ttl). Each link issued is audited.",
    )
    judge.add_argument("--judge", type=int, required=True, metavar="ID", help="the judge's id")
    judge.add_argument(
        "--ttl",
        type=int,
        default=72 * 3600,
        metavar="SECONDS",
        help="link lifetime, 0-259200 seconds (default 72 hours; 0 makes an expired link)",
    )
    judge.add_argument(
        "--by", type=int, default=None, metavar="ID", help="the organizer's user id, for the audit"
    )
    judge.set_defaults(func=cmd_judge_link, writes_database=True)
