"""Test distribution across pytest-xdist workers that survives a crashed worker.

The suite runs with ``--dist loadfile``: one worker runs a whole file, so module fixtures
are set up once. When a worker dies (a segfault, or pytest-timeout ending a stuck test),
pytest-xdist 3.8 requeues the dead worker's *whole* workload, finished files included; a
replacement worker handed a file with nothing left to run waits for work forever and the
run hangs until CI's own limit (pytest-xdist issue #1323, fixed upstream after 3.8.0).

``CrashSafeLoadFileScheduling`` requeues only what is unfinished and never reruns the test
that was running when the worker died: xdist has already reported it as failed. Work sent
to a worker that died a moment earlier is requeued the same way.

It also hands out the slow files first: xdist orders files by their number of tests, which
put the end-to-end and browser files (a few tests of 10–70 s each) last, so the run ended
with one or two workers busy on them while the others had nothing left.
``tests/conftest.py`` imports its hook, so it is in place before xdist asks for a scheduler.
"""

from __future__ import annotations

import contextlib

import pytest
from xdist.remote import Producer
from xdist.scheduler import LoadFileScheduling, Scheduling
from xdist.workermanage import WorkerController

#: Folders whose files start processes or a browser: scheduled before all others.
SLOW_FIRST = ("tests/e2e/", "tests/browser/", "tests/web/")


def _slowness(scope: str) -> int:
    for rank, folder in enumerate(SLOW_FIRST):
        if scope.startswith(folder):
            return rank
    return len(SLOW_FIRST)


class CrashSafeLoadFileScheduling(LoadFileScheduling):
    """``LoadFileScheduling`` whose ``remove_node`` requeues unfinished work only, and
    which schedules the slow folders' files first."""

    _holding = False

    def schedule(self) -> None:
        """xdist's first distribution, with the work queue put in slow-first order before
        any of it is handed out."""
        first = self.collection is None
        self._holding = first
        try:
            super().schedule()
        finally:
            self._holding = False
        if first and self.collection:
            ordered = sorted(self.workqueue.items(), key=lambda item: _slowness(item[0]))
            self.workqueue.clear()
            self.workqueue.update(ordered)
            for node in self.nodes:
                self._assign_work_unit(node)

    def _assign_work_unit(self, node: WorkerController) -> None:
        """Assign as xdist does; a worker that died since its last report (its pipe is
        closed) keeps the unit in ``assigned_work``, and ``remove_node`` requeues it when
        xdist notices the death. Unguarded, the failed send was an INTERNALERROR that
        ended the whole run."""
        if self._holding:  # the first distribution waits for the slow-first order
            return
        with contextlib.suppress(OSError):  # execnet: "cannot send (already closed?)"
            super()._assign_work_unit(node)

    def remove_node(self, node: WorkerController) -> str | None:
        workload = self.assigned_work.pop(node)
        unfinished = {scope: unit for scope, unit in workload.items() if not all(unit.values())}
        if not unfinished:
            return None
        # Work units run in the order they were sent; the first unfinished test of the
        # first unfinished unit is the one that was running when the worker died.
        first_unit = next(iter(unfinished.values()))
        crashitem = next(nodeid for nodeid, done in first_unit.items() if not done)
        first_unit[crashitem] = True  # reported as failed by xdist, not run again
        for scope, unit in unfinished.items():
            if not all(unit.values()):
                self.workqueue[scope] = unit
        for other in self.assigned_work:
            self._reschedule(other)
        return crashitem


def pytest_xdist_make_scheduler(config: pytest.Config, log: Producer) -> Scheduling | None:
    """Distribute whole files (``--dist loadfile``) with the crash-safe scheduler."""
    if config.getvalue("dist") == "loadfile":
        return CrashSafeLoadFileScheduling(config, log)
    return None
