"""E-mail against a real SMTP server (aiosmtpd on loopback)."""
from __future__ import annotations

import socket
from email import message_from_bytes, policy
from email.utils import parsedate_to_datetime

import pytest

from notifications import (
    ChannelNotConfigured,
    EmailChannel,
    PermanentDeliveryError,
    Recipient,
    Rendered,
    SmtpSettings,
    TransientDeliveryError,
    render,
)
from notifications.channels.email import message_id_for

ZHANG = Recipient(user_id=7, name="张三", email="zhangsan@example.cn")
SENDER = "市总工会创新评比办公室 <noreply@union.example.cn>"


def _channel(server, **overrides) -> EmailChannel:
    settings = SmtpSettings(host=server.host, port=server.port, sender=SENDER, timeout=5, **overrides)
    return EmailChannel(settings)


def _rendered(sample_context):
    context = sample_context("task_assigned")
    context["recipient_name"] = ZHANG.name
    return render("task_assigned", context)


def test_delivers_multipart_utf8_message(smtp_server, sample_context) -> None:
    rendered = _rendered(sample_context)
    receipt = _channel(smtp_server).send(ZHANG, rendered, dedupe_key="task_assigned:12:7:email")

    [envelope] = smtp_server.recorder.envelopes
    assert envelope.mail_from == "noreply@union.example.cn"
    assert envelope.rcpt_tos == ["zhangsan@example.cn"]
    raw = envelope.original_content
    assert raw.isascii(), "headers must be RFC 2047 encoded and bodies transfer-encoded"
    assert b"Subject: =?utf-8?" in raw

    msg = message_from_bytes(raw, policy=policy.default)
    assert msg["Subject"] == rendered.subject == "【待办】初审：智能巡检机器人在变电站运维中的应用"
    assert msg["From"].addresses[0].display_name == "市总工会创新评比办公室"
    assert msg["To"].addresses[0].display_name == "张三"
    assert msg["To"].addresses[0].addr_spec == "zhangsan@example.cn"
    assert msg["Message-ID"] == message_id_for("task_assigned:12:7:email", "union.example.cn")
    assert receipt.provider_id == msg["Message-ID"] and receipt.channel == "email"
    assert parsedate_to_datetime(msg["Date"]).utcoffset() is not None
    assert msg["Auto-Submitted"] == "auto-generated"

    assert msg.get_content_type() == "multipart/alternative"
    plain = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    assert plain.get_content_charset() == html.get_content_charset() == "utf-8"
    assert plain.get_content().replace("\r\n", "\n").strip() == rendered.text
    assert "尊敬的张三" in plain.get_content()
    assert html.get_content().replace("\r\n", "\n").strip() == rendered.html
    assert "<!DOCTYPE html>" in html.get_content()


def test_message_id_is_stable_per_dedupe_key(smtp_server, sample_context) -> None:
    channel, rendered = _channel(smtp_server), _rendered(sample_context)
    for key in ("k-1", "k-1", "k-2"):
        channel.send(ZHANG, rendered, dedupe_key=key)
    ids = [message_from_bytes(e.original_content)["Message-ID"] for e in smtp_server.recorder.envelopes]
    assert ids[0] == ids[1] != ids[2]


def test_header_injection_through_name_is_neutralised() -> None:
    channel = EmailChannel(SmtpSettings())
    evil = Recipient(1, "张三\r\nBcc: victim@example.com", email="zhangsan@example.cn")
    msg = channel.compose(evil, Rendered("主题", "正文", "<p>正文</p>"), dedupe_key="k")
    assert msg["Bcc"] is None
    assert "\n" not in str(msg["To"])


@pytest.mark.parametrize(
    ("reply", "error", "code"),
    [
        ("550 5.1.1 Mailbox unavailable", PermanentDeliveryError, 550),
        ("451 4.3.0 Try again later", TransientDeliveryError, 451),
    ],
)
def test_recipient_rejection_is_classified(smtp_server, sample_context, reply, error, code) -> None:
    smtp_server.recorder.rcpt_reply = reply
    with pytest.raises(error) as excinfo:
        _channel(smtp_server).send(ZHANG, _rendered(sample_context), dedupe_key="k")
    assert excinfo.value.code == code
    assert str(code) in str(excinfo.value)
    assert smtp_server.recorder.envelopes == []


@pytest.mark.parametrize(
    ("reply", "error"),
    [("554 5.6.0 Message rejected", PermanentDeliveryError), ("452 4.3.1 Insufficient storage", TransientDeliveryError)],
)
def test_data_rejection_is_classified(smtp_server, sample_context, reply, error) -> None:
    smtp_server.recorder.data_reply = reply
    with pytest.raises(error):
        _channel(smtp_server).send(ZHANG, _rendered(sample_context), dedupe_key="k")


def test_nothing_listening_is_transient(unused_port, sample_context) -> None:
    channel = EmailChannel(SmtpSettings(host="127.0.0.1", port=unused_port, timeout=2))
    with pytest.raises(TransientDeliveryError):
        channel.send(ZHANG, _rendered(sample_context), dedupe_key="k")


def test_silent_server_times_out_as_transient(sample_context) -> None:
    with socket.socket() as listener:  # accepts TCP but never greets
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        channel = EmailChannel(SmtpSettings(host="127.0.0.1", port=port, timeout=0.3))
        with pytest.raises(TransientDeliveryError, match="(?i)timed? ?out"):
            channel.send(ZHANG, _rendered(sample_context), dedupe_key="k")


def test_login_with_credentials(smtp_server, sample_context) -> None:
    channel = _channel(smtp_server, username="mailer", password="s3cret")
    channel.send(ZHANG, _rendered(sample_context), dedupe_key="k")
    assert smtp_server.recorder.logins == ["mailer"]
    assert len(smtp_server.recorder.envelopes) == 1


def test_wrong_password_is_permanent(smtp_server, sample_context) -> None:
    channel = _channel(smtp_server, username="mailer", password="wrong")
    with pytest.raises(PermanentDeliveryError) as excinfo:
        channel.send(ZHANG, _rendered(sample_context), dedupe_key="k")
    assert excinfo.value.code == 535


def test_starttls_required_but_not_offered_is_permanent(smtp_server, sample_context) -> None:
    with pytest.raises(PermanentDeliveryError, match="(?i)starttls"):
        _channel(smtp_server, use_starttls=True).send(ZHANG, _rendered(sample_context), dedupe_key="k")


@pytest.mark.parametrize("address", [None, "", "   "])
def test_missing_address_is_permanent(address) -> None:
    channel = EmailChannel(SmtpSettings(port=1))  # never reached
    with pytest.raises(PermanentDeliveryError, match="no e-mail address"):
        channel.send(Recipient(1, "张三", email=address), Rendered("s", "t", "h"), dedupe_key="k")


@pytest.mark.parametrize(
    "address", ["zhangsan", "zhang san@example.cn", "a@b@c", "张三@example.cn", "x@example..cn", "<x@y.cn>", "x@y.cn, z@w.cn"]
)
def test_malformed_address_is_permanent(address) -> None:
    channel = EmailChannel(SmtpSettings(port=1))
    with pytest.raises(PermanentDeliveryError, match="not a deliverable"):
        channel.send(Recipient(1, "张三", email=address), Rendered("s", "t", "h"), dedupe_key="k")


def test_settings_defaults_from_empty_environment() -> None:
    settings = SmtpSettings.from_env({})
    assert (settings.host, settings.port, settings.sender) == ("localhost", 25, "noreply@localhost")
    assert (settings.username, settings.password, settings.use_starttls, settings.use_ssl) == (None, None, False, False)
    assert settings.timeout == 10.0


def test_settings_from_environment() -> None:
    settings = SmtpSettings.from_env(
        {
            "SMTP_HOST": "smtp.example.cn",
            "SMTP_PORT": "587",
            "SMTP_USERNAME": "mailer",
            "SMTP_PASSWORD": "s3cret",
            "SMTP_STARTTLS": "true",
            "SMTP_SSL": "0",
            "SMTP_SENDER": SENDER,
            "SMTP_TIMEOUT": "2.5",
        }
    )
    assert settings == SmtpSettings("smtp.example.cn", 587, "mailer", "s3cret", True, False, SENDER, 2.5)
    assert "s3cret" not in repr(settings)


def test_ssl_defaults_to_port_465() -> None:
    assert SmtpSettings.from_env({"SMTP_SSL": "yes"}).port == 465
    assert SmtpSettings.from_env({"SMTP_SSL": "yes", "SMTP_PORT": "2465"}).port == 2465


@pytest.mark.parametrize(
    "environ",
    [
        {"SMTP_PORT": "twenty-five"},
        {"SMTP_PORT": "0"},
        {"SMTP_TIMEOUT": "soon"},
        {"SMTP_STARTTLS": "maybe"},
        {"SMTP_SSL": "1", "SMTP_STARTTLS": "1"},
    ],
)
def test_bad_settings_are_configuration_errors(environ) -> None:
    with pytest.raises(ChannelNotConfigured):
        SmtpSettings.from_env(environ)


def test_unusable_sender_is_configuration_error() -> None:
    with pytest.raises(ChannelNotConfigured, match="SMTP_SENDER"):
        EmailChannel(SmtpSettings(sender="not an address"))
