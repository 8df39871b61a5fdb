"""The fake gateway websocket: HELLO, IDENTIFY, heartbeats, RESUME, member chunks, DISPATCH."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import zlib
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import WSMsgType, web

from tests.fakes.discord.state import GuildState

#: Members per GUILD_MEMBERS_CHUNK, as Discord sends them.
CHUNK_SIZE = 1000


@dataclass
class Session:
    """One gateway session: its sequence, the dispatches kept for RESUME, its websocket."""

    session_id: str
    sequence: int = 0
    buffer: list[dict[str, Any]] = field(default_factory=list)
    connection: Connection | None = None


class Connection:
    """One websocket with its transport compression."""

    def __init__(self, ws: web.WebSocketResponse, compress: str | None) -> None:
        self.ws = ws
        self.compress = compress
        self._zlib = zlib.compressobj() if compress == "zlib-stream" else None
        self._zstd: Any = None
        if compress == "zstd-stream":
            import zstandard

            self._zstd = zstandard.ZstdCompressor().compressobj()

    async def send(self, payload: dict[str, Any]) -> None:
        raw = orjson.dumps(payload)
        if self._zlib is not None:
            await self.ws.send_bytes(self._zlib.compress(raw) + self._zlib.flush(zlib.Z_SYNC_FLUSH))
        elif self._zstd is not None:
            import zstandard

            data = self._zstd.compress(raw) + self._zstd.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
            await self.ws.send_bytes(data)
        else:
            await self.ws.send_str(raw.decode())


class Gateway(GuildState):
    """The gateway side of the fake: sessions, and the events sent to them."""

    async def wait_ready(self, timeout: float = 15) -> None:
        """Until a gateway session got READY and GUILD_CREATE."""
        async with asyncio.timeout(timeout):
            await self._ready.wait()

    # -- gateway --------------------------------------------------------------------------
    def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a DISPATCH to every session (buffered for RESUME while disconnected)."""
        for session in self.sessions.values():
            session.sequence += 1
            payload = {"op": 0, "t": event, "s": session.sequence, "d": data}
            session.buffer.append(payload)
            del session.buffer[:-1000]
            if session.connection is not None:
                connection = session.connection
                asyncio.get_running_loop().create_task(self._safe_send(connection, payload))

    @staticmethod
    async def _safe_send(connection: Connection, payload: dict[str, Any]) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await connection.send(payload)

    async def drop_connections(self, *, resumable: bool = True) -> None:
        """Close every socket; with ``resumable`` the client may RESUME its session."""
        for session in list(self.sessions.values()):
            if session.connection is not None:
                ws = session.connection.ws
                session.connection = None
                await ws.close(code=4000 if resumable else 4009)
            if not resumable:
                self.sessions.pop(session.session_id, None)
        self._ready.clear()

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=16 * 1024 * 1024)
        await ws.prepare(request)
        compress = request.query.get("compress")
        if compress == "zstd-stream":
            try:
                import zstandard  # noqa: F401
            except ImportError:
                compress = "zlib-stream"
        connection = Connection(ws, compress)
        self.compressions.append(compress)
        session: Session | None = None
        await connection.send({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                if message.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                    break
                continue
            payload = orjson.loads(message.data)
            op = payload.get("op")
            data = payload.get("d")
            if op == 1:
                await connection.send({"op": 11})
            elif op == 2:
                if self.token is not None and data.get("token") != self.token:
                    await ws.close(code=4004, message=b"Authentication failed.")
                    break
                session = Session(session_id=secrets.token_hex(16), connection=connection)
                self.sessions[session.session_id] = session
                self.identify_count += 1
                ready = {
                    "v": 10,
                    "user": self.bot_user,
                    "guilds": [{"id": str(self.guild_id), "unavailable": True}],
                    "session_id": session.session_id,
                    "resume_gateway_url": self.gateway_url,
                    "shard": [0, 1],
                    "application": {"id": str(self.application_id), "flags": 0},
                    "private_channels": [],
                    "relationships": [],
                }
                for event, body in (("READY", ready), ("GUILD_CREATE", self._guild_payload())):
                    session.sequence += 1
                    await connection.send({"op": 0, "t": event, "s": session.sequence, "d": body})
                self._ready.set()
            elif op == 6:
                found = self.sessions.get(data.get("session_id"))
                if found is None:
                    await connection.send({"op": 9, "d": False})
                    continue
                session = found
                session.connection = connection
                self.resume_count += 1
                for missed in [p for p in session.buffer if p["s"] > int(data.get("seq") or 0)]:
                    await connection.send(missed)
                session.sequence += 1
                await connection.send({"op": 0, "t": "RESUMED", "s": session.sequence, "d": {}})
                self._ready.set()
            elif op == 8 and session is not None:
                wanted = {int(u) for u in data.get("user_ids") or []}
                prefix = (data.get("query") or "").lower()
                members = [
                    m
                    for uid, m in self.members.items()
                    if (uid in wanted) or (not wanted and m["user"]["username"].startswith(prefix))
                ]
                # As Discord: at most 1,000 members per GUILD_MEMBERS_CHUNK
                chunks = [members[i : i + CHUNK_SIZE] for i in range(0, len(members), CHUNK_SIZE)]
                for index, part in enumerate(chunks or [[]]):
                    session.sequence += 1
                    chunk = {
                        "guild_id": str(self.guild_id),
                        "members": part,
                        "chunk_index": index,
                        "chunk_count": max(1, len(chunks)),
                        "nonce": data.get("nonce"),
                    }
                    await connection.send(
                        {"op": 0, "t": "GUILD_MEMBERS_CHUNK", "s": session.sequence, "d": chunk}
                    )
        if session is not None and session.connection is connection:
            session.connection = None
        return ws
