"""The outbox's sending rules as plain functions (bot/services/outbox/rules.py) and phone
masking."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from bot.services.outbox import mask_phone, rules
from bot.services.outbox.rules import Verdict

NOW = dt.datetime(2026, 11, 25, 6, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("current", "incoming", "expected"),
    [
        ("sending", "sent", "sent"),
        ("accepted", "sent", "sent"),
        ("sent", "delivered", "delivered"),
        ("delivered", "sent", None),
        ("delivered", "delivered", None),
        ("delivered", "read", "read"),
        ("read", "delivered", None),
        ("read", "failed", None),
        ("sent", "failed", "failed"),
        ("delivered", "undelivered", "undelivered"),
        ("failed", "delivered", None),
        ("cancelled", "sent", None),
        ("queued", "accepted", "accepted"),
    ],
)
def test_statuses_only_move_forward_and_terminal_ones_stay(current, incoming, expected):
    assert rules.next_status(current, incoming) == expected


def test_twilio_statuses_map_onto_outbox_statuses():
    assert rules.outbox_status("queued") == "accepted"
    assert rules.outbox_status("Delivered") == "delivered"
    assert rules.outbox_status("undelivered") == "undelivered"
    assert rules.outbox_status("receiving") is None


@pytest.mark.parametrize("code", [63003, 63014, 21610, 21211])
def test_errors_that_cannot_succeed_are_never_retried(code):
    assert rules.classify_failure(http_status=400, code=code, attempts=1) is Verdict.GIVE_UP


def test_429_is_retried_5xx_and_timeouts_are_checked_first_other_4xx_give_up():
    assert rules.classify_failure(http_status=429, code=20429, attempts=1) is Verdict.RETRY
    assert (
        rules.classify_failure(http_status=500, code=20500, attempts=1) is Verdict.CHECK_THEN_RETRY
    )
    assert (
        rules.classify_failure(http_status=None, code=None, attempts=1, timed_out=True)
        is Verdict.CHECK_THEN_RETRY
    )
    assert rules.classify_failure(http_status=400, code=21656, attempts=1) is Verdict.GIVE_UP
    assert (
        rules.classify_failure(http_status=500, code=20500, attempts=rules.MAX_ATTEMPTS)
        is Verdict.GIVE_UP
    )


def test_429_is_retried_even_after_the_retry_budget_because_twilio_never_processed_it():
    for attempts in (rules.MAX_ATTEMPTS, rules.MAX_ATTEMPTS + 5):
        assert (
            rules.classify_failure(http_status=429, code=20429, attempts=attempts) is Verdict.RETRY
        )


def test_backoff_grows_is_capped_and_jittered():
    rng = random.Random(1)
    delays = [rules.backoff(n, rng).total_seconds() for n in range(1, 12)]
    assert 0.5 <= delays[0] <= 1
    assert 4 <= delays[3] <= 8
    assert all(d <= 300 for d in delays)
    assert len({rules.backoff(5, rng) for _ in range(10)}) > 1


def test_freeform_only_well_inside_the_window():
    assert rules.choose_mode(None, NOW) == "template"
    assert rules.choose_mode(NOW - dt.timedelta(hours=1), NOW) == "freeform"
    assert rules.choose_mode(NOW - dt.timedelta(hours=23, minutes=40), NOW) == "freeform"
    assert rules.choose_mode(NOW - dt.timedelta(hours=23, minutes=50), NOW) == "template"
    assert rules.choose_mode(NOW - dt.timedelta(hours=25), NOW) == "template"


def test_phone_numbers_are_masked_to_country_code_and_last_four():
    assert mask_phone("+8613812345678") == "+86 •••••••5678"
    assert mask_phone("+15551234567") == "+1 ••••••4567"
    assert "1234" not in mask_phone("+8613812345678")[:-4]
