"""The interface every delivery channel implements, and the channel registry.

A subclass registers itself under its ``name`` class attribute when it is
defined, so configuration (``Notification.channel``) can refer to channels by
name without a hand-maintained table.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from notifications._registry import Registry
from notifications.message import Receipt, Recipient, Rendered

__all__ = ["Channel", "channel_class", "channel_names"]

_CHANNELS: Registry[type["Channel"]] = Registry("channel")


class Channel(ABC):
    """Delivers an already rendered message to one recipient.

    ``send`` either returns a Receipt or raises TransientDeliveryError /
    PermanentDeliveryError, so the caller's retry policy needs no per-channel code.
    """

    name: ClassVar[str]

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        _CHANNELS.add(cls)

    @abstractmethod
    def send(self, recipient: Recipient, rendered: Rendered, *, dedupe_key: str) -> Receipt:
        """Hand the message over; ``dedupe_key`` lets the far side spot duplicates."""


def channel_class(name: str) -> type[Channel]:
    """The channel class registered as ``name``; raises ChannelNotConfigured if none."""
    return _CHANNELS.get(name)


def channel_names() -> list[str]:
    """Names of all registered channels, sorted."""
    return _CHANNELS.names()
