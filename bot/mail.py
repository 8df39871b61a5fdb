"""E-mail through an SMTP server (aiosmtplib): the eligibility codes' ``Mailer``.

Configured by the ``SMTP_*`` settings; the message is worded in the member's language from
the catalogs. A server that cannot be reached or refuses the message becomes
``MailNotSent`` (the member is told to try again); the address is never logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib

from bot.config import Settings
from bot.i18n import N_, Catalogs
from bot.services.registration import CodeEmail, MailNotSent

log = logging.getLogger(__name__)

SUBJECT = N_("Your {competition} code: {code}")
BODY = N_(
    "Your code for the {track} track of {competition} is {code}.\n\n"
    "Confirm it in Discord with /eligibility confirm within {minutes} minutes. If you did "
    "not ask for it, ignore this e-mail."
)
SMTP_TIMEOUT = 20.0


@dataclass(frozen=True, slots=True)
class SmtpMailer:
    """Sends each code e-mail over one SMTP connection (``security``: starttls, tls, none)."""

    host: str
    port: int
    sender: str
    competition: str
    catalogs: Catalogs
    username: str | None = None
    password: str | None = None
    security: str = "starttls"

    def message(self, email: CodeEmail) -> EmailMessage:
        """The e-mail for ``email``, in its language."""
        params = {
            "competition": self.competition,
            "code": email.code,
            "track": email.track,
            "minutes": email.minutes,
        }
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = email.to
        message["Subject"] = self.catalogs.gettext(email.locale, SUBJECT, **params)
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2])
        message.set_content(self.catalogs.gettext(email.locale, BODY, **params))
        return message

    async def send_code(self, email: CodeEmail) -> None:
        """Send the code e-mail; raises MailNotSent when the server fails or refuses it."""
        try:
            await aiosmtplib.send(
                self.message(email),
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                use_tls=self.security == "tls",
                start_tls=self.security == "starttls",
                timeout=SMTP_TIMEOUT,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            log.warning("code e-mail not sent host=%s error=%s", self.host, type(exc).__name__)
            raise MailNotSent() from exc


def smtp_mailer(settings: Settings, competition: str, catalogs: Catalogs) -> SmtpMailer | None:
    """The mailer ``podium run`` uses: None when ``SMTP_HOST`` is not set."""
    if not settings.SMTP_HOST or not settings.SMTP_FROM:
        return None
    return SmtpMailer(
        host=settings.SMTP_HOST,
        port=settings.SMTP_PORT,
        sender=settings.SMTP_FROM,
        competition=competition,
        catalogs=catalogs,
        username=settings.SMTP_USERNAME,
        password=settings.SMTP_PASSWORD.get_secret_value() if settings.SMTP_PASSWORD else None,
        security=settings.SMTP_SECURITY,
    )
