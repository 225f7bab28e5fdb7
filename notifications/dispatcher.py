"""Render a Notification in the recipient's language and send it on its channel.

The dispatcher keeps no state: deduplication, retries and the outbox live in
the service, which decides from the exception class what to do next.
"""
from __future__ import annotations

import logging
from types import MappingProxyType
from typing import Callable, Mapping

from notifications.channels import Channel, EmailChannel, InAppChannel, InAppSink, SmsChannel, SmtpSettings
from notifications.errors import ChannelNotConfigured
from notifications.message import Notification, Receipt, Rendered
from notifications.render import render

__all__ = ["Dispatcher", "Renderer"]

LOGGER = logging.getLogger("notifications")

#: Same signature as ``notifications.render.render``.
Renderer = Callable[[str, Mapping[str, object], str], Rendered]


class Dispatcher:
    """Routes notifications to the channels configured for this process."""

    def __init__(self, channels: Mapping[str, Channel], *, renderer: Renderer = render) -> None:
        self._channels = dict(channels)
        self._render = renderer

    @property
    def channels(self) -> Mapping[str, Channel]:
        """The configured channels by name (read-only)."""
        return MappingProxyType(self._channels)

    @classmethod
    def from_env(cls, environ: Mapping[str, str], inapp_sink: InAppSink | None) -> "Dispatcher":
        """E-mail and SMS from SMTP_* / SMS_* variables; in-app only when a sink is given."""
        channels: dict[str, Channel] = {
            EmailChannel.name: EmailChannel(SmtpSettings.from_env(environ)),
            SmsChannel.name: SmsChannel.from_env(environ),
        }
        if inapp_sink is not None:
            channels[InAppChannel.name] = InAppChannel(inapp_sink)
        return cls(channels)

    def deliver(self, notification: Notification) -> Receipt:
        """Render for the recipient's locale and send; errors propagate to the caller.

        The recipient's name is offered to the templates as ``recipient_name``
        (for the greeting) unless the context already has one.
        """
        channel = self._channels.get(notification.channel)
        if channel is None:
            known = ", ".join(sorted(self._channels)) or "none"
            raise ChannelNotConfigured(f"channel {notification.channel!r} is not configured (configured: {known})")
        recipient = notification.recipient
        context = {"recipient_name": recipient.name, **notification.context}
        rendered = self._render(notification.template, context, recipient.locale)
        receipt = channel.send(recipient, rendered, dedupe_key=notification.dedupe_key)
        LOGGER.info(
            "delivered %s via %s [%s] -> %s",
            notification.template,
            notification.channel,
            notification.dedupe_key,
            receipt.provider_id,
        )
        return receipt
