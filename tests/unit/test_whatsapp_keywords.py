"""Inbound WhatsApp keywords read from a message's text (bot/services/whatsapp/keywords.py)."""

from __future__ import annotations

import pytest

from bot.services.whatsapp import keywords
from bot.services.whatsapp.keywords import Keyword


@pytest.mark.parametrize(
    ("body", "keyword"),
    [
        ("STOP", Keyword.STOP),
        (" stop! ", Keyword.STOP),
        ("Unsubscribe", Keyword.STOP),
        ("退订", Keyword.STOP),
        ("ＳＴＯＰ", Keyword.STOP),
        ("start", Keyword.START),
        ("Help", Keyword.HELP),
        ("points", Keyword.POINTS),
        ("积分", Keyword.POINTS),
        ("TOP", Keyword.TOP),
        ("next", Keyword.NEXT),
        ("stop sending me this", Keyword.UNKNOWN),
        ("", Keyword.UNKNOWN),
        ("link", Keyword.UNKNOWN),
    ],
)
def test_inbound_keywords_are_case_insensitive_with_aliases(body, keyword):
    assert keywords.parse_inbound(body).keyword is keyword


def test_link_carries_its_six_digit_code():
    assert keywords.parse_inbound("LINK 123456") == keywords.ParsedInbound(Keyword.LINK, "123456")
    assert keywords.parse_inbound("绑定 654321").code == "654321"
    assert keywords.parse_inbound("LINK 12345").keyword is Keyword.UNKNOWN


@pytest.mark.parametrize(
    "body", ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"]
)
def test_every_word_twilio_blocks_a_number_for_is_a_stop(body):
    # Twilio blocks the number (21610) on each of these; Podium must stop queueing too.
    assert keywords.parse_inbound(body).keyword is Keyword.STOP


@pytest.mark.parametrize("body", ["START", "YES", "UNSTOP"])
def test_every_word_twilio_lifts_its_block_for_is_a_start(body):
    assert keywords.parse_inbound(body).keyword is Keyword.START
