"""What an SMS gateway adapter must do, and the registry of adapters by name.

SMS providers differ wildly; the channel only needs "send this text to this
number", so each provider is a small driver picked by ``SMS_DRIVER``.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar, Mapping

from notifications._registry import Registry
from notifications.message import Receipt

__all__ = ["SmsDriver", "sms_driver", "sms_driver_names"]

_DRIVERS: Registry[type["SmsDriver"]] = Registry("SMS driver")


class SmsDriver(ABC):
    """Sends one text message; subclasses register under their ``name``."""

    name: ClassVar[str]

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        _DRIVERS.add(cls)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> "SmsDriver":
        """Build the driver from environment variables (none needed by default)."""
        return cls()

    @abstractmethod
    def send(self, to: str, text: str, *, dedupe_key: str) -> Receipt:
        """Deliver ``text`` to the normalised number ``to`` or raise a delivery error."""


def sms_driver(name: str) -> type[SmsDriver]:
    """The driver class registered as ``name``; raises ChannelNotConfigured if none."""
    return _DRIVERS.get(name)


def sms_driver_names() -> list[str]:
    """Names of all registered SMS drivers, sorted."""
    return _DRIVERS.names()
