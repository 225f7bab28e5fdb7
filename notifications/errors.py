"""Exceptions raised by the notifications package.

Callers (the outbox worker) only need to tell "try again later" from "give up",
so every failure is one of these::

    NotificationError                 base class; catch this to catch everything below
    ├── TransientDeliveryError        retry later: connection refused, timeouts,
    │                                 SMTP 4xx, SMS gateway 5xx/429/408
    ├── PermanentDeliveryError        do not retry: SMTP 5xx, malformed address,
    │                                 recipient without e-mail/phone/user id,
    │                                 SMS gateway 4xx
    ├── TemplateNotFound              no template of that name (a programming error)
    ├── TemplateContextError          the context lacks a key the template uses, or
    │                                 a value the template cannot format
    └── ChannelNotConfigured          unknown channel or SMS driver name, or settings
                                      in the environment that cannot be used

Delivery errors carry ``code`` (the SMTP reply or HTTP status) when there is one.
"""
from __future__ import annotations

__all__ = [
    "ChannelNotConfigured",
    "NotificationError",
    "PermanentDeliveryError",
    "TemplateContextError",
    "TemplateNotFound",
    "TransientDeliveryError",
]


class NotificationError(Exception):
    """Base of every error this package raises on purpose."""


class _DeliveryError(NotificationError):
    """A channel could not hand the message over; ``code`` is the remote reply code."""

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class TransientDeliveryError(_DeliveryError):
    """The same message may succeed later; the caller should retry with back-off."""


class PermanentDeliveryError(_DeliveryError):
    """Retrying the same message cannot succeed; mark it failed and move on."""


class TemplateNotFound(NotificationError):
    """No template with this name exists (checked in the fallback locale too)."""


class TemplateContextError(NotificationError):
    """Rendering needed a context key that was absent, or a value of the wrong kind.

    ``key`` names the missing key when it could be determined.
    """

    def __init__(self, message: str, *, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


class ChannelNotConfigured(NotificationError):
    """The named channel/driver does not exist here or its settings are unusable."""
