"""A local fake Discord: REST routes and a gateway websocket on one aiohttp server.

The REAL discord.py client talks to it when ``discord.http.Route.BASE`` is
``fake.api_base_url`` and ``DiscordWebSocket.DEFAULT_GATEWAY`` is ``fake.gateway_url``
(Podium sets both from ``DISCORD_API_BASE_URL`` / ``DISCORD_GATEWAY_URL``). It keeps one
guild's state (roles, channels, members, messages, synced commands, scheduled events) in
Discord's JSON shapes, sends the gateway events real Discord would send after each change,
and lets a test deliver real interaction payloads (``invoke``, ``click``, ``autocomplete``)
and see exactly what the bot answered.

Gateway: HELLO, IDENTIFY → READY + GUILD_CREATE, HEARTBEAT → ACK, RESUME (replays missed
dispatches, then RESUMED), REQUEST_GUILD_MEMBERS → GUILD_MEMBERS_CHUNK; ``zlib-stream``
transport compression (or ``zstd-stream`` when ``zstandard`` is importable) as the client
asks. Unknown REST routes answer 404 and are recorded, so a test can assert that nothing
unexpected was called.

``FakeDiscord`` (``fake.py``) combines the parts: ``state.py`` (the guild and Discord's
JSON shapes), ``gateway.py``, ``rest.py`` (recording, auth, injected failures, the route
table) with one module per resource in ``routes/``, ``interactions.py`` (the payloads a
test delivers), ``models.py`` (what was recorded and answered); ``limits.py`` and
``posts.py`` hold Discord's rules the routes enforce, and ``process.py`` runs the fake in
a child process.
"""

from tests.fakes.discord.fake import FakeDiscord, wait_for
from tests.fakes.discord.models import InteractionResult, RecordedRequest, message_text

__all__ = ["FakeDiscord", "InteractionResult", "RecordedRequest", "message_text", "wait_for"]
