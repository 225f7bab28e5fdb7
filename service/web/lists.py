"""The list pages notifications lead to: applications, tasks (mine, or everyone's for 督办), and urging.

Paths are built by ``service.workflows.links``; each page shows its reader what
to do next and the button to do it (``data-action`` marks those buttons for the
tests that follow every notification link).
"""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.auth import policies
from service.errors import ValidationFailed
from service.workflows import applications, assignments, campaigns, dashboard, worklists
from service.catalogue import _, name_of
from service.catalogue.codes import CODES
from service.web.blueprint import bp

from service.web.security import db, login_required, user

PAGE_SIZE = 50


MAX_ID = 2**31 - 1  # ids are 32-bit in the schema: anything larger matches nothing, and must not reach the database


def _id(name: str) -> int | None:
    """A positive id from the query string; anything else (text, huge, negative) means no filter."""
    value = request.args.get(name, type=int)
    return value if value is not None and 0 < value <= MAX_ID else None


def _page() -> int:
    return min(max(request.args.get("page", 1, type=int) or 1, 1), 100_000)


def _choice(name: str, kind: str) -> str | None:
    """A filter value from the query string, if it is one of the known codes (anything else: no filter)."""
    value = request.args.get(name)
    return value if value in CODES[kind] else None


@bp.get("/applications")
@login_required
def applications_list() -> str:
    me = user()
    campaign_id = _id("campaign")
    filters = {"campaign_id": campaign_id, "status": _choice("status", "status"),
               "stage": _choice("stage", "stage"), "unit_id": _id("unit")}
    page = _page()
    rows, total = worklists.application_rows(session=db(), user=me, page=page, page_size=PAGE_SIZE, **filters)
    return render_template("applications.html", rows=rows, total=total, page=page, page_size=PAGE_SIZE,
                           filters=filters, campaigns=campaigns.list_campaigns(db(), user()),
                           units=worklists.units_to_filter(session=db(), user=me, campaign_id=campaign_id),
                           entry=worklists.new_application(session=db(), user=me))


@bp.get("/applications/<int:application_id>/task")
@login_required
def application_task(application_id: int) -> Response:
    """"My task on this application": its form if the reader has one open, else the application's page."""
    application = applications.get_application(session=db(), user=user(), application_id=application_id)
    task = worklists.my_task_on(session=db(), user=user(), application_id=application.id)
    if task is not None:
        return redirect(url_for("web.task_page", task_id=task.id))
    flash(_("该申报目前没有需要您办理的事项（当前状态：{status}）", status=name_of("status", application.status)), "info")
    return redirect(url_for("web.application_view", application_id=application.id))


@bp.get("/tasks")
@login_required
def task_list() -> str:
    me = user()
    everyone = request.args.get("scope") == "all" and policies.can_supervise_tasks(me)
    overdue = request.args.get("overdue") == "1"
    stage = _choice("stage", "stage")
    page = _page()
    if everyone:
        rows, total = worklists.everyones_tasks(session=db(), user=me, overdue=overdue, stage=stage, page=page,
                                                page_size=PAGE_SIZE)
        exact = True
    else:
        found = worklists.my_tasks(session=db(), user=me, overdue=overdue, stage=stage, page=page, page_size=PAGE_SIZE)
        rows, total, exact = found.items, found.total, found.total_exact
    return render_template("tasks.html", rows=rows, total=total, total_exact=exact, page=page, page_size=PAGE_SIZE,
                           everyone=everyone, overdue=overdue, stage=stage, apps=worklists.applications_of(db(), me, rows),
                           handlers=worklists.handlers(db(), me, rows) if everyone else {},
                           supervises=policies.can_supervise_tasks(me))


def supervision(task: Any) -> str:
    """A task page for someone who oversees it but does not do it (the office, the group leader): read only."""
    application = worklists.applications_of(db(), user(), [task]).get(task.application_id or 0)
    return render_template("task_supervision.html", task=task, application=application,
                           handlers=worklists.handlers(db(), user(), [task])[task.id],
                           role_name=name_of("role", task.role),
                           supervises=policies.can_supervise_tasks(user()), **handover_context(task))


def handover_context(task: Any) -> dict[str, Any]:
    """What a task page offers to hand the task over: the office's reassignment (anyone eligible) and the
    holder's delegation (a colleague of the same role and unit), each with its people."""
    me, out = user(), {"reassign_to": [], "delegate_to": [], "holder_name": None}
    if task.state != "open":
        return out
    if policies.can_reassign(me):
        out["reassign_to"] = assignments.candidates(session=db(), user=me, task=task, delegating=False)
        holder = task.assignee_id or task.candidate_user_id
        out["holder_name"] = _display_name(holder) if holder else None
    if assignments.may_delegate(me, task):
        out["delegate_to"] = assignments.candidates(session=db(), user=me, task=task, delegating=True)
    return out


@bp.post("/tasks/<int:task_id>/reassign")
@login_required
def task_reassign(task_id: int) -> Response:
    """The office gives the task to another eligible person, with a reason (both are told)."""
    return _hand_over(task_id, lambda to, reason: assignments.reassign(
        session=db(), user=user(), task_id=task_id, to_user_id=to, reason=reason))


@bp.post("/tasks/<int:task_id>/delegate")
@login_required
def task_delegate(task_id: int) -> Response:
    """The holder hands the task to a colleague of the same role and unit (both are told)."""
    return _hand_over(task_id, lambda to, reason: assignments.delegate(
        session=db(), user=user(), task_id=task_id, to_user_id=to, reason=reason))


def _hand_over(task_id: int, act: Any) -> Response:
    to = request.form.get("user_id", "")
    try:
        if not to.isdigit() or len(to) > 9:
            raise ValidationFailed([{"field": "user_id", "message": _("请选择接手人")}])
        done = act(int(to), request.form.get("reason", ""))
    except ValidationFailed as exc:
        db().rollback()
        for e in exc.errors:
            flash(e["message"], "error")
        return redirect(url_for("web.task_page", task_id=task_id) + "#handover")
    flash(_("已交给 {name}，双方都已收到通知", name=_display_name(done.to_id)), "ok")
    if policies.can_see_task(user(), done.task) or policies.is_candidate(user(), done.task):
        return redirect(url_for("web.task_page", task_id=task_id))
    return redirect(url_for("web.inbox"))


def _display_name(user_id: int) -> str:
    return dashboard.user_names(db(), {user_id}).get(user_id, "")


@bp.post("/tasks/<int:task_id>/urge")
@login_required
def task_urge(task_id: int) -> Response:
    told = worklists.urge(session=db(), user=user(), task_id=task_id)
    flash(_("已向 {n} 人发送催办通知", n=told) if told else _("今天已经催办过，通知未重复发送"), "ok" if told else "info")
    return redirect(url_for("web.task_page", task_id=task_id))
