"""The pages' blueprint, its template helpers and its HTML error pages."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request
from jinja2 import pass_context
from werkzeug.exceptions import RequestEntityTooLarge

from handlers.scoring import format_score
from notifications import format_overdue
from service.catalogue.codes import CODES
from service.catalogue import _
from service import clock
from service.auth import policies
from service.errors import ServiceError
from service.web import i18n, security
from service.workflows.bundled import shown_comment
from service.workflows.reminders import overdue_hours

bp = Blueprint("web", __name__)


@bp.before_request
def _sync_forms() -> None:
    """Pages render forms deployed by any process, not only the bundled files."""
    if request.endpoint != "web.favicon":
        current_app.extensions["appraisal.services"].forms.sync(security.db())


@bp.get("/favicon.ico")
def favicon() -> Response:
    """The site's icon, for documents without an icon link (browsers ask for this path by default)."""
    return current_app.send_static_file("favicon.ico")


@bp.app_template_filter("local")
def _local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return clock.local(value).strftime(fmt) if value else ""


@bp.app_template_filter("version_comment")
def _version_comment(comment: str | None) -> str:
    return shown_comment(comment)


@bp.app_template_filter("score")
@pass_context
def _score(context: Any, value: object, campaign: Any = None) -> str:
    """A stored score with its campaign's decimals and rounding (the one rule, handlers.scoring); the
    campaign is the page's (``campaign``, or its ``application``'s) unless given."""
    if value is None:
        return "—"
    application = context.get("application")
    campaign = campaign or context.get("campaign") or getattr(application, "campaign", None)
    return format_score(value, getattr(campaign, "scoring_rules", None))


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"lang": i18n.lang, "csrf_token": security.csrf_token, "current_user": security.session_user,
            "now": clock.now, "sees_all": policies.sees_all_applications,
            "can_reassign": policies.can_reassign,
            "task_action": i18n.task_action, "title_of": i18n.title_of, "overdue_label": _overdue_label,
            "org_field_names": lambda: list(CODES["org_field"]), "stage_codes": list(CODES["stage"]),
            "status_codes": list(CODES["status"])}


def _overdue_label(due: datetime | None) -> str:
    """"已逾期3天" / "已逾期5小时" on pages, worded like the notifications (one rule for both)."""
    now = clock.now()
    if due is None or due >= now:
        return ""
    return _("已逾期{d}", d=format_overdue(overdue_hours(due, now), i18n.lang()))


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc: RequestEntityTooLarge) -> tuple[str, int]:
    settings = current_app.extensions["appraisal.settings"]
    return render_template("error.html", status=413, detail=_("支持 PDF、PNG、JPEG、Word，单个文件不超过 {mb} MB", mb=settings.max_upload_bytes // (1024 * 1024))), 413


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError) -> tuple[str, int]:
    return error_page(exc.status, _detail(exc))


def _detail(exc: ServiceError) -> str:
    """The problem in the page's language where its errors carry a message code (e.g. the request decoding's)."""
    errors = getattr(exc, "errors", None) or []
    if errors and all(e.get("code") in i18n.DECODING_ERRORS for e in errors):
        return "；".join(_(i18n.DECODING_ERRORS[e["code"]], **{k: v for k, v in e.items() if k not in ("code", "message")})
                        for e in errors)
    return exc.detail


def error_page(status: int, detail: str | None = None) -> tuple[str, int]:
    """An error as a page in the reader's language (the API answers the same errors as problem+json)."""
    return render_template("error.html", status=status, detail=i18n.error_text(status, detail)), status
