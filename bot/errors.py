"""Domain errors. Services raise these; one handler turns them into localized replies.

Each error carries a gettext message id (English text with ``{name}`` placeholders, marked
with ``N_`` so extraction finds it) and the parameters to fill in. The message is the
user-facing sentence; it names what to fix.
"""

from __future__ import annotations

from typing import Any, ClassVar

from bot.i18n import N_


class PodiumError(Exception):
    """Base of every error a user may be told about."""

    message: ClassVar[str] = N_("That did not work. Please check your input and try again.")

    def __init__(self, **params: Any) -> None:
        self.params = params
        super().__init__(f"{type(self).__name__}({params!r})")

    @property
    def key(self) -> str:
        """The error's stable name (its class name), e.g. ``TeamFull``."""
        return type(self).__name__


class NotOrganizer(PodiumError):
    """The command is for organizers (organizer role or Manage Server permission)."""

    message = N_(
        "Only organizers can do that. Ask someone with the {role} role or the "
        "Manage Server permission."
    )


class InvalidInput(PodiumError):
    """A value the user typed cannot be used; ``field`` and ``reason`` say why."""

    message = N_("{field}: {reason}")


class GuildOnly(PodiumError):
    """The command only works inside the competition's server."""

    message = N_("This command only works inside the competition server.")


class MissingBotPermissions(PodiumError):
    """Discord refused an action because the bot lacks a permission."""

    message = N_(
        "I am missing the {permissions} permission in this server. Ask an admin to grant it "
        "to my role, then try again."
    )
