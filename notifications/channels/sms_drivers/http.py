"""An SMS driver that POSTs JSON to a gateway (often a small in-house relay in
front of the provider's SDK).

Request: ``POST SMS_HTTP_URL`` with ``{"to", "text", "dedupe_key"}`` and, if
SMS_HTTP_TOKEN is set, ``Authorization: Bearer <token>``. A 2xx response is
success; if its body is a JSON object with ``id`` that becomes the provider id.
5xx, 429 and 408 are transient; any other status is permanent.

The network call goes through ``transport`` so tests can replace the I/O.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Callable, Mapping
from urllib.parse import urlsplit

from notifications.channels.sms_drivers.base import SmsDriver
from notifications.errors import (
    ChannelNotConfigured,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from notifications.message import Receipt

__all__ = ["HttpResponse", "HttpSmsDriver", "Transport", "urllib_transport"]

_MAX_BODY = 64 * 1024
_RETRYABLE = {408, 429}


@dataclass(frozen=True)
class HttpResponse:
    """Status and (truncated) body of the gateway's answer."""

    status: int
    body: bytes = b""


#: ``transport(url, body, headers, timeout) -> HttpResponse``; raises OSError on network failure.
Transport = Callable[[str, bytes, Mapping[str, str], float], HttpResponse]


def urllib_transport(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> HttpResponse:
    """POST with the standard library; HTTP error statuses are returned, not raised."""
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked
            return HttpResponse(response.status, response.read(_MAX_BODY))
    except urllib.error.HTTPError as exc:
        return HttpResponse(exc.code, exc.read(_MAX_BODY) if exc.fp else b"")


class HttpSmsDriver(SmsDriver):
    """Posts each message to an HTTP gateway."""

    name = "http"

    def __init__(
        self,
        url: str,
        token: str | None = None,
        *,
        transport: Transport = urllib_transport,
        timeout: float = 10.0,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ChannelNotConfigured(f"SMS_HTTP_URL must be an http(s) URL, got {url!r}")
        self._url = url
        self._token = token
        self._transport = transport
        self._timeout = timeout

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> "HttpSmsDriver":
        """Needs SMS_HTTP_URL; SMS_HTTP_TOKEN is optional."""
        url = (environ.get("SMS_HTTP_URL") or "").strip()
        if not url:
            raise ChannelNotConfigured("SMS_DRIVER=http needs SMS_HTTP_URL")
        return cls(url, environ.get("SMS_HTTP_TOKEN") or None)

    @property
    def url(self) -> str:
        """The gateway URL (for diagnostics; the token is never exposed)."""
        return self._url

    def send(self, to: str, text: str, *, dedupe_key: str) -> Receipt:
        """POST the message and map the status to a receipt or a delivery error."""
        payload = {"to": to, "text": text, "dedupe_key": dedupe_key}
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        try:
            response = self._transport(self._url, body, headers, self._timeout)
        except OSError as exc:  # refused, DNS, reset, timeout (URLError is an OSError)
            raise TransientDeliveryError(f"SMS gateway unreachable: {exc!r}") from exc
        status = response.status
        if 200 <= status <= 299:
            return Receipt(channel="sms", provider_id=_provider_id(response.body), detail=f"HTTP {status}")
        message = f"SMS gateway answered HTTP {status}: {_snippet(response.body)}"
        if status >= 500 or status in _RETRYABLE:
            raise TransientDeliveryError(message, code=status)
        raise PermanentDeliveryError(message, code=status)


def _provider_id(body: bytes) -> str | None:
    try:
        data = json.loads(body.decode("utf-8")) if body else None
    except (UnicodeDecodeError, ValueError):
        return None
    if isinstance(data, dict) and data.get("id") not in (None, ""):
        return str(data["id"])
    return None


def _snippet(body: bytes, limit: int = 200) -> str:
    return body[:limit].decode("utf-8", "replace").strip() or "(empty body)"
