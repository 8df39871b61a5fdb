"""``FakeDiscord``: the parts put together, members coming and going, start and stop."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from tests.fakes.discord.interactions import Interactions
from tests.fakes.discord.models import WAIT_LIMIT
from tests.fakes.discord.rest import Rest
from tests.fakes.discord.state import API_PREFIX


class FakeDiscord(Interactions, Rest):
    """One fake guild, its REST API and its gateway. See the package docstring."""

    def add_member(
        self,
        user_id: int,
        name: str,
        *,
        roles: list[int] | tuple[int, ...] = (),
        joined_at: dt.datetime | None = None,
        bot: bool = False,
    ) -> dict[str, Any]:
        """Add a member (dispatches GUILD_MEMBER_ADD to connected clients).

        The account's creation time is the timestamp inside ``user_id`` (a snowflake), as
        on Discord; build ids with ``snowflake(at=…)`` to control account age.
        """
        member = self._member_payload(
            self._user_payload(user_id, name, bot=bot), list(roles), joined_at
        )
        self.members[user_id] = member
        self.dispatch("GUILD_MEMBER_ADD", {**member, "guild_id": str(self.guild_id)})
        return member

    def remove_member(self, user_id: int) -> None:
        """The member leaves the server (GUILD_MEMBER_REMOVE)."""
        member = self.members.pop(user_id)
        self.dispatch(
            "GUILD_MEMBER_REMOVE", {"guild_id": str(self.guild_id), "user": member["user"]}
        )

    def set_member_roles(self, user_id: int, role_ids: list[int], *, notify: bool = True) -> None:
        """Change roles as another admin would (``notify=False``: while the bot is down)."""
        self.members[user_id]["roles"] = [str(r) for r in role_ids]
        if notify:
            self._member_updated(user_id)

    # -- lifecycle ------------------------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on host:port (0 picks a free port)."""
        app = web.Application(client_max_size=64 * 1024 * 1024, middlewares=[self._middleware])
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/gateway/", self._gateway)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._dispatch_rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server: Any = site._server
        self.port = int(server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Close every socket and the server."""
        self.posting.release_all()
        for session in self.sessions.values():
            if session.connection is not None:
                with contextlib.suppress(Exception):
                    await session.connection.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_for_commands(self, timeout: float = 15) -> list[dict[str, Any]]:
        """Until the bot synced its guild commands; returns them."""
        async with asyncio.timeout(timeout):
            await self._commands_synced.wait()
        return self.commands


def wait_for(
    predicate: Callable[[], bool], timeout: float = WAIT_LIMIT, interval: float = 0.01
) -> Awaitable[None]:
    """Poll ``predicate`` until true (for gateway-driven state that arrives asynchronously)."""

    async def _wait() -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError("condition not met in time")
            await asyncio.sleep(interval)

    return _wait()
