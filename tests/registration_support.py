"""Shared set-up of the registration tests: rules with eligibility, a local SMTP server
(aiosmtpd) that keeps what it receives, and a modal submission as Discord sends it."""

from __future__ import annotations

import email
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller

from bot.config import CompetitionConfig, load_competition
from bot.config.registration import ProfileFieldConfig
from bot.config.sections import EligibilityRule
from tests.conftest import EXAMPLE_COMPETITION
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord.models import WAIT_LIMIT, InteractionResult

STUDENT_RULE = {"email_domains": ["edu", "edu.cn", "ac.uk"], "proof": True}


def with_eligibility(competition: CompetitionConfig) -> CompetitionConfig:
    """``competition`` with its first track (student) open only to eligible members."""
    student = competition.tracks[0].model_copy(
        update={"eligibility": EligibilityRule.model_validate(STUDENT_RULE)}
    )
    return competition.model_copy(update={"tracks": (student, *competition.tracks[1:])})


def with_fields(competition: CompetitionConfig, fields: list[dict[str, Any]]) -> CompetitionConfig:
    """``competition`` asking these profile fields."""
    registration = competition.registration.model_copy(
        update={"fields": tuple(ProfileFieldConfig.model_validate(f) for f in fields)}
    )
    return competition.model_copy(update={"registration": registration})


def rules_with_eligibility() -> CompetitionConfig:
    """The example rules with the student track open only to eligible members."""
    return with_eligibility(load_competition(EXAMPLE_COMPETITION))


@dataclass
class Inbox:
    """What the local SMTP server received."""

    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def code(self, index: int = -1) -> str:
        """The 6-digit code in a received message's body."""
        body = self.messages[index].get_payload(decode=True)
        assert isinstance(body, bytes)
        found = re.search(rb"\b([0-9]{6})\b", body)
        assert found is not None, body
        return found.group(1).decode()


@dataclass
class SmtpServer:
    host: str
    port: int
    inbox: Inbox


def local_smtp() -> Iterator[SmtpServer]:
    """A real SMTP server on a free local port for the test's duration."""
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, inbox)
    finally:
        controller.stop()


async def submit_modal(
    fake: FakeDiscord,
    custom_id: str,
    values: dict[str, str],
    *,
    user_id: int,
    locale: str = "en-US",
    timeout: float = WAIT_LIMIT,
) -> InteractionResult:
    """Submit the modal ``custom_id`` with text input ``values`` (custom id → text), as
    Discord sends a MODAL_SUBMIT interaction."""
    payload, result = fake._interaction_base(
        5, user_id=user_id, locale=locale, guild_locale="en-US", channel_id=None
    )
    payload["data"] = {
        "custom_id": custom_id,
        "components": [
            {"type": 1, "components": [{"type": 4, "custom_id": key, "value": value}]}
            for key, value in values.items()
        ],
    }
    return await fake._deliver(payload, result, timeout, wait_final=True)
