"""Records, for each verification-code hash, whether it ran on the event loop and whether
the task that asked for it had a write transaction open (held the writer lock). A thread
started by ``asyncio.to_thread`` runs in a copy of its task's context, so the context
variable below tells the asking task's writes apart from other tasks' (a webhook's)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from types import ModuleType

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.engine import Database

_WRITING: ContextVar[int] = ContextVar("writing", default=0)


class HashProbe:
    """Wraps ``module._hash`` and ``db.write``; ``calls`` is one (on the loop, write
    transactions the asking task had open) per hash."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, module: ModuleType, db: Database):
        self.calls: list[tuple[bool, int]] = []
        real: Callable[[str, str], str] = module._hash
        original = db.write

        def recording_hash(code: str, salt: str) -> str:
            try:
                asyncio.get_running_loop()
                on_loop = True
            except RuntimeError:
                on_loop = False
            self.calls.append((on_loop, _WRITING.get()))
            return real(code, salt)

        @asynccontextmanager
        async def counting_write() -> AsyncIterator[AsyncConnection]:
            token = _WRITING.set(_WRITING.get() + 1)
            try:
                async with original() as conn:
                    yield conn
            finally:
                _WRITING.reset(token)

        monkeypatch.setattr(module, "_hash", recording_hash)
        monkeypatch.setattr(db, "write", counting_write)
