"""An SMS driver that only writes to the log: the default, for development and
for deployments that have no SMS contract yet."""
from __future__ import annotations

import hashlib
import logging

from notifications.channels.sms_drivers.base import SmsDriver
from notifications.message import Receipt

__all__ = ["LogSmsDriver"]

LOGGER = logging.getLogger("notifications.sms")


class LogSmsDriver(SmsDriver):
    """Logs the text at INFO with the number partly masked (it is personal data)."""

    name = "log"

    def __init__(self, logger: logging.Logger = LOGGER) -> None:
        self._logger = logger

    def send(self, to: str, text: str, *, dedupe_key: str) -> Receipt:
        """Log and pretend success; the id is stable per dedupe key."""
        self._logger.info("SMS to %s [%s]: %s", mask_phone(to), dedupe_key, text)
        provider_id = "log-" + hashlib.sha256(dedupe_key.encode("utf-8")).hexdigest()[:16]
        return Receipt(channel="sms", provider_id=provider_id, detail="logged, not sent")


def mask_phone(number: str) -> str:
    """``13812345678`` → ``138****5678``: enough to tell numbers apart in a log."""
    if len(number) <= 4:
        return "*" * len(number)
    head = 3 if len(number) >= 11 else 0
    return number[:head] + "*" * (len(number) - head - 4) + number[-4:]
