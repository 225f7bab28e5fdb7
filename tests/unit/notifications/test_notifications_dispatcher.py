"""The dispatcher renders per recipient locale and routes by channel name."""
from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from notifications import (
    Channel,
    ChannelNotConfigured,
    Dispatcher,
    EmailChannel,
    InAppChannel,
    LogSmsDriver,
    Notification,
    Receipt,
    Recipient,
    Rendered,
    SmsChannel,
    SmtpSettings,
    TemplateContextError,
    TemplateNotFound,
    channel_class,
    channel_names,
)


class RecordingChannel(Channel):
    """A channel that only remembers what it was asked to send."""

    name = "test-recording"

    def __init__(self) -> None:
        self.sent: list[tuple[Recipient, Rendered, str]] = []

    def send(self, recipient: Recipient, rendered: Rendered, *, dedupe_key: str) -> Receipt:
        self.sent.append((recipient, rendered, dedupe_key))
        return Receipt(self.name, str(len(self.sent)), "recorded")


ZHANG = Recipient(7, "张三", email="zhangsan@example.cn", phone="13812345678")
SMITH = Recipient(8, "Alex Smith", email="alex@example.org", locale="en-GB")


def _notification(sample_context, channel: str, recipient: Recipient = ZHANG, **kw) -> Notification:
    return Notification(
        channel=channel,
        recipient=recipient,
        template=kw.get("template", "task_overdue"),
        context=kw.get("context") or sample_context("task_overdue"),
        dedupe_key=f"task_overdue:14:{recipient.user_id}:{channel}",
    )


def test_routes_by_channel_name(sample_context) -> None:
    a, b = RecordingChannel(), RecordingChannel()
    dispatcher = Dispatcher({"email": a, "sms": b})
    receipt = dispatcher.deliver(_notification(sample_context, "sms"))
    assert receipt == Receipt("test-recording", "1", "recorded")
    assert a.sent == [] and len(b.sent) == 1
    recipient, rendered, key = b.sent[0]
    assert recipient == ZHANG and key == "task_overdue:14:7:sms"
    assert rendered.subject.startswith("【已逾期】") and rendered.text.startswith("尊敬的张三：")


def test_renders_in_recipient_locale(sample_context) -> None:
    channel = RecordingChannel()
    Dispatcher({"email": channel}).deliver(_notification(sample_context, "email", SMITH))
    rendered = channel.sent[0][1]
    assert rendered.subject.startswith("Task overdue:")
    assert rendered.text.startswith("Dear Alex Smith,")


def test_context_may_override_recipient_name(sample_context) -> None:
    channel = RecordingChannel()
    context = sample_context("task_overdue") | {"recipient_name": "张三同志"}
    Dispatcher({"email": channel}).deliver(_notification(sample_context, "email", context=context))
    assert channel.sent[0][1].text.startswith("尊敬的张三同志：")


def test_unknown_channel_is_not_configured(sample_context) -> None:
    channel = RecordingChannel()
    with pytest.raises(ChannelNotConfigured, match="fax"):
        Dispatcher({"email": channel}).deliver(_notification(sample_context, "fax"))
    assert channel.sent == []


def test_render_errors_reach_the_caller_and_nothing_is_sent(sample_context) -> None:
    channel = RecordingChannel()
    dispatcher = Dispatcher({"email": channel})
    context = sample_context("task_overdue")
    del context["assignee_name"]
    with pytest.raises(TemplateContextError, match="assignee_name"):
        dispatcher.deliver(_notification(sample_context, "email", context=context))
    with pytest.raises(TemplateNotFound):
        dispatcher.deliver(_notification(sample_context, "email", template="nope"))
    assert channel.sent == []


def test_end_to_end_over_all_real_channels(smtp_server, sample_context, caplog) -> None:
    rows = []
    dispatcher = Dispatcher(
        {
            "email": EmailChannel(SmtpSettings(host=smtp_server.host, port=smtp_server.port, timeout=5)),
            "inapp": InAppChannel(lambda *args: rows.append(args) or f"row-{len(rows)}"),
            "sms": SmsChannel(LogSmsDriver()),
        }
    )
    receipts = {name: dispatcher.deliver(_notification(sample_context, name)) for name in ("email", "inapp", "sms")}

    assert {r.channel for r in receipts.values()} == {"email", "inapp", "sms"}
    [envelope] = smtp_server.recorder.envelopes
    msg = message_from_bytes(envelope.original_content, policy=policy.default)
    assert msg["Subject"] == "【已逾期】复审评分：智能巡检机器人在变电站运维中的应用"
    assert receipts["inapp"].provider_id == "row-1"
    user_id, subject, text, link, key = rows[0]
    assert (user_id, link, key) == (7, "https://appraisal.example.cn/tasks/14", "task_overdue:14:7:inapp")
    assert subject == msg["Subject"] and "承办人：王五" in text
    assert receipts["sms"].provider_id.startswith("log-")


def test_from_env_builds_all_channels() -> None:
    dispatcher = Dispatcher.from_env({"SMTP_HOST": "smtp.example.cn"}, inapp_sink=lambda *a: "1")
    assert sorted(dispatcher.channels) == ["email", "inapp", "sms"]
    assert isinstance(dispatcher.channels["email"], EmailChannel)
    assert isinstance(dispatcher.channels["sms"].driver, LogSmsDriver)


def test_from_env_without_sink_has_no_inapp(sample_context) -> None:
    dispatcher = Dispatcher.from_env({}, inapp_sink=None)
    assert "inapp" not in dispatcher.channels
    with pytest.raises(ChannelNotConfigured):
        dispatcher.deliver(_notification(sample_context, "inapp"))


def test_from_env_propagates_configuration_errors() -> None:
    with pytest.raises(ChannelNotConfigured):
        Dispatcher.from_env({"SMS_DRIVER": "http"}, inapp_sink=None)


def test_channel_registry() -> None:
    assert channel_class("email") is EmailChannel
    assert channel_class("inapp") is InAppChannel
    assert channel_class("sms") is SmsChannel
    assert channel_class("test-recording") is RecordingChannel
    assert {"email", "inapp", "sms"} <= set(channel_names())
    with pytest.raises(ChannelNotConfigured):
        channel_class("pager")


def test_channel_names_must_be_unique() -> None:
    with pytest.raises(RuntimeError, match="taken"):
        type("AnotherEmail", (RecordingChannel,), {"name": "email"})


def test_notification_is_frozen_and_hashable(sample_context) -> None:
    notification = _notification(sample_context, "email")
    with pytest.raises(AttributeError):
        notification.channel = "sms"  # type: ignore[misc]
    assert hash(notification) == hash(_notification(sample_context, "email"))
