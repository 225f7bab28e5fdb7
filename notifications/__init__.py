"""Notifications for Appraisal Flow: templates, rendering and delivery.

The package receives plain data (``Notification``) and delivers it by e-mail,
in-app inbox or SMS. It knows nothing about Flask, the database or workflows so
it can be tested, and reused by workers, in isolation.

Typical use::

    dispatcher = Dispatcher.from_env(os.environ, inapp_sink=store_inbox_row)
    receipt = dispatcher.deliver(Notification(
        channel="email",
        recipient=Recipient(user_id=7, name="张三", email="zhangsan@example.cn"),
        template="task_assigned",
        context={...},
        dedupe_key="task_assigned:42:7:email",
    ))

Errors: see ``notifications.errors`` (TransientDeliveryError → retry later).
"""
from notifications.channels import (
    Channel,
    EmailChannel,
    InAppChannel,
    InAppSink,
    SmsChannel,
    SmtpSettings,
    channel_class,
    channel_names,
)
from notifications.channels.sms_drivers import (
    HttpResponse,
    HttpSmsDriver,
    LogSmsDriver,
    SmsDriver,
    sms_driver,
    sms_driver_names,
)
from notifications.datetimes import SHANGHAI, format_date, format_datetime, format_overdue
from notifications.dispatcher import Dispatcher
from notifications.errors import (
    ChannelNotConfigured,
    NotificationError,
    PermanentDeliveryError,
    TemplateContextError,
    TemplateNotFound,
    TransientDeliveryError,
)
from notifications.message import Notification, Receipt, Recipient, Rendered
from notifications.render import normalise_locale, render, template_names

__all__ = [
    "SHANGHAI",
    "Channel",
    "ChannelNotConfigured",
    "Dispatcher",
    "EmailChannel",
    "HttpResponse",
    "HttpSmsDriver",
    "InAppChannel",
    "InAppSink",
    "LogSmsDriver",
    "Notification",
    "NotificationError",
    "PermanentDeliveryError",
    "Receipt",
    "Recipient",
    "Rendered",
    "SmsChannel",
    "SmsDriver",
    "SmtpSettings",
    "TemplateContextError",
    "TemplateNotFound",
    "TransientDeliveryError",
    "channel_class",
    "channel_names",
    "format_date",
    "format_datetime",
    "format_overdue",
    "normalise_locale",
    "render",
    "sms_driver",
    "sms_driver_names",
    "template_names",
]
