"""`podium backup` under write load: the old paged backup against VACUUM INTO.

Builds a SQLite file of about ``--size-mb`` MB in WAL mode, starts a writer *process* that
commits one small row every ``--interval-ms`` milliseconds (the bot's own write pattern),
and times, in the same run:

- idle: ``backup_sqlite`` (VACUUM INTO, then the integrity check) with no writer — the
  baseline — and the old paged backup with no writer;
- new: ``backup_sqlite`` with the writer running;
- old: the previous implementation, ``sqlite3.Connection.backup(pages=1024)``, with the
  writer running. It restarts whenever another connection writes between two steps, so it
  is given ``--old-limit`` seconds and reported as not finished past that.

Prints the seconds of each and the ratios new/idle and old/new.

    .venv/bin/python bench/backup.py [--size-mb 60] [--interval-ms 5] [--old-limit 120]
"""

from __future__ import annotations

import argparse
import multiprocessing
import multiprocessing.synchronize
import os
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from storage.backup import backup_sqlite  # noqa: E402


def build(path: Path, size_mb: int) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)")
        while path.stat().st_size < size_mb * 1_000_000:
            conn.executemany(
                "INSERT INTO rows (payload) VALUES (?)", ((os.urandom(900),) for _ in range(5000))
            )
            conn.commit()
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def write_forever(path: str, interval: float, ready: multiprocessing.synchronize.Event) -> None:
    conn = sqlite3.connect(path, timeout=30)
    conn.execute("PRAGMA busy_timeout=10000")
    while True:
        conn.execute("INSERT INTO rows (payload) VALUES (?)", (os.urandom(64),))
        conn.commit()
        ready.set()
        time.sleep(interval)


def old_backup(source: Path, target: Path, limit: float) -> float | None:
    """The previous implementation; None when it did not finish within ``limit`` seconds."""
    done = threading.Event()
    stop = threading.Event()

    def progress(status: int, remaining: int, total: int) -> None:
        if stop.is_set():
            raise RuntimeError("given up")

    def run() -> None:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, check_same_thread=False)
        dst = sqlite3.connect(target, check_same_thread=False)
        try:
            src.backup(dst, pages=1024, progress=progress)
            dst.execute("PRAGMA integrity_check").fetchone()
            done.set()
        except RuntimeError:
            pass
        finally:
            dst.close()
            src.close()

    started = time.perf_counter()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(limit)
    elapsed = time.perf_counter() - started
    stop.set()
    thread.join(30)
    return elapsed if done.is_set() else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=60)
    parser.add_argument("--interval-ms", type=float, default=5.0)
    parser.add_argument("--old-limit", type=float, default=120.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        source = work / "podium.db"
        build(source, args.size_mb)
        size = source.stat().st_size / 1e6
        url = f"sqlite+aiosqlite:///{source}"

        started = time.perf_counter()
        backup_sqlite(url, work / "idle.db")
        idle = time.perf_counter() - started
        old_idle = old_backup(source, work / "old-idle.db", args.old_limit)

        ready = multiprocessing.Event()
        writer = multiprocessing.Process(
            target=write_forever, args=(str(source), args.interval_ms / 1000, ready), daemon=True
        )
        writer.start()
        try:
            ready.wait(30)
            started = time.perf_counter()
            backup_sqlite(url, work / "new.db")
            new = time.perf_counter() - started
            old = old_backup(source, work / "old.db", args.old_limit)
        finally:
            writer.terminate()
            writer.join()

    print(f"database {size:.0f} MB, writer every {args.interval_ms:g} ms")
    print(f"  VACUUM INTO, no writer (baseline): {idle:6.2f} s")
    print(f"  VACUUM INTO, writer running:       {new:6.2f} s   ratio to baseline {new / idle:.2f}")
    if old_idle is not None:
        print(f"  paged backup (old), no writer:      {old_idle:6.2f} s")
    if old is None:
        print(f"  paged backup (old), writer running: not finished after {args.old_limit:g} s")
        print(f"  ratio old/new > {args.old_limit / new:.1f}")
    else:
        print(f"  paged backup (old), writer running: {old:6.2f} s")
        print(f"  ratio old/new {old / new:.1f}")


if __name__ == "__main__":
    main()
