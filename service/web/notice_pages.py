"""The public notice (公示) pages: read without a login, an objection form (CSRF-protected, rate-limited per
address), an objection's state by its reference; and the office's page to publish and record findings."""
from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.catalogue import _, name_of
from service.errors import Conflict, NotFound, ValidationFailed
from service.web.blueprint import bp
from service.web.security import db, login_required, session_user, user
from service.workflows import public_notice


def _context() -> dict[str, Any]:
    return {"findings": public_notice.FINDINGS}


def _services() -> Any:
    return current_app.extensions["appraisal.services"]


# --------------------------------------------------------------------------- public, no login


@bp.get("/notice")
def notice_index() -> str:
    viewer = session_user()
    notices = [public_notice.notice_view(db(), n, viewer) for n in public_notice.notices(db())]
    return render_template("notice_index.html", notices=notices, **_context())


def _campaign_page(campaign_id: int, *, errors: list[dict[str, str]] | None = None, form: Any = None,
                   status: int = 200) -> tuple[str, int]:
    campaign = public_notice.campaign_of(db(), campaign_id)
    viewer = session_user()
    notices = [public_notice.notice_view(db(), n, viewer) for n in public_notice.notices(db(), campaign_id)]
    if not notices:
        raise NotFound(_("评比活动 {campaign_id} 没有公示", campaign_id=campaign_id))
    open_items = [(n, item) for n in notices if n["objections_open"] for item in n["items"]
                  if item["status"] == "listed"]
    return render_template("notice_campaign.html", campaign=campaign, notices=notices, open_items=open_items,
                           errors=errors or [], form=form or {}, **_context()), status


@bp.get("/notice/<int:campaign_id>")
def notice_campaign(campaign_id: int) -> tuple[str, int]:
    return _campaign_page(campaign_id)


@bp.post("/notice/<int:campaign_id>/objections")
def notice_objection(campaign_id: int) -> Any:
    """A real-name objection from the notice's form (CSRF token; limited per address, OBJECTIONS_PER_HOUR)."""
    notice_id, _sep, item_id = (request.form.get("item") or "").partition(":")
    try:
        notice = public_notice.get_notice(db(), int(notice_id)) if notice_id.isdigit() else None
        if notice is None or notice.campaign_id != campaign_id:
            raise ValidationFailed([{"field": "item_id", "message": _("请选择本公示中的项目")}])
        objection = public_notice.file_objection(
            session=db(), notice_id=notice.id, item_id=int(item_id) if item_id.isdigit() else None,
            name=request.form.get("name", ""), contact=request.form.get("contact", ""),
            reason=request.form.get("reason", ""))
    except ValidationFailed as exc:
        return _campaign_page(campaign_id, errors=exc.errors, form=request.form, status=422)
    except Conflict as exc:
        return _campaign_page(campaign_id, errors=[{"field": "item_id", "message": exc.detail}], form=request.form,
                              status=409)
    return render_template("objection_status.html", objection=public_notice.objection_view(objection, None),
                           received=True, **_context())


@bp.get("/notice/objection")
def objection_lookup() -> Any:
    reference = (request.args.get("reference") or "").strip()
    if not reference:
        return redirect(url_for("web.notice_index"))
    objection = public_notice.objection_by_reference(db(), reference)
    return render_template("objection_status.html", objection=public_notice.objection_view(objection, None),
                           received=False, **_context())


# --------------------------------------------------------------------------- the office


@bp.get("/office/campaigns/<int:campaign_id>/objections")
@login_required
def office_notice(campaign_id: int) -> str:
    me = user()
    campaign = public_notice.campaign_of(db(), campaign_id)
    objections = [public_notice.objection_view(o, me) for o in public_notice.objections(
        session=db(), user=me, campaign_id=campaign_id)]
    state = public_notice.confirmed_list(db(), campaign)
    notices = [public_notice.notice_view(db(), n, me) for n in public_notice.notices(db(), campaign_id)]
    return render_template("office_notice.html", campaign=campaign, state=state, notices=notices,
                           objections=objections, **_context())


@bp.post("/office/campaigns/<int:campaign_id>/notices")
@login_required
def publish_notice(campaign_id: int) -> Response:
    try:
        notice = public_notice.publish(session=db(), user=user(), campaign_id=campaign_id)
    except Conflict as exc:
        flash(exc.detail, "error")
    else:
        view = public_notice.notice_view(db(), notice, user())
        flash(_("公示已发布，公示期至 {end}", end=view["ends_at"][:19].replace("T", " ")), "ok")
    return redirect(url_for("web.office_notice", campaign_id=campaign_id))


@bp.post("/office/objections/<int:objection_id>/finding")
@login_required
def record_finding(objection_id: int) -> Response:
    finding = request.form.get("finding", "")
    objection = public_notice.record_finding(session=db(), services=_services(), user=user(),
                                             objection_id=objection_id, finding=finding,
                                             reasons=request.form.get("reasons", ""))
    flash(_("已记录处理结论：{finding}", finding=name_of("finding", finding)), "ok")
    notice = public_notice.get_notice(db(), objection.notice_id)
    return redirect(url_for("web.office_notice", campaign_id=notice.campaign_id) + f"#objection-{objection.id}")
