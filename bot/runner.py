"""`podium run`: the Discord client, scheduler, relay and web server, in one process or
split into gateway, worker and web processes (``--only``, ``bot.roles``)."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import signal
import sys
from typing import Any

import aiohttp
import discord
import discord.gateway
import discord.http

from bot.app import PodiumBot
from bot.bootstrap import build_services
from bot.clock import SystemClock
from bot.config import CompetitionConfig, Settings
from bot.heap import settle_heap
from bot.i18n import Catalogs
from bot.mail import smtp_mailer
from bot.overrides import apply_discord_overrides
from bot.roles import ALL, WEB, Role
from bot.services.registry import Services
from bot.wakeup import Waker
from bot.web import HealthSources, WebServer, WebSite, build_web_app
from bot.web.site import link_base_url
from bot.whatsapp.wiring import WhatsAppRuntime, twilio_routes, whatsapp_setup
from storage.engine import Database
from storage.migrate import migrate

log = logging.getLogger(__name__)

EXIT_UNAVAILABLE = 1
EXIT_CONFIG = 2


async def run(settings: Settings, competition: CompetitionConfig, role: Role = ALL) -> int:
    """Run ``role``'s parts (``bot.roles``; all of them by default) until SIGTERM/SIGINT or
    a fatal Discord error; returns the process exit code. ``--only web`` is
    :func:`run_web_only`."""
    apply_discord_overrides(settings.DISCORD_API_BASE_URL, settings.DISCORD_GATEWAY_URL)
    db = Database(settings.DATABASE_URL)
    try:
        await migrate(db)
        clock = SystemClock()
        catalogs = Catalogs()
        services = build_services(
            db=db,
            clock=clock,
            competition=competition,
            guild_id=settings.DISCORD_GUILD_ID,
            whatsapp_setup=whatsapp_setup(settings),
            mailer=smtp_mailer(settings, competition.competition.name, catalogs),
        )
        configure_web_auth(services, settings)
        bot = PodiumBot(
            services=services,
            competition=competition,
            catalogs=catalogs,
            guild_id=settings.DISCORD_GUILD_ID,
            role=role,
        )
        # On PostgreSQL: the lease of a process that claims jobs, messages or posts, and
        # the wake-ups between processes.
        split = not db.is_sqlite
        if split:
            # Another process's claims are taken over once its lease was free this long.
            services.scheduler.leases.grace_seconds = settings.LEASE_GRACE_SECONDS
        whatsapp = (
            WhatsAppRuntime(
                settings,
                services,
                bot.catalogs,
                relay_options=relay_options(settings, services, split),
            )
            if settings.whatsapp_enabled and role.relay
            else None
        )
        waker = (
            Waker(
                db,
                services.scheduler,
                poll_seconds=settings.WAKE_POLL_SECONDS,
                relay_wake=whatsapp.relay.wake if whatsapp is not None else None,
            )
            if split
            else None
        )
        web = WebServer(
            build_web_app(
                HealthSources(
                    db=db,
                    scheduler=services.scheduler if role.jobs else None,
                    gateway=bot if role.gateway else None,
                    relay_backlog=services.outbox.backlog if whatsapp is not None else None,
                    role=role,
                    discord_rest=None if role.gateway else (lambda: _logged_in(bot)),
                    wakeup=(lambda: waker.connected) if waker is not None else None,
                ),
                extra_routes=whatsapp.add_routes if whatsapp is not None and role.site else None,
                site=(
                    WebSite(services, bot.catalogs, settings.PUBLIC_BASE_URL, gateway=bot)
                    if role.site
                    else None
                ),
            ),
            settings.WEB_HOST,
            settings.WEB_PORT,
        )
        if waker is not None:
            if whatsapp is not None:
                # No send of a row claimed before the lease was lost (it may be another's now).
                whatsapp.relay.lease = waker.lease_term
            await waker.start()  # the lease before any claim
        if whatsapp is not None:
            await whatsapp.start()
        try:
            if not await start_web(web, settings.WEB_HOST, settings.WEB_PORT):
                return EXIT_UNAVAILABLE
            token = settings.DISCORD_TOKEN.get_secret_value()
            if role.gateway:
                return await _serve(bot, web, token)
            return await _serve_without_gateway(bot, web, token)
        finally:
            if whatsapp is not None:
                await whatsapp.stop()
            if waker is not None:
                await waker.stop()
    finally:
        await db.dispose()


def relay_options(settings: Settings, services: Services, split: bool) -> dict[str, Any]:
    """The relay's lease key, and on PostgreSQL its slow poll and the sweep for rows of
    workers that are gone (one process on SQLite: a short poll, and a sweep at start)."""
    options: dict[str, Any] = {"owner": services.scheduler.owner}
    if split:
        options["poll_interval"] = settings.WAKE_POLL_SECONDS
        options["sweep_interval"] = settings.WAKE_POLL_SECONDS
    return options


def _logged_in(bot: PodiumBot) -> bool:
    return bot.user is not None and not bot.is_closed()


async def _serve(bot: PodiumBot, web: WebServer, token: str) -> int:
    """Run the Discord client beside the (started) web server until stopped."""
    stop = stop_on_signals()
    try:
        async with bot:
            client = asyncio.create_task(bot.start(token), name="discord-client")
            stopper = asyncio.create_task(stop.wait(), name="stop-signal")
            await asyncio.wait({client, stopper}, return_when=asyncio.FIRST_COMPLETED)
            stopper.cancel()
            if client.done():
                return _client_exit_code(client.exception())
            log.info("shutting down")
            await bot.close()
            with contextlib.suppress(asyncio.CancelledError):
                await client
            return 0
    finally:
        await web.stop()


async def _serve_without_gateway(bot: PodiumBot, web: WebServer, token: str) -> int:
    """A worker: log in to Discord's REST API (which runs ``setup_hook``: cogs, scheduler)
    and never connect to the gateway; run until stopped."""
    stop = stop_on_signals()
    try:
        async with bot:
            try:
                await bot.login(token)
            except Exception as error:
                return _client_exit_code(error)
            log.info("logged in without the gateway role=%s user=%s", bot.role.name, bot.user)
            settle_heap()
            await stop.wait()
            log.info("shutting down")
            await bot.close()
            return 0
    finally:
        await web.stop()


def _client_exit_code(error: BaseException | None) -> int:
    if error is None:
        return 0
    if isinstance(error, discord.LoginFailure):
        print(
            "DISCORD_TOKEN: Discord refused the token. Fix: copy a fresh token from the "
            "Discord Developer Portal (your app → Bot → Reset Token) into .env.",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    if isinstance(error, discord.PrivilegedIntentsRequired):
        print(
            "Discord refused the Server Members intent. Fix: Developer Portal → your app → "
            "Bot → Privileged Gateway Intents → enable SERVER MEMBERS INTENT.",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    if isinstance(error, aiohttp.ClientConnectionError | OSError | TimeoutError):
        print(discord_unreachable(error), file=sys.stderr)
        return EXIT_UNAVAILABLE
    log.error("discord client stopped", exc_info=error)
    return 1


def discord_unreachable(error: BaseException) -> str:
    """What to tell the operator when Discord's API could not be reached at start."""
    reason = str(error) or type(error).__name__
    return (
        f"Podium cannot reach Discord at {discord.http.Route.BASE}: {reason}.\n"
        "Check:\n"
        "  - this machine's network and DNS: can it open https://discord.com ?\n"
        "  - DISCORD_API_BASE_URL and DISCORD_GATEWAY_URL in .env: remove both to talk to "
        f"Discord itself (gateway now {discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY})\n"
        "  - a firewall or proxy: Podium connects directly (it does not use HTTP(S)_PROXY), "
        "so outgoing HTTPS (port 443) to Discord must be allowed"
    )


async def start_web(web: WebServer, host: str, port: int) -> bool:
    """Start listening; on failure (port taken, address not on this machine) print what to
    change and return False."""
    try:
        await web.start()
    except OSError as error:
        await web.stop()
        if error.errno == errno.EADDRINUSE:
            problem = f"{host}:{port} is already in use (another Podium, or another program?)"
        else:
            problem = f"cannot listen on {host}:{port}: {error.strerror or error}"
        print(
            f"Podium cannot start its web server: {problem}.\n"
            "Fix: stop the other program, or set WEB_PORT (and WEB_HOST, the address to "
            "listen on) in .env to a free one; WEB_PORT=0 picks any free port.",
            file=sys.stderr,
        )
        return False
    return True


def configure_web_auth(services: Services, settings: Settings) -> None:
    """Give the login links their signing secret (``DASHBOARD_SECRET``; unset: generated
    and kept in the database) and the address they point to."""
    services.web_auth.configure(
        secret=settings.DASHBOARD_SECRET.get_secret_value() or None,
        base_url=link_base_url(settings.PUBLIC_BASE_URL, settings.WEB_HOST, settings.WEB_PORT),
    )


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGTERM or SIGINT (where the platform lets the loop handle them)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):  # platforms without signal handlers
            loop.add_signal_handler(sig, stop.set)
    return stop


async def run_web_only(
    settings: Settings, competition: CompetitionConfig, *, login_link_user: int | None = None
) -> int:
    """``podium run --only web``: the public pages, the dashboard, /metrics, /healthz and,
    when Twilio is configured, its webhooks; no Discord client, no scheduler, no relay
    (needs no Discord token). With ``login_link_user``, prints a dashboard login link for
    that user once it listens."""
    db = Database(settings.DATABASE_URL)
    try:
        await migrate(db)
        catalogs = Catalogs()
        services = build_services(
            db=db,
            clock=SystemClock(),
            competition=competition,
            guild_id=settings.DISCORD_GUILD_ID,
            whatsapp_setup=whatsapp_setup(settings),
            mailer=smtp_mailer(settings, competition.competition.name, catalogs),
        )
        configure_web_auth(services, settings)
        site = WebSite(services, catalogs, settings.PUBLIC_BASE_URL)
        web = WebServer(
            build_web_app(
                HealthSources(db=services.db, scheduler=None, gateway=None, role=WEB),
                extra_routes=(
                    twilio_routes(settings, services, catalogs)
                    if settings.whatsapp_enabled
                    else None
                ),
                site=site,
            ),
            settings.WEB_HOST,
            settings.WEB_PORT,
        )
        stop = stop_on_signals()
        if not await start_web(web, settings.WEB_HOST, settings.WEB_PORT):
            return EXIT_UNAVAILABLE
        settle_heap()
        try:
            if login_link_user is not None:
                link = await services.web_auth.issue_link(user_id=login_link_user, via="cli")
                print_login_link(link.url)
            await stop.wait()
            log.info("shutting down")
            return 0
        finally:
            await web.stop()
    finally:
        await db.dispose()


def print_login_link(url: str) -> None:
    """The login link on its own line, set apart from the log lines above it, so that it
    is the last thing on screen and easy to copy."""
    print(f"\nOpen this link to sign in to the dashboard:\n{url}\n", flush=True)
