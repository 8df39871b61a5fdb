"""What the privacy seed made before the per-feature seeds run, and the seeded members."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

ALICE = 412345678901234567
BOB = 512345678901234568
CAROL = 612345678901234569
ALICE_NAME = "Alice Wonderland"


@dataclass(frozen=True, slots=True)
class SeedContext:
    """The core seed's time and rows a feature seed can hang its own rows on: Alice's
    team, Carol's solo team, a contest and Carol's entry in it."""

    now: dt.datetime
    team: Any
    solo: Any
    contest: int
    entry: int
