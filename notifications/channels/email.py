"""E-mail over SMTP: multipart/alternative (text + HTML), UTF-8, RFC 2047 headers.

The Message-ID is derived from the dedupe key, so if the outbox ever sends the
same notification twice the copies carry the same Message-ID and mail clients
and archives can recognise (and usually collapse) them.
"""
from __future__ import annotations

import hashlib
import re
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any, Callable, Mapping

from notifications.channels.base import Channel
from notifications.datetimes import SHANGHAI
from notifications.errors import (
    ChannelNotConfigured,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from notifications.message import Receipt, Recipient, Rendered

__all__ = ["EmailChannel", "SmtpSettings", "message_id_for"]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
# Deliberately conservative: ASCII only (no SMTPUTF8), no spaces, quotes or brackets.
_ADDRESS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+\Z")


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to submit mail; ``sender`` may be ``"Name <addr>"``."""

    host: str = "localhost"
    port: int = 25
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    use_starttls: bool = False
    use_ssl: bool = False
    sender: str = "noreply@localhost"
    timeout: float = 10.0

    def __post_init__(self) -> None:
        if self.use_ssl and self.use_starttls:
            raise ChannelNotConfigured("SMTP_SSL and SMTP_STARTTLS are mutually exclusive")

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> "SmtpSettings":
        """Read SMTP_* variables; unset ones keep the defaults (localhost:25).

        With SMTP_SSL on and no SMTP_PORT the port is 465, the implicit-TLS port.
        """
        use_ssl = _flag(environ, "SMTP_SSL")
        port_default = 465 if use_ssl else 25
        return cls(
            host=environ.get("SMTP_HOST") or "localhost",
            port=_number(environ, "SMTP_PORT", int, port_default),
            username=environ.get("SMTP_USERNAME") or None,
            password=environ.get("SMTP_PASSWORD") or None,
            use_starttls=_flag(environ, "SMTP_STARTTLS"),
            use_ssl=use_ssl,
            sender=environ.get("SMTP_SENDER") or "noreply@localhost",
            timeout=_number(environ, "SMTP_TIMEOUT", float, 10.0),
        )


def message_id_for(dedupe_key: str, domain: str) -> str:
    """Deterministic Message-ID: the same dedupe key always yields the same id."""
    digest = hashlib.sha256(dedupe_key.encode("utf-8")).hexdigest()[:32]
    return f"<af.{digest}@{domain}>"


class EmailChannel(Channel):
    """Sends each message over a fresh SMTP connection (volumes are small)."""

    name = "email"

    def __init__(
        self,
        settings: SmtpSettings,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(SHANGHAI),
    ) -> None:
        display_name, address = parseaddr(settings.sender)
        if not _ADDRESS.match(address):
            raise ChannelNotConfigured(f"SMTP_SENDER is not a usable address: {settings.sender!r}")
        self._settings = settings
        self._from = Address(display_name=_one_line(display_name), addr_spec=address)
        self._clock = clock

    def compose(self, recipient: Recipient, rendered: Rendered, *, dedupe_key: str) -> EmailMessage:
        """Build the message without sending it (also handy for previews)."""
        address = _recipient_address(recipient)
        msg = EmailMessage(policy=policy.SMTP)
        msg["From"] = self._from
        msg["To"] = Address(display_name=_one_line(recipient.name), addr_spec=address)
        msg["Subject"] = _one_line(rendered.subject)
        msg["Date"] = format_datetime(self._clock())
        msg["Message-ID"] = message_id_for(dedupe_key, self._from.domain)
        msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
        msg.set_content(rendered.text, charset="utf-8", cte="base64")
        msg.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="base64")
        return msg

    def send(self, recipient: Recipient, rendered: Rendered, *, dedupe_key: str) -> Receipt:
        """Submit to the SMTP server; SMTP 4xx and network trouble are transient."""
        msg = self.compose(recipient, rendered, dedupe_key=dedupe_key)
        to = str(msg["To"].addresses[0].addr_spec)
        s = self._settings
        try:
            with self._connect() as smtp:
                if s.use_starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if s.username:
                    smtp.login(s.username, s.password or "")
                smtp.send_message(msg, from_addr=self._from.addr_spec, to_addrs=[to])
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            raise _by_code(code, reply, f"recipient {to} refused") from exc
        except smtplib.SMTPResponseException as exc:
            raise _by_code(exc.smtp_code, exc.smtp_error, type(exc).__name__) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise PermanentDeliveryError(f"SMTP server lacks a required extension: {exc}") from exc
        except (smtplib.SMTPException, OSError) as exc:  # refused, reset, timeout, TLS
            raise TransientDeliveryError(f"SMTP {s.host}:{s.port}: {exc!r}") from exc
        return Receipt(channel=self.name, provider_id=str(msg["Message-ID"]), detail=f"accepted by {s.host}:{s.port}")

    def _connect(self) -> smtplib.SMTP:
        s = self._settings
        if s.use_ssl:
            return smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=ssl.create_default_context())
        return smtplib.SMTP(s.host, s.port, timeout=s.timeout)


def _recipient_address(recipient: Recipient) -> str:
    address = (recipient.email or "").strip()
    if not address:
        raise PermanentDeliveryError(f"recipient {recipient.name!r} has no e-mail address")
    if not _ADDRESS.match(address) or ".." in address or address.endswith("."):
        raise PermanentDeliveryError(f"not a deliverable e-mail address: {address!r}")
    return address


def _by_code(code: int, reply: bytes | str, what: str) -> TransientDeliveryError | PermanentDeliveryError:
    """SMTP reply classes: 4xx try again later, 5xx never; anything else is odd, retry."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    message = f"{what}: {code} {text}"
    if 500 <= code <= 599:
        return PermanentDeliveryError(message, code=code)
    return TransientDeliveryError(message, code=code)


def _one_line(text: str) -> str:
    """Collapse whitespace so a name or subject can never inject header lines."""
    return " ".join(text.split())


def _flag(environ: Mapping[str, str], key: str) -> bool:
    value = environ.get(key, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ChannelNotConfigured(f"{key} must be true/false, got {environ[key]!r}")


def _number(
    environ: Mapping[str, str], key: str, kind: type[int] | type[float], default: int | float
) -> Any:
    raw = (environ.get(key) or "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ChannelNotConfigured(f"{key} must be a number, got {raw!r}") from None
    if value <= 0:
        raise ChannelNotConfigured(f"{key} must be positive, got {raw!r}")
    return value
