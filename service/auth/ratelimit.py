"""A small fixed-window login limiter, per client address and username.

It lives in process memory: with several web workers the effective limit is
per worker, which still stops password guessing at any useful rate.
"""
from __future__ import annotations

import threading
import time

from service.errors import TooManyRequests

_lock = threading.Lock()
_windows: dict[str, tuple[int, int]] = {}


def check_login_rate(key: str, per_minute: int) -> None:
    """Count one attempt for ``key``; raise TooManyRequests past the limit."""
    window = int(time.monotonic() // 60)
    with _lock:
        start, count = _windows.get(key, (window, 0))
        if start != window:
            start, count = window, 0
        count += 1
        _windows[key] = (start, count)
        if len(_windows) > 10000:
            for k in [k for k, (w, _) in _windows.items() if w != window]:
                _windows.pop(k, None)
    if count > per_minute:
        raise TooManyRequests("too many login attempts; wait a minute and try again")


def reset() -> None:
    with _lock:
        _windows.clear()
