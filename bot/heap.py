"""The garbage collector's settings for a long-running process, applied once it is ready."""

from __future__ import annotations

import gc

#: Young-generation threshold: collect after this many new container objects, not 700.
GC_YOUNG_THRESHOLD = 20_000


def settle_heap() -> None:
    """Tune the garbage collector for a long-running process, once it is ready (the
    gateway when Discord says ready, a worker once logged in, a web process once it
    listens).

    Each interaction leaves cyclic garbage (discord.py's interaction and its response refer
    to each other), so a burst of button presses makes the collector run often, and with
    the default thresholds (700, 10, 10) that garbage is promoted and rescanned by the
    older generations, together with everything start-up loaded (modules, compiled
    queries, catalogs, the guild's caches), which lives as long as the process anyway.
    bench/votes.py measured 3.7 s of collections in a 15 s burst. So: one full collection
    (nothing already garbage is kept), freeze the survivors out of the collector's scans,
    and collect the young generation every 20,000 allocations, where most of a burst's
    garbage dies young: 0.5 s in the same burst. A worker's weekly results run for 10,000
    teams spent ~270 ms of ~1.7 s in collections before (bench/results_scoring.py).
    """
    gc.collect()
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)
