"""In-app notifications: a row the web UI shows in the user's inbox.

The package must not know the database, so the service passes a ``sink`` that
writes the row in its own session; the notification then commits or rolls back
together with the workflow step that caused it.
"""
from __future__ import annotations

from typing import Callable

from notifications.channels.base import Channel
from notifications.errors import PermanentDeliveryError
from notifications.message import Receipt, Recipient, Rendered

__all__ = ["InAppChannel", "InAppSink"]

#: ``sink(user_id, subject, text, link, dedupe_key) -> id of the stored row``.
#: Text is plain (not HTML-escaped); the UI must escape it when displaying.
InAppSink = Callable[[int, str, str, str | None, str], str]


class InAppChannel(Channel):
    """Stores the message through the service-supplied sink.

    Exceptions raised by the sink (database errors) propagate unchanged: they
    belong to the caller's transaction, not to delivery.
    """

    name = "inapp"

    def __init__(self, sink: InAppSink) -> None:
        self._sink = sink

    def send(self, recipient: Recipient, rendered: Rendered, *, dedupe_key: str) -> Receipt:
        """Write the inbox row; a recipient without an account cannot have one."""
        if recipient.user_id is None:
            raise PermanentDeliveryError(f"recipient {recipient.name!r} has no user account")
        row_id = self._sink(recipient.user_id, rendered.subject, rendered.text, rendered.link, dedupe_key)
        return Receipt(channel=self.name, provider_id=str(row_id), detail="stored in inbox")
