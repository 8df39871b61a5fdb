"""Scale-out benchmarks (issue 15) in one run: the WhatsApp relay and vote ingest on
PostgreSQL (``bench/scale_relay.py``), then the public board with 1 and 2 web processes,
weekly-actives rollups against full scans and the gateway's memory with a large guild
(``bench/scale_web.py``). Each part prints ratios against a baseline measured in the same
run; each can be run alone with its own options (``--help``).

    PODIUM_TEST_POSTGRES_URL=postgresql+asyncpg://podium:podium@127.0.0.1:5432/podium_test \
        .venv/bin/python bench/scale.py

(the relay part also reads ``PODIUM_BENCH_POSTGRES_URL``; both default to that test server).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PARTS = ("scale_relay.py", "scale_web.py")


def main() -> int:
    """Run each part in its own interpreter (they start processes of their own); the
    exit code is the first failing part's."""
    worst = 0
    for part in PARTS:
        print(f"\n=== bench/{part}", flush=True)
        code = subprocess.run([sys.executable, str(HERE / part)], check=False).returncode
        worst = worst or code
    return worst


if __name__ == "__main__":
    sys.exit(main())
