"""Login, the task inbox, task forms, the application form, attachments, scoring and notifications."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from flask import current_app, flash, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from service.catalogue import DEFAULT_LOCALE, _, html_lang
from service import clock, work_kinds
from service.auth import policies, tokens, visibility
from service.errors import Conflict, NotFound, Unauthenticated, ValidationFailed
from service.schemas.applications import BLANK
from service.workflows import (applications, attachments, campaign_setup, campaigns, dashboard, feedback,
                               instructions, meetings, scoring_actions, tasks, viewing, worklists)
from service.workflows.application_rules import APPLICATION_FIELDS
from service.workflows.filenames import download_headers
from service.web import forms, lists
from service.web.meetings import meeting_page_of_task
from service.web.blueprint import bp
from service.web.i18n import LANGUAGES
from service.web.security import db, login, login_required, user
from service.web.security import logout as end_login

if TYPE_CHECKING:  # types only: routes and pages never touch tables (import contract)
    from service.models import Application, Campaign

APPLICATION_FORM = "application"


def services() -> Any:
    return current_app.extensions["appraisal.services"]


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlparse(target).netloc:
        return target
    return url_for("web.inbox")


@bp.route("/login", methods=["GET", "POST"], endpoint="login")
def login_page() -> Any:
    error = _("页面已过期，请刷新后重试") if request.args.get("expired") else None
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        try:  # limited per username and client address (service.auth.ratelimit)
            account = tokens.authenticate_password(db(), username, password)
        except Unauthenticated:
            error = _("用户名或密码错误")
        else:
            chosen = session.get("lang")
            login(account)
            session["lang"] = chosen if chosen in LANGUAGES else html_lang(account.locale or DEFAULT_LOCALE)
            return redirect(_safe_next(request.form.get("next")))
        return render_template("login.html", error=error, next=request.form.get("next", "")), 401
    return render_template("login.html", error=error, next=request.args.get("next", ""))



@bp.post("/logout")
def logout() -> Response:
    end_login()
    return redirect(url_for("web.login"))


@bp.get("/lang/<code>")
def set_language(code: str) -> Response:
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(_safe_next(request.args.get("next")))


# --------------------------------------------------------------------------- inbox


@bp.get("/")
@login_required
def inbox() -> str:
    me = user()
    found = tasks.list_tasks(session=db(), user=me, page_size=200)
    rows = found.items
    apps = {a.id: a for a in viewing.seen_all(db(), me, applications.applications_by_id(
        session=db(), ids=[r.application_id for r in rows if r.application_id]))} if rows else {}
    now = clock.now()
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.name] = counts.get(row.name, 0) + 1
    overdue = sum(1 for r in rows if r.due_at and r.due_at < now)
    mine: list[Any] = []
    if me.roles & {"unit_submitter", "unit_leader", "vetter"}:
        listed, _total = applications.list_applications(session=db(), user=me, page_size=100)
        mine = viewing.seen_all(db(), me, listed)
    return render_template("inbox.html", rows=rows, total=found.total, total_exact=found.total_exact, apps=apps,
                           counts=sorted(counts.items()), overdue=overdue, mine=mine,
                           campaigns=campaigns.list_campaigns(db(), user()), unread=dashboard.unread_count(session=db(), user=me),
                           supervises=policies.can_supervise_tasks(me))


# --------------------------------------------------------------------------- generic task pages


def _decision_context(task: Any, application: Any) -> dict[str, Any]:
    """The group decision's ranking table and each item's calculation (grade and confirmation forms),
    as far as the viewer may see them (the rows come shaped by service.auth.visibility)."""
    if application is None or task.form_key not in (work_kinds.GRADE_PROPOSAL, work_kinds.GRADE_DECISION,
                                                    work_kinds.CHAIR_CONFIRMATION):
        return {}
    ranking = campaigns.results(session=db(), user=user(), campaign_id=application.campaign_id)
    return {"ranking": ranking, "scorer_names": _scorer_names(r.get("calculation") for r in ranking)}


def _scorer_names(calculations: Any) -> dict[int, str]:
    """Names of the scorers the (already redacted) calculations still name."""
    return dashboard.user_names(db(), {s.get("scorer") for calc in calculations
                                       for s in ((calc or {}).get("per_scorer") or [])})


@bp.route("/tasks/<int:task_id>", methods=["GET", "POST"])
@login_required
def task_page(task_id: int) -> Any:
    task = tasks.get_task(session=db(), user=user(), task_id=task_id)
    if request.method == "GET" and not policies.is_candidate(user(), task):
        return lists.supervision(task)
    if task.form_key == APPLICATION_FORM and task.application_id and task.state == "open":
        return redirect(url_for("web.application_edit", application_id=task.application_id))
    if task.form_key == work_kinds.SCORING and task.state == "open":
        return redirect(url_for("web.scoring"))
    meeting = meeting_page_of_task(task)
    if meeting is not None and task.state == "open":
        return redirect(meeting)
    application = None
    if task.application_id:
        try:
            application = viewing.seen(db(), user(), applications.get_application(
                session=db(), user=user(), application_id=task.application_id))
        except NotFound:
            application = None
    schema = tasks.task_schema(session=db(), services=services(), task=task)
    overrides = {}
    if application is not None and task.form_key in (work_kinds.GRADE_PROPOSAL, work_kinds.GRADE_DECISION):
        field = "proposed_grade" if task.form_key == work_kinds.GRADE_PROPOSAL else "final_grade"
        overrides = {field: application.campaign.grades}
    values: dict[str, Any] = {}
    errors: list[dict[str, str]] = []
    status = 200
    if request.method == "POST":
        data, errors = forms.parse(schema, request.form)
        values = dict(request.form.lists())
        values = {k: (v if len(v) > 1 else v[0]) for k, v in values.items()}
        if not errors:
            try:
                tasks.complete(session=db(), services=services(), user=user(), task_id=task.id, data=data,
                               confirmed=request.form.get("confirm") == "1")
            except ValidationFailed as exc:
                errors = exc.errors
            else:
                flash(_("{name}：已提交", name=task.name), "ok")
                return redirect(url_for("web.inbox"))
        status = 422
    by_field, general = forms.errors_by_field(errors)
    summary = forms.fields_for(services().forms.schema(APPLICATION_FORM),
                               {k: getattr(application, k) for k in APPLICATION_FIELDS}) if application else []
    files = attachments.list_attachments(session=db(), user=user(), application_id=application.id) if application else []
    return render_template("task.html", task=task, application=application, schema=schema, summary_fields=summary,
                           files=files, instructions=instructions.for_task(db(), task),
                           fields=forms.fields_for(schema, values, overrides), errors=by_field, general=general,
                           irreversible=tasks.irreversible(db(), services(), task),
                           **_decision_context(task, application), **lists.handover_context(task)), status


@bp.post("/tasks/<int:task_id>/claim")
@login_required
def task_claim(task_id: int) -> Response:
    tasks.claim(session=db(), user=user(), task_id=task_id)
    return redirect(url_for("web.task_page", task_id=task_id))


# --------------------------------------------------------------------------- the application form


def _open_campaign() -> Campaign | None:
    return worklists.campaign_to_apply(session=db(), user=user(), campaign_id=_campaign_param())


def _campaign_param() -> int | None:
    value = request.args.get("campaign", "")
    return int(value) if value.isdigit() and len(value) < 10 else None


def _application_data(schema: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Draft fields from the form; blank text clears a field."""
    data, errors = forms.parse(schema, request.form)
    for name in APPLICATION_FIELDS:
        if BLANK[name] is not None:  # a choice left unpicked (category, applicant type) stays as it was
            data.setdefault(name, BLANK[name])
    return data, errors


def _fill_task(application_id: int) -> Any:
    rows = tasks.list_tasks(session=db(), user=user(), application_id=application_id).items
    return next((r for r in rows if r.form_key == APPLICATION_FORM), None)


def _render_application(application: Application | None, values: dict[str, Any], errors: list[dict[str, str]],
                        status: int = 200) -> tuple[str, int]:
    schema = services().forms.schema(APPLICATION_FORM)
    by_field, general = forms.errors_by_field(errors)
    missing = applications.missing_fields(application) if application is not None else \
        [{"field": f, "message": _("必填")} for f in schema.get("required", [])]
    titles = {name: forms.fields_for(schema)[i].label for i, name in enumerate(schema.get("properties", {}))}
    files = attachments.list_attachments(session=db(), user=user(), application_id=application.id) \
        if application is not None else []
    told = feedback.told(session=db(), application=application, groups=viewing.groups_for(db(), user(), application),
                         viewer_id=user().id) if application is not None else None
    return render_template("application_form.html", application=application, schema=schema,
                           fields=forms.fields_for(schema, values), errors=by_field, general=general,
                           missing=missing, titles=titles, files=files, feedback=told,
                           max_mb=services().settings.max_upload_bytes // (1024 * 1024)), status


@bp.route("/applications/new", methods=["GET", "POST"])
@login_required
def application_new() -> Any:
    campaign = _open_campaign()
    if campaign is None:
        raise Conflict(_("当前不在申报时间内"))
    if request.method == "GET":
        return _render_application(None, {}, [])
    schema = services().forms.schema(APPLICATION_FORM)
    data, errors = _application_data(schema)
    if errors:
        return _render_application(None, data, errors, 422)
    try:
        application = applications.create_application(session=db(), services=services(), user=user(),
                                                      campaign_id=campaign.id, fields=data)
    except ValidationFailed as exc:
        return _render_application(None, data, exc.errors, 422)
    return _saved_or_submitted(application, data)


def _saved_or_submitted(application: Application, data: dict[str, Any]) -> Any:
    """After a draft save: submit too when that button was pressed, else back to the form."""
    if request.form.get("action") == "submit":
        return _submit(application, data)
    flash(_("已保存"), "ok")
    return redirect(url_for("web.application_edit", application_id=application.id))


def _submit(application: Application, data: dict[str, Any]) -> Any:
    task = _fill_task(application.id)
    if task is None:
        raise Conflict(_("申报当前不在单位修改阶段"))
    try:
        tasks.complete(session=db(), services=services(), user=user(), task_id=task.id, data={})
    except ValidationFailed as exc:
        return _render_application(application, data, exc.errors, 422)
    flash(_("已提交"), "ok")
    return redirect(url_for("web.application_view", application_id=application.id))


@bp.route("/applications/<int:application_id>/edit", methods=["GET", "POST"])
@login_required
def application_edit(application_id: int) -> Any:
    application = applications.get_application(session=db(), user=user(), application_id=application_id)
    if request.method == "GET":
        values = {k: getattr(application, k) for k in APPLICATION_FIELDS}
        return _render_application(application, values, [])
    schema = services().forms.schema(APPLICATION_FORM)
    data, errors = _application_data(schema)
    if errors:
        return _render_application(application, data, errors, 422)
    try:
        application = applications.update_draft(session=db(), user=user(), application_id=application_id, fields=data)
    except ValidationFailed as exc:
        return _render_application(application, data, exc.errors, 422)
    return _saved_or_submitted(application, data)


@bp.post("/applications/<int:application_id>/attachments")
@login_required
def attachment_upload(application_id: int) -> Any:
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ValidationFailed([{"field": "file", "message": _("必填")}])
        limit = services().settings.max_upload_bytes
        attachments.add_attachment(session=db(), services=services(), user=user(), application_id=application_id,
                                   filename=upload.filename, content=upload.read(limit + 1))
    except ValidationFailed as exc:
        application = applications.get_application(session=db(), user=user(), application_id=application_id)
        values = {k: getattr(application, k) for k in APPLICATION_FIELDS}
        return _render_application(application, values, exc.errors, 422)
    flash(_("附件已上传"), "ok")
    return redirect(url_for("web.application_edit", application_id=application_id) + "#attachments")


@bp.get("/attachments/<int:attachment_id>")
@login_required
def attachment_download(attachment_id: int) -> Response:
    row = attachments.get_attachment(session=db(), user=user(), attachment_id=attachment_id)
    return Response(row.content, mimetype=row.content_type, headers=download_headers(row.filename))


@bp.get("/applications/<int:application_id>")
@login_required
def application_view(application_id: int) -> str:
    row = applications.get_application(session=db(), user=user(), application_id=application_id)
    groups = viewing.groups_for(db(), user(), row)
    application = visibility.seen_application(row, groups, user().id)
    schema = services().forms.schema(APPLICATION_FORM)
    mine = tasks.list_tasks(session=db(), user=user(), application_id=application.id, page_size=10).items
    return render_template("application_view.html", application=application, schema=schema,
                           summary_fields=forms.fields_for(schema, {k: getattr(application, k) for k in APPLICATION_FIELDS}),
                           files=attachments.list_attachments(session=db(), user=user(), application_id=application.id),
                           timeline=dashboard.timeline(session=db(), application=row, groups=groups, viewer_id=user().id,
                                                       forms={k: services().forms.schema(k) for k in services().forms.keys()}),
                           mine=mine, scorer_names=_scorer_names([application.calculation]),
                           feedback=feedback.told(session=db(), application=row, groups=groups, viewer_id=user().id),
                           applicant=visibility.Capacity.APPLICANT in visibility.capacities(user(), row),
                           may_withdraw=applications.may_withdraw(user(), row))


@bp.get("/applications/<int:application_id>/print")
@login_required
def application_print(application_id: int) -> str:
    application = viewing.seen(db(), user(), applications.get_application(
        session=db(), user=user(), application_id=application_id))
    schema = services().forms.schema(APPLICATION_FORM)
    fields = forms.fields_for(schema, {k: getattr(application, k) for k in APPLICATION_FIELDS})
    forwarded = meetings.forwarding_of(session=db(), user=user(), application_id=application_id)
    return render_template("application_print.html", application=application, fields=fields, copies=(1, 2),
                           forward_opinion=forwarded[0] if forwarded else None,
                           forwarded_at=forwarded[1] if forwarded else None)


# --------------------------------------------------------------------------- scoring sheet


def _scoring_rows() -> list[dict[str, Any]]:
    rows = [task for task in tasks.list_tasks(session=db(), user=user(), stage="scoring", page_size=200).items
            if task.form_key == work_kinds.SCORING and task.application_id]
    seen = {a.id: a for a in viewing.seen_all(db(), user(), applications.applications_by_id(
        session=db(), ids=[task.application_id for task in rows]))} if rows else {}
    return [{"task": task, "application": seen[task.application_id],
             "criteria": seen[task.application_id].campaign.criteria,
             "rules": campaign_setup.rules_in_words(seen[task.application_id].campaign),
             "rule": campaign_setup.scoring_rules(seen[task.application_id].campaign)} for task in rows]


@bp.route("/scoring", methods=["GET", "POST"])
@login_required
def scoring() -> Any:
    rows = _scoring_rows()
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    status = 200
    if request.method == "POST" and rows:
        values = request.form.to_dict()
        sheets: list[tuple[Any, dict[str, Any]]] = []
        for row in rows:
            task_id = row["task"].id
            criteria: dict[str, Any] = {}
            for c in row["criteria"]:
                name = f"s{task_id}_{c['code']}"
                raw = request.form.get(name, "").strip()
                if raw == "":
                    errors.setdefault(name, []).append(_("必填"))
                    continue
                try:
                    value = float(raw)
                except ValueError:
                    errors.setdefault(name, []).append(_("请输入数字"))
                    continue
                if not 0 <= value <= c["max"]:
                    errors.setdefault(name, []).append(f"0 – {c['max']}")
                    continue
                criteria[c["code"]] = int(value) if value.is_integer() else value
            score: dict[str, Any] = {"criteria": criteria}
            comment = request.form.get(f"s{task_id}_comment", "").strip()
            if comment:
                score["comment"] = comment[:2000]
            sheets.append((row["task"], {"score": score}))
        asks = any(tasks.irreversible(db(), services(), task) for task, _sheet in sheets)
        if not errors and asks and request.form.get("confirm") != "1":
            # the confirmation step (the scoring form is irreversible): the totals as they will be stored
            totals = {row["task"].id: scoring_actions.sheet_total(row["application"].campaign,
                                                                  sheet[1]["score"]["criteria"])
                      for row, sheet in zip(rows, sheets)}
            campaign_ids = sorted({r["application"].campaign_id for r in rows})
            recused = dashboard.recused_items(session=db(), user=user(), campaign_ids=campaign_ids)
            return render_template("scoring.html", rows=rows, errors=errors, values=values, recused=recused,
                                   confirming=totals)
        if not errors:
            for task, data in sheets:
                try:
                    scoring_actions.submit_sheet(session=db(), services=services(), user=user(), task_id=task.id,
                                                 criteria=data["score"]["criteria"],
                                                 comment=data["score"].get("comment"),
                                                 confirm=request.form.get("confirm") == "1")
                except ValidationFailed as exc:
                    for e in exc.errors:
                        code = e["field"].rsplit(".", 1)[-1]
                        errors.setdefault(f"s{task.id}_{code}", []).append(e["message"])
                    break
            else:
                flash(_("已提交"), "ok")
                return redirect(url_for("web.scoring"))
            rows = _scoring_rows()
        status = 422
    campaign_ids = sorted({r["application"].campaign_id for r in rows}) or [c.id for c in campaigns.list_campaigns(db(), user())[:1]]
    recused = dashboard.recused_items(session=db(), user=user(), campaign_ids=campaign_ids)
    return render_template("scoring.html", rows=rows, errors=errors, values=values, recused=recused,
                           confirming=None), status


# --------------------------------------------------------------------------- notifications


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
def notifications() -> Any:
    if request.method == "POST":
        dashboard.mark_read(session=db(), user=user())
        return redirect(url_for("web.notifications"))
    base = services().settings.base_url.rstrip("/")
    messages = dashboard.inbox(session=db(), user=user())
    links = {}
    for m in messages:
        link = m.link or ""
        if base and link.startswith(base + "/"):
            link = link[len(base):]
        links[m.id] = link if link.startswith("/") and not link.startswith("//") else None
    return render_template("notifications.html", messages=messages, links=links)
