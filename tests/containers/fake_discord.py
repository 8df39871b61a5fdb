"""Run the project's fake Discord (tests/fakes/discord) as a standalone server for the compose
smoke test, until SIGTERM/SIGINT.

    PYTHONPATH=CLONE python fake_discord.py --listen 0.0.0.0 --port 18090 \
        --advertise 172.17.0.1 --guild-id 900000000000000001 --token TOKEN

The fake names its own URLs with 127.0.0.1 (resume_gateway_url in READY, for one); here they
name --advertise, the address the containers reach it at. Needs only aiohttp and orjson (the
podium image has both), so compose_smoke.sh runs it in a podium:local container on the host
network. Prints one line `ready API_BASE_URL GATEWAY_URL` once it listens.
"""

from __future__ import annotations

import argparse
import asyncio
import signal

from tests.fakes.discord.fake import FakeDiscord
from tests.fakes.discord.state import API_PREFIX


class AdvertisedFakeDiscord(FakeDiscord):
    """The fake, with its URLs on the address the clients use."""

    advertise = "127.0.0.1"

    @property
    def api_base_url(self) -> str:
        return f"http://{self.advertise}:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.advertise}:{self.port}/gateway"


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=18090)
    parser.add_argument("--advertise", default="127.0.0.1")
    parser.add_argument("--guild-id", type=int, default=900000000000000001)
    parser.add_argument("--token", default=None)
    args = parser.parse_args()

    AdvertisedFakeDiscord.advertise = args.advertise
    fake = AdvertisedFakeDiscord(guild_id=args.guild_id, token=args.token)
    await fake.start(args.listen, args.port)
    print("ready", fake.api_base_url, fake.gateway_url, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await fake.stop()
    print(
        "stopped", len(fake.requests), "REST requests,", fake.identify_count, "IDENTIFY", flush=True
    )


if __name__ == "__main__":
    asyncio.run(main())
