"""The meetings' pages: one page per meeting showing its whole list with an input per item (issue 14)."""
from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service import work_kinds
from service.auth import policies
from service.errors import Conflict, NotFound, ValidationFailed
from service.web.blueprint import bp
from service.catalogue import _, codes, name_of
from service.web.security import db, login_required, user
from service.workflows import applications, campaigns, meetings, tasks

PAGES = {"shortlist": "web.shortlist_page", "group_decision": "web.list_decision",
         "chair_confirmation": "web.chair_confirmation_page", "forwarding": "web.forwarding_page"}


def services() -> Any:
    return current_app.extensions["appraisal.services"]


@bp.get("/meetings/<kind>")
@login_required
def meeting_of_current(kind: str) -> Response:
    """A meeting's page for the newest campaign (the header's links)."""
    if kind not in PAGES:
        raise NotFound(_("没有这种会议"))
    newest = campaigns.list_campaigns(db(), user())
    if not newest:
        raise NotFound(_("还没有评比活动"))
    return redirect(url_for(PAGES[kind], campaign_id=newest[0].id))


def meeting_page_of_task(task: Any) -> str | None:
    """The page a campaign meeting's task opens (its form is completed there, for the whole list).

    The grades are decided on the ranked list (集体研究名单: ties, scores, quotas, the office's proposals): the
    group leader's meeting task and each item's 办公室提出建议等次 open it, so the office proposes the whole
    list in one submit instead of item by item."""
    if task.form_key == work_kinds.GRADE_PROPOSAL and task.application_id:
        application = applications.get_application(session=db(), user=user(), application_id=task.application_id)
        return url_for("web.list_decision", campaign_id=application.campaign_id)
    kind = {work_kinds.SHORTLIST_CANDIDATES: "shortlist", work_kinds.SHORTLIST_CLOSE: "shortlist",
            work_kinds.GROUP_DECISION_LIST: "group_decision",
            work_kinds.CHAIR_LIST_CONFIRMATION: "chair_confirmation"}.get(task.form_key)  # the meeting's page
    campaign_id = meetings.campaign_of_task(db(), task) if kind else None
    return url_for(PAGES[kind], campaign_id=campaign_id) if kind and campaign_id else None


def _errors(exc: ValidationFailed, order: list[int], prefix: str) -> tuple[dict[str, list[str]], list[str]]:
    """Per-item errors keyed ``<field>_<application id>`` (the API's ``prefix.<i>.<field>``), the rest general."""
    by_item: dict[str, list[str]] = {}
    general: list[str] = []
    for e in exc.errors:
        parts = e["field"].split(".")
        if parts[0] == prefix and len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) < len(order):
            field = parts[2] if len(parts) > 2 else "application_id"
            by_item.setdefault(f"{field}_{order[int(parts[1])]}", []).append(e["message"])
        else:
            general.append(e["message"])
    return by_item, general


def _render(template: str, sitting: meetings.Sitting, status: int = 200, **context: Any) -> tuple[str, int]:
    context.setdefault("errors", {})
    context.setdefault("general", [])
    context.setdefault("values", {})
    if sitting.kind == "chair_confirmation":  # what the group is still grading joins the list afterwards
        deciding = meetings.group_decision(session=db(), user=user(), campaign_id=sitting.campaign.id)
        context.setdefault("deciding", deciding.items + deciding.waiting)
    return render_template(template, sitting=sitting, campaign=sitting.campaign, views=list(codes.VIEW),
                           view_label=lambda code: name_of("view", code), **context), status


@bp.route("/campaigns/<int:campaign_id>/shortlist", methods=["GET", "POST"])
@login_required
def shortlist_page(campaign_id: int) -> Any:
    """The initial shortlist: the office lists candidates, members record views, the group leader closes."""
    me = user()
    sitting = meetings.shortlist(session=db(), user=me, campaign_id=campaign_id)
    if request.method == "GET":
        return _render("meeting_shortlist.html", sitting)
    action = request.form.get("action", "")
    values = request.form.to_dict()
    try:
        if action == "candidates":
            chosen = [int(v) for v in request.form.getlist("candidate") if v.isdigit()]
            meetings.prepare_shortlist(session=db(), services=services(), user=me, campaign_id=campaign_id,
                                       candidate_ids=chosen, note=request.form.get("office_note", "")[:2000])
            flash(_("候选名单已提交领导小组"), "ok")
        elif action == "views":
            listed = [i.application.id for i in sitting.items]
            views = [{"application_id": a, "view": request.form.get(f"view_{a}", ""),
                      "note": request.form.get(f"note_{a}", "")[:2000]} for a in listed if request.form.get(f"view_{a}")]
            missing = [a for a in listed if request.form.get(f"view_{a}") not in list(codes.VIEW)]
            if missing:
                errors = {f"view_{a}": [_("必填")] for a in missing}
                return _render("meeting_shortlist.html", sitting, 422, errors=errors, values=values)
            meetings.record_views(session=db(), user=me, campaign_id=campaign_id, views=views)
            flash(_("意见已记录"), "ok")
        elif action == "close":
            order = [i.application.id for i in sitting.items]
            decisions = []
            errors: dict[str, list[str]] = {}
            for a in order:
                choice = request.form.get(f"shortlisted_{a}")
                if choice not in ("yes", "no"):
                    errors[f"shortlisted_{a}"] = [_("必填")]
                if not request.form.get(f"review_reasons_{a}", "").strip():
                    errors[f"review_reasons_{a}"] = [_("必填")]
                decisions.append({"application_id": a, "shortlisted": choice == "yes",
                                  "review_reasons": request.form.get(f"review_reasons_{a}", "").strip()[:5000],
                                  "unit_reasons": request.form.get(f"unit_reasons_{a}", "").strip()[:2000]})
            if errors:
                return _render("meeting_shortlist.html", sitting, 422, errors=errors, values=values)
            try:
                meetings.close_shortlist(session=db(), services=services(), user=me, campaign_id=campaign_id,
                                         decisions=decisions, last_sitting=request.form.get("last_sitting") == "1")
            except ValidationFailed as exc:
                db().rollback()
                by_item, general = _errors(exc, order, "decisions")
                return _render("meeting_shortlist.html", sitting, 422, errors=by_item, general=general, values=values)
            flash(_("初评名单已结束，各申报单位将收到通知"), "ok")
        else:
            raise NotFound(_("未知的操作"))
    except ValidationFailed as exc:
        db().rollback()
        return _render("meeting_shortlist.html", meetings.shortlist(session=db(), user=me, campaign_id=campaign_id),
                       422, general=[e["message"] for e in exc.errors], values=values)
    except Conflict as exc:
        db().rollback()
        return _render("meeting_shortlist.html", meetings.shortlist(session=db(), user=me, campaign_id=campaign_id),
                       409, general=[exc.detail], values=values)
    return redirect(url_for("web.shortlist_page", campaign_id=campaign_id))


@bp.get("/campaigns/<int:campaign_id>/group-decision")
@login_required
def group_decision_page(campaign_id: int) -> Response:
    """The group decision's old address: the meeting is held on the ranked list (集体研究名单), where the inbox
    leads; old links and bookmarks land there."""
    return redirect(url_for("web.list_decision", campaign_id=campaign_id), 301)


@bp.route("/campaigns/<int:campaign_id>/chair-confirmation", methods=["GET", "POST"])
@login_required
def chair_confirmation_page(campaign_id: int) -> Any:
    """The chair's office: confirm the whole award list, or send named items back with reasons."""
    me = user()
    sitting = meetings.chair_confirmation(session=db(), user=me, campaign_id=campaign_id)
    if request.method == "GET":
        return _render("meeting_chair.html", sitting)
    order = [i.application.id for i in sitting.items]
    values = request.form.to_dict()
    back = [a for a in order if request.form.get(f"send_back_{a}") == "1"]
    missing = {f"reasons_{a}": [_("必填")] for a in back if not request.form.get(f"reasons_{a}", "").strip()}
    if missing:
        return _render("meeting_chair.html", sitting, 422, errors=missing, values=values)
    send_back = [{"application_id": a, "reasons": request.form.get(f"reasons_{a}", "").strip()[:2000]} for a in back]
    try:
        meetings.confirm_awards(session=db(), services=services(), user=me, campaign_id=campaign_id,
                                send_back=send_back, note=request.form.get("note", "")[:5000],
                                last_sitting=request.form.get("last_sitting") == "1")
    except ValidationFailed as exc:
        db().rollback()
        by_item, general = _errors(exc, back, "send_back")
        return _render("meeting_chair.html", sitting, 422, errors=by_item, general=general, values=values)
    except Conflict as exc:
        db().rollback()
        return _render("meeting_chair.html", sitting, 409, general=[exc.detail], values=values)
    flash(_("所选项目已退回领导小组重议，其余项目等待确认") if back else _("获奖名单已确认"), "ok")
    return redirect(url_for("web.chair_confirmation_page", campaign_id=campaign_id))


@bp.route("/campaigns/<int:campaign_id>/forwarding", methods=["GET", "POST"])
@login_required
def forwarding_page(campaign_id: int) -> Any:
    """The supervising union: vet each enterprise (approve, return, reject) and forward the approved ones as one batch."""
    me = user()
    if not (policies.can_forward(me) or policies.can_see_meetings(me)):
        raise NotFound(_("没有这个页面"))
    sitting = meetings.forwarding(session=db(), user=me, campaign_id=campaign_id)
    vetting = meetings.vetting_tasks(session=db(), user=me, campaign_id=campaign_id)
    if request.method == "GET":
        return _render("meeting_forwarding.html", sitting, vetting=vetting)
    values = request.form.to_dict()
    if request.form.get("action") == "vet":
        errors: dict[str, list[str]] = {}
        done = 0
        for row in vetting:
            task = row["task"]
            decision = request.form.get(f"decision_{task.id}", "")
            if not decision:
                continue
            data = {"vetting_decision": decision}
            reasons = request.form.get(f"reasons_{task.id}", "").strip()
            if reasons:
                data["vetting_reasons"] = reasons[:5000]
            try:
                tasks.complete(session=db(), services=services(), user=me, task_id=task.id, data=data)
                done += 1
            except ValidationFailed as exc:
                db().rollback()
                errors[f"reasons_{task.id}"] = [e["message"] for e in exc.errors]
        if errors:
            return _render("meeting_forwarding.html", meetings.forwarding(session=db(), user=me, campaign_id=campaign_id),
                           422, vetting=meetings.vetting_tasks(session=db(), user=me, campaign_id=campaign_id),
                           errors=errors, values=values)
        flash(_("已审核 {n} 个项目", n=done), "ok")
        return redirect(url_for("web.forwarding_page", campaign_id=campaign_id))
    chosen = [int(v) for v in request.form.getlist("forward") if v.isdigit()]
    try:
        meetings.forward(session=db(), services=services(), user=me, campaign_id=campaign_id, application_ids=chosen,
                         opinion=request.form.get("opinion", "")[:2000])
    except ValidationFailed as exc:
        db().rollback()
        return _render("meeting_forwarding.html", sitting, 422, vetting=vetting,
                       general=[e["message"] for e in exc.errors], values=values)
    flash(_("已统一上报 {n} 个项目", n=len(chosen)), "ok")
    return redirect(url_for("web.forwarding_page", campaign_id=campaign_id))
