"""The public notice (公示) pages: read without a login, an objection form (CSRF-protected, rate-limited per
address), an objection's state by its reference; and the office's page to publish and record findings."""
from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.errors import Conflict, NotFound, ValidationFailed
from service.web.blueprint import bp
from service.web.i18n import MESSAGES, label, lang, t
from service.web.security import db, login_required, session_user, user
from service.workflows import public_notice

_TEXTS = {  # until the gettext catalogue lands (i18n helper), the notice pages' texts live here
    "public_notice": {"zh-CN": "评比结果公示", "en": "Public notice of the results"},
    "notices_none": {"zh-CN": "目前没有公示。", "en": "No notice has been published."},
    "notice_period": {"zh-CN": "公示期", "en": "Notice period"},
    "notice_period_text": {"zh-CN": "{start} 至 {end}（北京时间，{days} 个工作日）",
                           "en": "{start} to {end} (Asia/Shanghai, {days} working days)"},
    "notice_status": {"zh-CN": "公示状态", "en": "Status"},
    "notice_list": {"zh-CN": "公示名单", "en": "The list"},
    "position": {"zh-CN": "序号", "en": "No."},
    "unit": {"zh-CN": "申报单位", "en": "Unit"},
    "item_title": {"zh-CN": "项目名称", "en": "Item"},
    "grade": {"zh-CN": "等次", "en": "Grade"},
    "item_status": {"zh-CN": "状态", "en": "Status"},
    "final_score": {"zh-CN": "最终得分", "en": "Final score"},
    "view_notice": {"zh-CN": "查看公示", "en": "View the notice"},
    "how_to_object": {"zh-CN": "如何提出异议", "en": "How to object"},
    "how_to_object_text": {
        "zh-CN": "公示期间，任何单位和个人对公示项目有异议的，可在公示期内实名提出：填写真实姓名、联系方式（手机号码或电子邮箱）、"
                 "所涉项目及异议理由。匿名异议不予受理。提交后将获得异议编号，可凭编号查询处理结论。",
        "en": "During the notice period anyone may object to an item under their real name: give your name, a phone "
              "number or e-mail address, the item and your reasons. Anonymous objections are not accepted. You get a "
              "reference number with which to look up the finding."},
    "objections_closed": {"zh-CN": "公示期已结束，不再受理异议。", "en": "The notice period has ended: objections are "
                                                                      "no longer accepted."},
    "objector_name": {"zh-CN": "真实姓名", "en": "Your name"},
    "objector_contact": {"zh-CN": "联系方式（手机号码或电子邮箱）", "en": "Phone number or e-mail address"},
    "objection_item": {"zh-CN": "异议项目", "en": "Item"},
    "objection_reason": {"zh-CN": "异议理由", "en": "Reasons"},
    "file_objection": {"zh-CN": "提交异议", "en": "File the objection"},
    "objection_received": {"zh-CN": "异议已收到", "en": "Objection received"},
    "objection_received_text": {"zh-CN": "您的异议已登记，异议编号为 {reference}。请妥善保存编号，可凭编号查询处理结论。",
                                "en": "Your objection is registered under reference {reference}. Keep it to look up "
                                      "the finding."},
    "objection_lookup": {"zh-CN": "查询异议处理结论", "en": "Look up an objection"},
    "objection_reference": {"zh-CN": "异议编号", "en": "Reference"},
    "lookup": {"zh-CN": "查询", "en": "Look up"},
    "objection_state": {"zh-CN": "处理状态", "en": "State"},
    "finding_reasons": {"zh-CN": "处理理由", "en": "Reasons"},
    "filed_at": {"zh-CN": "提出时间", "en": "Filed"},
    "found_at": {"zh-CN": "处理时间", "en": "Decided"},
    "office_notice": {"zh-CN": "公示与异议", "en": "Notice and objections"},
    "confirmed_list": {"zh-CN": "已确认名单", "en": "Confirmed list"},
    "confirmed_count": {"zh-CN": "已确认待公示 {n} 项，公示中 {m} 项，未确认 {u} 项",
                        "en": "{n} confirmed and waiting, {m} on notice, {u} not confirmed"},
    "publish_notice": {"zh-CN": "发布公示", "en": "Publish the notice"},
    "notice_published": {"zh-CN": "公示已发布，公示期至 {end}", "en": "Notice published; it runs until {end}"},
    "unconfirmed_items": {"zh-CN": "尚未确认的项目", "en": "Items not yet confirmed"},
    "objections": {"zh-CN": "异议", "en": "Objections"},
    "objections_none": {"zh-CN": "尚无异议。", "en": "No objection yet."},
    "objector": {"zh-CN": "异议人", "en": "Objector"},
    "finding": {"zh-CN": "处理结论", "en": "Finding"},
    "record_finding": {"zh-CN": "记录处理结论", "en": "Record the finding"},
    "finding_recorded": {"zh-CN": "已记录处理结论：{finding}", "en": "Finding recorded: {finding}"},
    "public_page": {"zh-CN": "公示页面", "en": "Public page"},
}
for _key, _text in _TEXTS.items():
    MESSAGES.setdefault(_key, _text)


def _names(table: dict[str, tuple[str, str]]) -> Any:
    return lambda code: label(table, code)


def _context() -> dict[str, Any]:
    return {"notice_status": _names(public_notice.NOTICE_STATUS), "item_status": _names(public_notice.ITEM_STATUS),
            "objection_status": _names(public_notice.OBJECTION_STATUS), "findings": public_notice.FINDINGS,
            "finding_label": _names(public_notice.FINDINGS)}


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
        raise NotFound(f"campaign {campaign_id} has no public notice")
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
    notice_id, _, item_id = (request.form.get("item") or "").partition(":")
    try:
        notice = public_notice.get_notice(db(), int(notice_id)) if notice_id.isdigit() else None
        if notice is None or notice.campaign_id != campaign_id:
            raise ValidationFailed([{"field": "item_id", "message": "请选择本公示中的项目 / choose an item of this notice"}])
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
        flash(exc.detail if lang() == "zh-CN" or " / " not in exc.detail else exc.detail.partition(" / ")[2], "error")
    else:
        view = public_notice.notice_view(db(), notice, user())
        flash(t("notice_published", end=view["ends_at"][:16].replace("T", " ")), "ok")
    return redirect(url_for("web.office_notice", campaign_id=campaign_id))


@bp.post("/office/objections/<int:objection_id>/finding")
@login_required
def record_finding(objection_id: int) -> Response:
    finding = request.form.get("finding", "")
    objection = public_notice.record_finding(session=db(), services=_services(), user=user(),
                                             objection_id=objection_id, finding=finding,
                                             reasons=request.form.get("reasons", ""))
    flash(t("finding_recorded", finding=label(public_notice.FINDINGS, finding)), "ok")
    notice = public_notice.get_notice(db(), objection.notice_id)
    return redirect(url_for("web.office_notice", campaign_id=notice.campaign_id) + f"#objection-{objection.id}")
