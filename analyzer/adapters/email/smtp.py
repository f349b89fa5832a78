"""Deliver a report over SMTP: plain, STARTTLS or implicit TLS, optional AUTH.

The password never comes from the command line: $CROSSOVER_SMTP_PASSWORD or a file.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage

from analyzer.adapters.email.compose import recipients_of
from analyzer.adapters.email.retry import DEFAULT_ATTEMPTS, PermanentError, with_retries
from analyzer.core.safe_load import read_text
from analyzer.exceptions import DeliveryError, InputError

log = logging.getLogger(__name__)

ENV_PASSWORD = "CROSSOVER_SMTP_PASSWORD"  # noqa: S105 - the variable's name
SECURITY = ("none", "starttls", "tls")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 0  # 0: 465 for tls, 587 for starttls, 25 otherwise
    security: str = "none"  # none | starttls | tls (implicit)
    user: str | None = None
    password: str | None = None
    timeout_s: float = 30.0
    ssl_context: ssl.SSLContext | None = None  # default: the system's trust store, verified

    def __post_init__(self) -> None:
        if self.security not in SECURITY:
            raise InputError(
                "smtp security", self.security, f"must be one of {', '.join(SECURITY)}"
            )
        if self.user and self.password is None:
            raise InputError(
                "--smtp-user",
                self.user,
                f"needs a password: set ${ENV_PASSWORD} or pass --smtp-password-file",
            )

    @property
    def effective_port(self) -> int:
        if self.port:
            return self.port
        return {"tls": 465, "starttls": 587}.get(self.security, 25)

    def __repr__(self) -> str:  # never show the password
        return (
            f"SmtpSettings(host={self.host!r}, port={self.effective_port}, "
            f"security={self.security!r}, user={self.user!r})"
        )


def read_password(password_file: str | os.PathLike[str] | None) -> str | None:
    """The SMTP password: from the file if given, else $CROSSOVER_SMTP_PASSWORD, else None."""
    if password_file:
        text = read_text(password_file, "--smtp-password-file", max_bytes=4096)
        password = text.rstrip("\r\n")
        if not password or any(c in password for c in "\r\n"):
            raise InputError(
                "--smtp-password-file", str(password_file), "must hold the password on one line"
            )
        return password
    return os.environ.get(ENV_PASSWORD)


def _send_once(msg: EmailMessage, s: SmtpSettings, recipients: list[str]) -> None:
    where = f"{s.host}:{s.effective_port}"
    try:
        _send_session(msg, s, recipients)
    except ssl.SSLCertVerificationError as exc:
        raise PermanentError(
            f"the TLS certificate of {s.host} was not trusted ({exc.verify_message})"
        ) from exc
    except (ssl.SSLEOFError, ssl.SSLZeroReturnError):
        raise  # the connection dropped mid-handshake: transient
    except ssl.SSLError as exc:  # e.g. WRONG_VERSION_NUMBER: TLS spoken to a plain port
        reason = exc.reason or " ".join(str(exc).split())
        raise PermanentError(
            f"the TLS handshake with {where} failed ({reason}): the server does not speak TLS "
            "there (check --tls / --starttls and the port)"
        ) from exc


def _open(s: SmtpSettings, context: ssl.SSLContext) -> smtplib.SMTP:
    if s.security == "tls":
        return smtplib.SMTP_SSL(s.host, s.effective_port, timeout=s.timeout_s, context=context)
    return smtplib.SMTP(s.host, s.effective_port, timeout=s.timeout_s)


def _secure(smtp: smtplib.SMTP, s: SmtpSettings, context: ssl.SSLContext) -> None:
    """EHLO, STARTTLS when asked (refusing to go on in clear text), then AUTH when asked."""
    smtp.ehlo()
    if s.security == "starttls":
        try:
            smtp.starttls(context=context)
        except smtplib.SMTPNotSupportedError as exc:
            raise PermanentError(
                f"{s.host}:{s.effective_port} does not offer STARTTLS (check --starttls / --tls "
                "and the port; the message was not sent in clear text)"
            ) from exc
        smtp.ehlo()
    if not s.user:
        return
    try:
        smtp.login(s.user, s.password or "")
    except smtplib.SMTPAuthenticationError as exc:
        raise PermanentError(
            f"SMTP authentication as {s.user!r} was refused ({exc.smtp_code})"
        ) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise PermanentError(
            "the SMTP server does not offer AUTH (try --starttls or --tls)"
        ) from exc
    except smtplib.SMTPException as exc:  # e.g. "No suitable authentication method found."
        if isinstance(exc, smtplib.SMTPResponseException | smtplib.SMTPServerDisconnected):
            raise  # a reply code or a dropped connection: handled as usual
        raise PermanentError(
            f"SMTP authentication as {s.user!r} is not possible: {' '.join(str(exc).split())}"
        ) from exc


def _send_session(msg: EmailMessage, s: SmtpSettings, recipients: list[str]) -> None:
    context = s.ssl_context or ssl.create_default_context()
    with _open(s, context) as smtp:
        _secure(smtp, s, context)
        try:
            refused = smtp.send_message(msg, to_addrs=recipients)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentError(
                f"every recipient was refused: {', '.join(exc.recipients)}"
            ) from exc
        except smtplib.SMTPResponseException as exc:
            if 400 <= exc.smtp_code < 500:
                raise  # transient (4xx): retry
            raise PermanentError(f"the SMTP server refused the message ({exc.smtp_code})") from exc
    if refused:
        raise DeliveryError(
            f"SMTP delivery to {s.host}: the message went to {len(recipients) - len(refused)} "
            f"recipient(s) but was refused for {', '.join(sorted(refused))}"
        )


TRANSIENT = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    smtplib.SMTPResponseException,
    smtplib.SMTPHeloError,
    ConnectionError,
    TimeoutError,
    OSError,
)


def send_smtp(
    msg: EmailMessage,
    settings: SmtpSettings,
    *,
    attempts: int = DEFAULT_ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Send `msg` (whole, built beforehand) to every To/Cc/Bcc recipient; retried with
    backoff on connection problems and 4xx replies; raises DeliveryError."""
    recipients = recipients_of(msg)
    if not recipients:
        raise DeliveryError("the report has no recipients")
    with_retries(
        lambda: _send_once(msg, settings, recipients),
        what=f"SMTP delivery to {settings.host}:{settings.effective_port}",
        transient=TRANSIENT,
        attempts=attempts,
        sleep=sleep,
    )
    log.info("report sent over SMTP to %s via %s", ", ".join(recipients), settings.host)
