"""Security headers on every response: pages, the API, static files, downloads and errors.

Pages get a Content-Security-Policy that allows scripts, styles, fonts and
connections from this origin only (no inline script, no ``eval``; the pages'
scripts are files in ``static/``, the modeler's labels travel as a JSON data
block). Everything else (JSON, XML, files) gets the policy of a document that
must never be active: nothing loads, nothing runs (``sandbox``). A response that
set its own policy (attachments, exports, uploaded BPMN) keeps it. No page may be
framed by another site (``frame-ancestors 'none'``).
"""
from __future__ import annotations

from flask import Flask
from werkzeug.wrappers import Response

PAGE_CSP = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
# JSON, XML, user files: a browser that opens one anyway renders an inert document.
INERT_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"

COMMON = {
    "X-Content-Type-Options": "nosniff",
    # Same-origin requests keep their Referer (the CSRF check over HTTPS compares it); other sites get none.
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def add_security_headers(response: Response) -> Response:
    """After every request (errors included): the headers above, unless the view chose its own."""
    headers = response.headers
    if "Content-Security-Policy" not in headers:
        headers["Content-Security-Policy"] = PAGE_CSP if response.mimetype == "text/html" else INERT_CSP
    for name, value in COMMON.items():
        if name not in headers:
            headers[name] = value
    return response


def register(app: Flask, *, secure_cookies: bool) -> None:
    app.after_request(add_security_headers)
    if secure_cookies:
        app.config["SESSION_COOKIE_SECURE"] = True
