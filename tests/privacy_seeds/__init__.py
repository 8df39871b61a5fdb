"""Per-feature parts of the privacy seed (tests/privacy_support.py): each feature that adds
tables holding member data adds a module here with one ``seed_<feature>(services, ctx)``
and lists it in ``FEATURE_SEEDS``; the seed runs them in order after the core rows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.services.registry import Services
from tests.privacy_seeds.context import SeedContext
from tests.privacy_seeds.judging import seed_judging
from tests.privacy_seeds.progress import seed_progress
from tests.privacy_seeds.registration import seed_registration
from tests.privacy_seeds.results import seed_results
from tests.privacy_seeds.results_fraud import seed_results_fraud

FeatureSeed = Callable[[Services, SeedContext], Awaitable[None]]

FEATURE_SEEDS: tuple[FeatureSeed, ...] = (
    seed_registration,
    seed_judging,
    seed_results,
    seed_results_fraud,
    seed_progress,
)

__all__ = ["FEATURE_SEEDS", "FeatureSeed", "SeedContext"]
