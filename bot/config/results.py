"""``[results]``: store results (issue 17); each part adds its own table as one field."""

from __future__ import annotations

from typing import Final

from pydantic import Field

from bot.config.fields import _Model
from bot.config.results_fraud import FRAUD_FIXES, FraudSection


class ResultsSection(_Model):
    """``[results]``: the store-results settings."""

    fraud: FraudSection = Field(default_factory=FraudSection)


#: Fix texts of ``[results]``'s keys.
RESULTS_FIXES: Final[dict[str, str]] = {
    "results": "make [results] a table (see competition.example.toml).",
    **FRAUD_FIXES,
}
