"""Start-up time: `podium run` until /healthz is green, against the fake Discord.

Baseline, measured in the same run: a bare discord.py client process (same intents, no
cogs, no database) until it is ready against the same fake. Prints the median of N runs of
each and the ratio, so the figure means the same on a slow or a fast machine.

    .venv/bin/python bench/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import GUILD_ID  # noqa: E402
from tests.e2e.conftest import podium_process  # noqa: E402
from tests.fakes.discord import FakeDiscord  # noqa: E402

BARE_CLIENT = """
import asyncio, sys, discord, yarl, discord.http, discord.gateway
discord.http.Route.BASE = sys.argv[1]
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(sys.argv[2])
intents = discord.Intents.none(); intents.guilds = True; intents.members = True
client = discord.Client(intents=intents, chunk_guilds_at_startup=False)
@client.event
async def on_ready():
    print("READY", flush=True)
    await client.close()
client.run("fake-token", log_handler=None)
"""


async def time_bare_client(fake: FakeDiscord) -> float:
    started = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        BARE_CLIENT,
        fake.api_base_url,
        fake.gateway_url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    line = await proc.stdout.readline()
    elapsed = time.monotonic() - started
    await proc.wait()
    if b"READY" not in line:
        raise RuntimeError("bare client never became ready")
    return elapsed


async def time_podium(fake: FakeDiscord, workdir: Path) -> float:
    process = podium_process(workdir, fake, log_level="WARNING")
    try:
        return await process.start()
    finally:
        await process.terminate()


async def main(runs: int) -> None:
    fake = FakeDiscord(guild_id=GUILD_ID)
    await fake.start()
    bare: list[float] = []
    cold: list[float] = []
    try:
        for _ in range(runs):
            bare.append(await time_bare_client(fake))
            with tempfile.TemporaryDirectory() as tmp:
                cold.append(await time_podium(fake, Path(tmp)))
    finally:
        await fake.stop()
    bare_median, podium_median = statistics.median(bare), statistics.median(cold)
    print(f"runs: {runs}")
    print(f"bare discord.py client to READY:          median {bare_median * 1000:7.0f} ms")
    print(f"podium run (fresh db, migrate) to healthy: median {podium_median * 1000:7.0f} ms")
    print(f"ratio podium / bare client: {podium_median / bare_median:.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5)
    asyncio.run(main(parser.parse_args().runs))
