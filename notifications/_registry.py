"""A tiny name → class registry shared by channels and SMS drivers.

Both are looked up by the names found in configuration (``SMS_DRIVER=http``,
``Notification.channel``), so the classes register themselves when defined.
"""
from __future__ import annotations

from typing import Generic, TypeVar

from notifications.errors import ChannelNotConfigured

T = TypeVar("T", bound=type)


class Registry(Generic[T]):
    """Classes keyed by their ``name`` attribute; what ``kind`` is goes into errors."""

    def __init__(self, kind: str) -> None:
        self._kind = kind
        self._classes: dict[str, T] = {}

    def add(self, cls: T) -> None:
        """Register ``cls`` under ``cls.name``; classes without their own name are abstract."""
        name = cls.__dict__.get("name")
        if name is None:
            return
        if not isinstance(name, str) or not name:
            raise TypeError(f"{cls.__qualname__}.name must be a non-empty string")
        existing = self._classes.get(name)
        # Re-running a module (reload, test collection) defines an equal class again.
        if existing is not None and _qualified(existing) != _qualified(cls):
            raise RuntimeError(f"{self._kind} name {name!r} is taken by {_qualified(existing)}")
        self._classes[name] = cls

    def get(self, name: str) -> T:
        """The class registered as ``name``; unknown names are a configuration error."""
        try:
            return self._classes[name]
        except KeyError:
            known = ", ".join(sorted(self._classes)) or "none"
            raise ChannelNotConfigured(f"unknown {self._kind} {name!r} (known: {known})") from None

    def names(self) -> list[str]:
        """Registered names, sorted."""
        return sorted(self._classes)


def _qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"
