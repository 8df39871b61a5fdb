"""What the relay benchmarks share: the example rules at a chosen rate, and the fake Twilio
set up as an operator sets up Twilio (the example's templates created and approved).

Used by ``bench/relay.py`` (also from its fake's child process) and ``bench/scale_relay.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.config import CompetitionConfig, load_competition  # noqa: E402

if TYPE_CHECKING:
    from tests.fakes.twilio import FakeTwilio

SENDER = "whatsapp:+14155238886"
ACCOUNT = "AC" + "0123456789abcdef" * 2
TOKEN = "fake-auth-token"  # noqa: S105 - the fake's published token


def example(mps: float = 80.0, concurrency: int = 16) -> CompetitionConfig:
    """The example competition's rules with the relay at ``mps`` and ``concurrency``."""
    competition = load_competition(ROOT / "competition.example.toml")
    whatsapp = competition.whatsapp.model_copy(
        update={"messages_per_second": mps, "concurrency": concurrency}
    )
    return competition.model_copy(update={"whatsapp": whatsapp})


def register_templates(fake: FakeTwilio, competition: CompetitionConfig | None = None) -> None:
    """Create the rules' templates in ``fake``, approved, as an operator creates them in
    the Content Template Builder (the fake refuses unknown Content SIDs with 21655);
    ``{{1}}``… follow each template's variables."""
    templates = (competition or example()).whatsapp.templates
    for kind in type(templates).model_fields:
        for language in type(getattr(templates, kind)).model_fields:
            ref = getattr(getattr(templates, kind), language)
            if ref is not None:
                slots = " ".join(f"{{{{{i}}}}}" for i in range(1, len(ref.variables) + 1))
                fake.register_template(ref.content_sid, slots)
