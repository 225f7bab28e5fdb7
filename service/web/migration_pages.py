"""The migration page (Camunda Cockpit's migration): choose two versions, check the mapping, dry run, migrate;
and the instance page's modification form.

``/admin/migrations?source=<definition id>&target=<definition id>[&campaign=<id>]`` opens pre-filled (the
modeler's deploy confirmation links here); nothing runs until the person presses 试运行 or 执行迁移.
"""
from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.catalogue import _
from service.errors import ValidationFailed
from service.workflows import campaigns, instances, migrations

from service.web.blueprint import bp
from service.web.security import db, login_required, user


def _services() -> Any:
    return current_app.extensions["appraisal.services"]


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 10 else None


@bp.route("/admin/migrations", methods=["GET", "POST"])
@login_required
def migrations_page() -> Any:
    me = user()
    source_id, target_id = _int(request.values.get("source")), _int(request.values.get("target"))
    campaign_id = _int(request.values.get("campaign"))
    key = request.values.get("key") or None
    if source_id is not None:
        source_key = migrations.definition(session=db(), user=me, definition_id=source_id).key
        if key and key != source_key:  # another process chosen: its own versions
            source_id = target_id = None
        else:
            key = source_key
    keys = migrations.processes(session=db(), user=me)
    key = key if key in keys else ("innovation_appraisal" if "innovation_appraisal" in keys else next(iter(keys), None))
    versions = migrations.versions(session=db(), user=me, key=key) if key else []
    if source_id is None:  # the oldest version that still runs instances, moving to the newest
        running = [v for v in versions[1:] if v.active]
        source_id = running[-1].definition.id if running else None
    if target_id is None and versions:
        target_id = versions[0].definition.id
    errors: list[dict[str, str]] = []
    plan: dict[str, Any] | None = None
    report: list[migrations.InstanceReport] | None = None
    run: migrations.Run | None = None
    ran = False
    status = 200
    if source_id and target_id and source_id != target_id:
        try:
            plan = migrations.generate(session=db(), services=_services(), user=me, source_id=source_id,
                                       target_id=target_id)
        except ValidationFailed as exc:
            errors, status = exc.errors, 422
    mapping = {row["source"]: row["target"] for row in plan["instructions"]} if plan else {}
    if plan and request.method == "POST":
        chosen = {s: (request.form.get(f"map_{s}") or "").strip() for s in
                  [r["source"] for r in plan["instructions"]] + [r["source"] for r in plan["unmapped"]]}
        mapping = {s: t for s, t in chosen.items() if t}
        try:
            given = migrations.plan_of(session=db(), source_id=source_id, target_id=target_id,
                                       instructions=[{"source": s, "target": t} for s, t in mapping.items()])
            if request.form.get("action") == "execute":
                run = migrations.migrate(session=db(), services=_services(), user=me, plan=given,
                                         reason=request.form.get("reason", ""), campaign_id=campaign_id)
                report, ran = run.reports, True
                moved = sum(1 for r in report if r.migrated)
                flash(_("已迁移 {moved} 个实例，{left} 个未迁移", moved=moved, left=len(report) - moved),
                      "ok" if moved == len(report) else "error")
            else:
                run = migrations.validate(session=db(), services=_services(), user=me, plan=given,
                                          campaign_id=campaign_id)
                report = run.reports
        except ValidationFailed as exc:
            errors, status = exc.errors, 422
    return render_template(
        "migrations.html", keys=keys, key=key, versions=versions, source_id=source_id, target_id=target_id,
        campaign_id=campaign_id, campaign_list=campaigns.list_campaigns(db(), me), plan=plan, mapping=mapping,
        report=report, run=run, batch_size=migrations.BATCH_SIZE, ran=ran, errors=errors, reason=request.form.get("reason", "")), status


@bp.post("/instances/<int:instance_id>/modification")
@login_required
def instance_modification(instance_id: int) -> Response:
    """The instance page's form: cancel the active element, start before another, with a reason."""
    try:
        migrations.modify(session=db(), services=_services(), user=user(), instance_id=instance_id,
                          cancel=request.form.get("cancel", ""), start_before=request.form.get("start_before", ""),
                          reason=request.form.get("reason", ""))
    except ValidationFailed as exc:
        db().rollback()
        for e in exc.errors:
            flash(e["message"], "error")
    else:
        flash(_("已调整流程进度"), "ok")
    return redirect(url_for("web.instance_view", instance_id=instance_id))


def modification_choices(instance: Any) -> dict[str, Any]:
    """What the instance page's modification form offers: its active elements and every element to start before."""
    elements = instance.definition.meta.get("elements") or {}
    startable = [(k, _element_name(k, v)) for k, v in elements.items()
                 if v.get("type") in ("userTask", "serviceTask", "intermediateCatchEvent", "exclusiveGateway",
                                      "receiveTask", "task", "endEvent")]
    return {"active_choices": [(e, _element_name(e, elements.get(e) or {})) for e in
                               instances.active_elements(db(), instance)
                               if (elements.get(e) or {}).get("type") != "boundaryEvent"],
            "start_choices": startable}


def _element_name(element_id: str, element: dict[str, Any]) -> str:
    """An element by its name; one without a name (the engine's meta then holds its id) is never shown by its id."""
    name = element.get("name")
    if name and name != element_id:
        return name
    return _("未命名网关") if element.get("type", "").endswith("Gateway") else _("未命名环节")
