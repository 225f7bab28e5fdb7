"""Every error leaves as ``application/problem+json`` (RFC 9457)."""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, json, request
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import Conflict, HTTPException

from service.auth import ratelimit
from service.catalogue import N_, _
from service.errors import ServiceError
from service.workflows import retries

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5
"""What a 503 for an unavailable database tells the client to wait before retrying."""
HTTP_DETAILS: dict[int, str] = {
    400: N_("请求无法解析"),
    401: N_("请先登录"),
    403: N_("没有权限"),
    404: N_("没有这个地址"),
    405: N_("这个地址不接受 {method} 请求"),
    413: N_("请求正文太大"),
    415: N_("不支持这种请求正文格式"),
    503: N_("服务暂时不可用，请稍后重试"),
}
"""The detail of an HTTP error the framework raises (routing, body size), in the request's language; werkzeug's
own descriptions are English-only."""
UNIQUE_CONFLICTS: dict[str, str] = {
    "shortlist_views": N_("这位成员对该项目的初评意见"),
    "presentation_slots": N_("该项目的讲述会安排"),
    "org_units": N_("这个单位代码（不区分大小写）"),
    "users": N_("这个用户名（不区分大小写）"),
    "campaigns": N_("同一年度、同一流程、同一主办单位的评比活动"),
    "process_definitions": N_("该流程的新版本"),
    "form_definitions": N_("该表单的新版本"),
}
"""What a lost check-then-insert race collided with, by the table whose unique constraint refused the row."""


def problem(status: int, title: str, detail: str, **extra: Any) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, "instance": request.path}
    body.update(extra)
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/problem+json")
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="appraisal"'
    return response


def register(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError) -> Response:
        return problem(exc.status, exc.title, exc.detail, **exc.extra)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response | HTTPException | tuple[str, int]:
        if not request.path.startswith("/api"):
            page = app.extensions.get("appraisal.page_error")
            return page(exc) if page is not None and (exc.code or 500) >= 400 else exc
        msgid = HTTP_DETAILS.get(exc.code or 500)
        detail = _(msgid, method=request.method) if msgid else _("请求未能完成（HTTP {status}）", status=exc.code)
        return problem(exc.code or 500, exc.name, detail)

    @app.errorhandler(RateLimitExceeded)
    def _too_many(exc: RateLimitExceeded) -> Response:
        seconds = ratelimit.retry_after()
        detail = ratelimit.message(seconds)
        if request.path.startswith("/api"):
            response = problem(429, "Too many requests", detail, retry_after=seconds)
        else:  # a page in the reader's language
            response = app.make_response(app.extensions["appraisal.page_error"](exc, detail))
        response.headers["Retry-After"] = str(seconds)
        return response

    @app.errorhandler(OperationalError)
    def _database_unavailable(exc: OperationalError) -> Response:
        # Connection lost, server restarting, too many clients: a retry is the answer.
        log.warning("database unavailable on %s %s: %s", request.method, request.path, str(exc.orig).splitlines()[0])
        response = problem(503, "Service unavailable", _("数据库暂时无法访问，请稍后重试（已经完成的步骤在重试时会得到 409）"))
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(IntegrityError)
    def _integrity(exc: IntegrityError) -> Response:
        if not retries.unique_violation(exc):
            return _unexpected(exc)
        # Two requests wrote the same thing at once and this one came second: nothing of it was kept.
        log.info("unique race lost on %s %s: %s", request.method, request.path, str(exc.orig).splitlines()[0])
        table = retries.unique_table(exc)
        what = UNIQUE_CONFLICTS.get(table or "")
        detail = (_("另一项相同的操作刚刚已经保存（{what}），本次提交没有保存；请刷新后查看", what=_(what)) if what
                  else _("另一项相同的操作刚刚已经保存，本次提交没有保存；请刷新后查看"))
        if request.path.startswith("/api"):
            return problem(409, "Conflict", detail, conflict=table)
        return app.make_response(app.extensions["appraisal.page_error"](Conflict(detail), detail))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return problem(500, "Internal error", _("发生了意外错误，已记录"))
