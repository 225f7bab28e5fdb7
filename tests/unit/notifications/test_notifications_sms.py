"""SMS: text shortening, number checks, the log driver and the HTTP driver."""
from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from notifications import (
    ChannelNotConfigured,
    HttpResponse,
    HttpSmsDriver,
    LogSmsDriver,
    PermanentDeliveryError,
    Recipient,
    Rendered,
    SmsChannel,
    TransientDeliveryError,
    sms_driver,
)
from notifications.channels.sms import normalise_phone, sms_text
from notifications.channels.sms_drivers.log import mask_phone

ZHANG = Recipient(7, "张三", phone="138 1234-5678")
RENDERED = Rendered("主题", "尊敬的张三：\n\n您有一项新的待办任务。\n\n办理入口：https://x.example/t/1", "<p>…</p>")


class FakeTransport:
    """Records requests and answers with a canned response (or raises)."""

    def __init__(self, response: HttpResponse | Exception) -> None:
        self.response = response
        self.requests: list[tuple[str, dict, dict, float]] = []

    def __call__(self, url, body, headers, timeout):
        self.requests.append((url, json.loads(body.decode("utf-8")), dict(headers), timeout))
        if isinstance(self.response, Exception):
            raise self.response
        return self.response


def test_short_text_only_loses_blank_lines() -> None:
    assert sms_text(RENDERED.text) == "尊敬的张三：\n您有一项新的待办任务。\n办理入口：https://x.example/t/1"


def test_long_text_is_trimmed_to_300_characters() -> None:
    text = "创新" * 400
    trimmed = sms_text(text)
    assert len(trimmed) == 300 and trimmed.endswith("…")
    assert len(sms_text("字" * 300)) == 300 and not sms_text("字" * 300).endswith("…")


@pytest.mark.parametrize(
    ("raw", "expected"), [("13812345678", "13812345678"), ("+86 138-1234-5678", "+8613812345678"), ("(010) 6512.3456", "01065123456")]
)
def test_phone_normalisation(raw, expected) -> None:
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize("phone", [None, "", "  "])
def test_missing_phone_is_permanent(phone) -> None:
    with pytest.raises(PermanentDeliveryError, match="no phone"):
        SmsChannel().send(Recipient(7, "张三", phone=phone), RENDERED, dedupe_key="k")


@pytest.mark.parametrize("phone", ["1234", "138-abcd-5678", "+86 138 1234 5678 999999", "++8613812345678"])
def test_invalid_phone_is_permanent(phone) -> None:
    with pytest.raises(PermanentDeliveryError, match="not a valid phone"):
        SmsChannel().send(Recipient(7, "张三", phone=phone), RENDERED, dedupe_key="k")


def test_log_driver_logs_masked_number_and_text(caplog) -> None:
    channel = SmsChannel()  # the default driver
    assert isinstance(channel.driver, LogSmsDriver)
    with caplog.at_level(logging.INFO, logger="notifications.sms"):
        receipt = channel.send(ZHANG, RENDERED, dedupe_key="task_assigned:12:7:sms")
        again = channel.send(ZHANG, RENDERED, dedupe_key="task_assigned:12:7:sms")
    assert receipt.channel == "sms" and receipt.provider_id == again.provider_id
    assert receipt.provider_id.startswith("log-")
    [first, _] = caplog.records
    message = first.getMessage()
    assert "138****5678" in message and "13812345678" not in message
    assert "您有一项新的待办任务。" in message and "task_assigned:12:7:sms" in message


@pytest.mark.parametrize(("number", "masked"), [("13812345678", "138****5678"), ("+8613812345678", "+86*******5678"), ("123456", "**3456"), ("123", "***")])
def test_mask_phone(number, masked) -> None:
    assert mask_phone(number) == masked


def test_http_driver_posts_json_and_returns_provider_id() -> None:
    transport = FakeTransport(HttpResponse(200, b'{"id": "msg-81", "status": "queued"}'))
    driver = HttpSmsDriver("https://sms.example.cn/send", "tok-1", transport=transport, timeout=3)
    receipt = SmsChannel(driver).send(ZHANG, RENDERED, dedupe_key="task_assigned:12:7:sms")

    assert (receipt.channel, receipt.provider_id, receipt.detail) == ("sms", "msg-81", "HTTP 200")
    [(url, payload, headers, timeout)] = transport.requests
    assert url == "https://sms.example.cn/send" and timeout == 3
    assert payload == {"to": "13812345678", "text": sms_text(RENDERED.text), "dedupe_key": "task_assigned:12:7:sms"}
    assert headers["Authorization"] == "Bearer tok-1"
    assert headers["Content-Type"].startswith("application/json")


def test_http_driver_without_token_or_id() -> None:
    transport = FakeTransport(HttpResponse(202, b"accepted"))
    receipt = HttpSmsDriver("http://sms.internal/send", transport=transport).send("13812345678", "t", dedupe_key="k")
    assert receipt.provider_id is None
    assert "Authorization" not in transport.requests[0][2]


@pytest.mark.parametrize(
    ("status", "error"),
    [(503, TransientDeliveryError), (500, TransientDeliveryError), (429, TransientDeliveryError),
     (400, PermanentDeliveryError), (401, PermanentDeliveryError), (404, PermanentDeliveryError)],
)
def test_http_driver_maps_status(status, error) -> None:
    driver = HttpSmsDriver("https://sms.example.cn/send", transport=FakeTransport(HttpResponse(status, b'{"error": "nope"}')))
    with pytest.raises(error) as excinfo:
        driver.send("13812345678", "t", dedupe_key="k")
    assert excinfo.value.code == status
    assert "nope" in str(excinfo.value)


@pytest.mark.parametrize("exc", [ConnectionRefusedError(111, "refused"), TimeoutError("timed out")])
def test_http_driver_network_errors_are_transient(exc) -> None:
    driver = HttpSmsDriver("https://sms.example.cn/send", transport=FakeTransport(exc))
    with pytest.raises(TransientDeliveryError):
        driver.send("13812345678", "t", dedupe_key="k")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://sms.example.cn/", "sms.example.cn/send", "https://"])
def test_http_driver_refuses_non_http_urls(url) -> None:
    with pytest.raises(ChannelNotConfigured):
        HttpSmsDriver(url)


class _Gateway(BaseHTTPRequestHandler):
    """A tiny loopback gateway: answers with the status given in the JSON text."""

    def do_POST(self):  # noqa: N802
        payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        status = int(payload["text"])
        body = json.dumps({"id": "gw-1", "to": payload["to"]}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_http_driver_with_real_urllib_transport() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        driver = HttpSmsDriver(f"http://127.0.0.1:{server.server_address[1]}/send", timeout=5)
        assert driver.send("13812345678", "200", dedupe_key="k").provider_id == "gw-1"
        with pytest.raises(TransientDeliveryError):
            driver.send("13812345678", "503", dedupe_key="k")
        with pytest.raises(PermanentDeliveryError):
            driver.send("13812345678", "400", dedupe_key="k")
    finally:
        server.shutdown()
        server.server_close()


def test_http_driver_unreachable_gateway_is_transient(unused_port) -> None:
    driver = HttpSmsDriver(f"http://127.0.0.1:{unused_port}/send", timeout=2)
    with pytest.raises(TransientDeliveryError):
        driver.send("13812345678", "t", dedupe_key="k")


def test_from_env_defaults_to_log_driver() -> None:
    assert isinstance(SmsChannel.from_env({}).driver, LogSmsDriver)
    assert isinstance(SmsChannel.from_env({"SMS_DRIVER": "log"}).driver, LogSmsDriver)


def test_from_env_http_driver() -> None:
    channel = SmsChannel.from_env({"SMS_DRIVER": "http", "SMS_HTTP_URL": "https://sms.example.cn/send", "SMS_HTTP_TOKEN": "t"})
    assert isinstance(channel.driver, HttpSmsDriver)
    assert channel.driver.url == "https://sms.example.cn/send"


@pytest.mark.parametrize("environ", [{"SMS_DRIVER": "http"}, {"SMS_DRIVER": "carrier-pigeon"}])
def test_from_env_configuration_errors(environ) -> None:
    with pytest.raises(ChannelNotConfigured):
        SmsChannel.from_env(environ)


def test_driver_registry() -> None:
    assert sms_driver("log") is LogSmsDriver and sms_driver("http") is HttpSmsDriver
    with pytest.raises(ChannelNotConfigured, match="known: http, log"):
        sms_driver("nope")
