"""The office's meeting pages: presentation sessions (schedule, record every item at once) and the group decision
on the ranked list (the office proposes, the group leader decides, both for the whole list in one step)."""
from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for

from service.auth import policies
from service.catalogue import _
from service.errors import Conflict, Forbidden, ValidationFailed
from service.web.blueprint import bp
from service.web.pages import _scorer_names
from service.web.security import db, login_required, user
from service.workflows import grading, presentations, scoring_actions
from service.workflows.campaigns import get_campaign


def _services() -> Any:
    return current_app.extensions["appraisal.services"]


def _item_errors(errors: list[dict[str, str]], ids: list[int]) -> tuple[dict[int, list[str]], list[str]]:
    """Errors naming ``items.{i}.…`` go to the i-th item of the posted list; the rest are shown above it."""
    by_item: dict[int, list[str]] = {}
    general: list[str] = []
    for e in errors:
        parts = (e.get("field") or "").split(".")
        message = e["message"]
        if len(parts) >= 2 and parts[0] == "items" and parts[1].isdigit() and int(parts[1]) < len(ids):
            by_item.setdefault(ids[int(parts[1])], []).append(message)
        else:
            general.append(message)
    return by_item, general


# --------------------------------------------------------------------------- presentation sessions


@bp.route("/office/campaigns/<int:campaign_id>/sessions", methods=["GET", "POST"])
@login_required
def presentation_sessions(campaign_id: int) -> Any:
    listed = presentations.sessions(db(), user=user(), campaign_id=campaign_id)
    campaign = get_campaign(db(), campaign_id)
    errors: dict[int, list[str]] = {}
    general: list[str] = []
    status = 200
    if request.method == "POST":
        chosen = []
        for app_id in request.form.getlist("include"):
            if not app_id.isdigit():
                continue
            order = (request.form.get(f"order_{app_id}") or "").strip()
            chosen.append((int(order) if order.isdigit() else 10**6, int(app_id)))
        chosen.sort()
        ids = [i for _, i in chosen]
        starts = (request.form.get("starts_at") or "").strip()
        try:
            if not ids:
                raise ValidationFailed([{"field": "items", "message": _("请勾选参加本场讲述会的项目")}])
            found = presentations.schedule(
                session=db(), user=user(), campaign_id=campaign_id, starts_at=starts, place=request.form.get("place", ""),
                notes=request.form.get("notes", ""),
                items=[presentations.Presenter(i, (request.form.get(f"presenter_{i}") or "").strip()[:100]) for i in ids])
        except ValidationFailed as exc:
            db().rollback()
            errors, general = _item_errors(exc.errors, ids)
            status = 422
        else:
            flash(_("讲述会已安排，已通知各申报单位（时间、地点、讲述顺序）"), "ok")
            return redirect(url_for("web.presentation_session", session_id=found.id))
    return render_template("sessions.html", campaign=campaign, sessions=listed,
                           waiting=presentations.waiting(db(), campaign_id), errors=errors, general=general,
                           form=request.form if status != 200 else {}), status


@bp.route("/office/sessions/<int:session_id>", methods=["GET", "POST"])
@login_required
def presentation_session(session_id: int) -> Any:
    found = presentations.get_session(db(), user=user(), session_id=session_id)
    errors: dict[int, list[str]] = {}
    general: list[str] = []
    status = 200
    if request.method == "POST":
        ids = [s.application_id for s in found.slots]
        records = [presentations.Record(i, request.form.get(f"attended_{i}") == "yes",
                                        (request.form.get(f"presenter_{i}") or "").strip()[:100],
                                        (request.form.get(f"notes_{i}") or "").strip()[:5000]) for i in ids]
        missing = [i for i in ids if request.form.get(f"attended_{i}") not in ("yes", "no")]
        try:
            if missing:
                raise ValidationFailed([{"field": f"items.{ids.index(i)}.attended",
                                         "message": _("请选择是否出席讲述")} for i in missing])
            presentations.record(session=db(), services=_services(), user=user(), session_id=session_id,
                                 items=records)
        except ValidationFailed as exc:
            errors, general = _item_errors(exc.errors, ids)
            status = 422
        except Conflict as exc:
            general, status = [exc.detail], 409
        else:
            flash(_("讲述记录已保存：出席的项目已进入民主测评"), "ok")
            return redirect(url_for("web.presentation_session", session_id=session_id))
        found = presentations.get_session(db(), user=user(), session_id=session_id)
    shaped = presentations.shaped(found, db())
    return render_template("session_record.html", found=found, shaped=shaped, errors=errors, general=general,
                           form=request.form if status != 200 else {}), status


# --------------------------------------------------------------------------- the group decision on the list


@bp.route("/office/campaigns/<int:campaign_id>/decision", methods=["GET", "POST"])
@login_required
def list_decision(campaign_id: int) -> Any:
    me = user()
    if not policies.can_see_results(me):
        raise Forbidden(policies.DENIED[policies.can_see_results])
    campaign = get_campaign(db(), campaign_id)
    step = None
    if policies.can_run_meetings(me):
        step = "propose"
    elif policies.can_decide_grades(me):
        step = "decide"
    kind = grading.PROPOSE[0] if step == "propose" else grading.DECIDE[0]
    waiting = [t.application_id for t in grading.waiting_items(db(), campaign_id, kind)] if step else []
    errors: dict[int, list[str]] = {}
    general: list[str] = []
    status = 200
    if request.method == "POST" and step:
        entries = [grading.GradeEntry(i, (request.form.get(f"grade_{i}") or "").strip(),
                                      (request.form.get(f"reasons_{i}") or "").strip()) for i in waiting]
        act = grading.propose_grades if step == "propose" else grading.decide_grades
        try:
            act(session=db(), services=_services(), user=me, campaign_id=campaign_id, entries=entries)
        except ValidationFailed as exc:
            errors, general = _item_errors(exc.errors, waiting)
            status = 422
        else:
            flash(_("建议等次已提交领导小组组长") if step == "propose" else _("等次已确定，名单已提交主席办公会确认"), "ok")
            return redirect(url_for("web.list_decision", campaign_id=campaign_id))
    rows = grading.ranking(db(), user=me, campaign_id=campaign_id)
    quotas = grading.quota_limits(db(), campaign)
    tallies = {g: sum(1 for r in rows if r.get("proposed_grade") == g) for g in campaign.grades}
    return render_template("decision.html", campaign=campaign, ranking=rows, step=step, waiting=set(waiting),
                           quotas=quotas, tallies=tallies, errors=errors, general=general,
                           form=request.form if status != 200 else {},
                           scorer_names=_scorer_names(r.get("calculation") for r in rows),
                           application=None), status


# --------------------------------------------------------------------------- the office's scoring page


def _values(criteria: list[dict[str, Any]]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    values, errors = {}, []
    for c in criteria:
        raw = (request.form.get(f"c_{c['code']}") or "").strip()
        try:
            number = float(raw)
        except ValueError:
            errors.append({"field": f"c_{c['code']}", "message": _("请输入数字")})
            continue
        values[c["code"]] = int(number) if number.is_integer() else number
    return values, errors


@bp.route("/office/applications/<int:application_id>/scoring", methods=["GET", "POST"])
@login_required
def office_scoring(application_id: int) -> Any:
    me = user()
    view = scoring_actions.office_view(db(), user=me, application_id=application_id)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        action = request.form.get("action")
        try:
            if action == "paper":
                values, problems = _values(view["criteria"])
                if problems:
                    raise ValidationFailed(problems)
                task_id = int(request.form.get("task_id") or 0)
                scoring_actions.enter_paper_sheet(
                    session=db(), services=_services(), user=me, task_id=task_id, criteria=values,
                    comment=(request.form.get("comment") or "").strip()[:2000] or None,
                    confirm=request.form.get("confirm") == "1", reason=request.form.get("reason", "")[:500])
                done = _("纸质评分表已录入")
            elif action == "close":
                scoring_actions.close_scoring(session=db(), services=_services(), user=me,
                                              application_id=application_id, reason=request.form.get("reason", ""))
                done = _("已结束本项目的评分")
            elif action == "replace":
                scoring_actions.replace_scorer(
                    session=db(), user=me, application_id=application_id,
                    scorer_id=int(request.form.get("scorer_id") or 0),
                    replacement_id=int(request.form.get("replacement_id") or 0), reason=request.form.get("reason", ""))
                done = _("已更换评分成员，新的评分人已收到评分表")
            else:
                raise ValidationFailed([{"field": "action", "message": _("请选择操作")}])
        except ValidationFailed as exc:
            db().rollback()
            errors, status = [e["message"] for e in exc.errors], 422
        except Conflict as exc:
            db().rollback()
            errors, status = [exc.detail], 409
        else:
            flash(done, "ok")
            return redirect(url_for("web.office_scoring", application_id=application_id))
        view = scoring_actions.office_view(db(), user=me, application_id=application_id)
    return render_template("scoring_office.html", errors=errors, action=request.form.get("action"),
                           form=request.form if status != 200 else {}, **view), status
