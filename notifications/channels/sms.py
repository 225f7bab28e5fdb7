"""SMS: the rendered plain text, shortened, sent through a pluggable driver."""
from __future__ import annotations

import re
from typing import Mapping

from notifications.channels.base import Channel
from notifications.channels.sms_drivers import LogSmsDriver, SmsDriver, sms_driver
from notifications.errors import PermanentDeliveryError
from notifications.message import Receipt, Recipient, Rendered

__all__ = ["SMS_MAX_CHARS", "SmsChannel", "normalise_phone", "sms_text"]

#: Upper bound on message length; long texts are billed as several segments.
SMS_MAX_CHARS = 300
_PHONE = re.compile(r"\+?\d{5,15}\Z")
_SEPARATORS = re.compile(r"[\s\-().]")


class SmsChannel(Channel):
    """Sends the plain-text rendering (trimmed) to the recipient's phone."""

    name = "sms"

    def __init__(self, driver: SmsDriver | None = None) -> None:
        self.driver = driver if driver is not None else LogSmsDriver()

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> "SmsChannel":
        """SMS_DRIVER picks the driver (default ``log``); the driver reads its own settings."""
        name = (environ.get("SMS_DRIVER") or "log").strip().lower()
        return cls(sms_driver(name).from_env(environ))

    def send(self, recipient: Recipient, rendered: Rendered, *, dedupe_key: str) -> Receipt:
        """Validate the number, shorten the text, let the driver deliver it."""
        phone = normalise_phone(recipient.phone, recipient_name=recipient.name)
        return self.driver.send(phone, sms_text(rendered.text), dedupe_key=dedupe_key)


def sms_text(text: str, limit: int = SMS_MAX_CHARS) -> str:
    """Plain text without blank lines, cut to ``limit`` characters (ending in …)."""
    compact = "\n".join(line.strip() for line in text.splitlines() if line.strip())
    if len(compact) <= limit:
        return compact
    return compact[: limit - 1].rstrip() + "…"


def normalise_phone(phone: str | None, *, recipient_name: str = "") -> str:
    """Digits with an optional leading ``+``; spaces, dashes, dots and brackets dropped."""
    if not phone or not phone.strip():
        raise PermanentDeliveryError(f"recipient {recipient_name!r} has no phone number")
    number = _SEPARATORS.sub("", phone)
    if not _PHONE.match(number):
        raise PermanentDeliveryError(f"not a valid phone number: {phone!r}")
    return number
