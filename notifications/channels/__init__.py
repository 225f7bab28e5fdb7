"""Delivery channels. Importing this package registers the built-in channels
(``email``, ``inapp``, ``sms``) so ``channel_class(name)`` can find them."""
from notifications.channels.base import Channel, channel_class, channel_names
from notifications.channels.email import EmailChannel, SmtpSettings, message_id_for
from notifications.channels.inapp import InAppChannel, InAppSink
from notifications.channels.sms import SMS_MAX_CHARS, SmsChannel, normalise_phone, sms_text

__all__ = [
    "SMS_MAX_CHARS",
    "Channel",
    "EmailChannel",
    "InAppChannel",
    "InAppSink",
    "SmsChannel",
    "SmtpSettings",
    "channel_class",
    "channel_names",
    "message_id_for",
    "normalise_phone",
    "sms_text",
]
