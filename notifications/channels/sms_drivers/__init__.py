"""SMS gateway adapters, selected by name (``SMS_DRIVER``); importing this
package registers the built-in ``log`` and ``http`` drivers."""
from notifications.channels.sms_drivers.base import SmsDriver, sms_driver, sms_driver_names
from notifications.channels.sms_drivers.http import HttpResponse, HttpSmsDriver, Transport, urllib_transport
from notifications.channels.sms_drivers.log import LogSmsDriver

__all__ = [
    "HttpResponse",
    "HttpSmsDriver",
    "LogSmsDriver",
    "SmsDriver",
    "Transport",
    "sms_driver",
    "sms_driver_names",
    "urllib_transport",
]
