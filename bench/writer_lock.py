"""The writer lock's cost: taking and releasing ``<db>.lock`` (``storage.lock``).

A writing command takes the lock once per process. Baseline, measured in the same run:
opening and closing a SQLite connection to the same file (which every command does at
least once). Prints microseconds per operation and the ratio.

    .venv/bin/python bench/writer_lock.py [--runs 2000]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from storage.lock import acquire_writer_lock  # noqa: E402


def per_op_us(operation: object, runs: int) -> float:
    assert callable(operation)
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(runs):
            operation()
        samples.append((time.perf_counter() - started) / runs * 1e6)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "podium.db"
        sqlite3.connect(database).close()

        def lock_once() -> None:
            acquire_writer_lock(database, "podium bench").release()

        def connect_once() -> None:
            sqlite3.connect(database).close()

        lock = per_op_us(lock_once, args.runs)
        connect = per_op_us(connect_once, args.runs)
    print(f"writer lock, take + release:         {lock:7.1f} µs (once per process)")
    print(f"SQLite connect + close (baseline):   {connect:7.1f} µs")
    print(f"ratio lock / connect: {lock / connect:.2f}")


if __name__ == "__main__":
    main()
