"""Request helpers shared by the blueprints: session, current user, JSON input."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import current_app, g, request
from sqlalchemy.orm import Session

from service.catalogue import _
from service.auth import tokens
from service.errors import BadRequest, Unauthenticated, ValidationFailed
from service.workflows.services import Services

if TYPE_CHECKING:  # types only: routes and pages never touch tables (import contract)
    from service.models import User


def session() -> Session:
    """The request's database session (closed when the request ends)."""
    if "db" not in g:
        g.db = current_app.extensions["appraisal.sessions"]()
    return g.db


def services() -> Services:
    return current_app.extensions["appraisal.services"]


def current_user() -> User:
    """The authenticated user: a bearer token, or the browser session's login."""
    if "user" in g:
        return g.user
    header = request.headers.get("Authorization", "")
    user: User | None = None
    if header.lower().startswith("bearer "):
        user = tokens.user_for_token(session(), header[7:].strip())
    else:
        loader = current_app.extensions.get("appraisal.session_user")
        user = loader() if loader else None
    if user is None:
        raise Unauthenticated(_("请先登录，或发送持有者令牌（POST /api/auth/token）"))
    g.user = user
    return user


def json_body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if data is None:
        raise BadRequest(_("请求正文须为 JSON 对象（Content-Type: application/json）"))
    if not isinstance(data, dict):
        raise ValidationFailed([{"field": "$", "message": _("须为 JSON 对象")}])
    return data


def uploaded_file(what: str, too_large_problems: list[dict[str, Any]] | None = None) -> bytes:
    """The uploaded document (``what`` names it in the errors): the request body or the multipart field ``file``.

    Reads at most one byte more than ``MAX_UPLOAD_BYTES``, so a body sent without a Content-Length is still caught by
    the caller's own size rule instead of being read whole.
    """
    limit = services().settings.max_upload_bytes
    if request.content_length is not None and request.content_length > limit:
        extra = {"problems": too_large_problems} if too_large_problems else {}
        raise BadRequest(_("{what}超过 {limit} 字节", what=what, limit=limit), **extra)
    if request.files:
        upload = request.files.get("file")
        if upload is None:
            raise BadRequest(_("请把{what}作为请求正文发送，或放在 multipart 字段 file 中", what=what))
        return upload.read(limit + 1)
    data = request.get_data(cache=False)
    if not data:
        raise BadRequest(_("请把{what}作为请求正文发送，或放在 multipart 字段 file 中", what=what))
    return data


def iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
