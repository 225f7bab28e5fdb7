"""Process administration: the version list, the bpmn-js modeler, diffs, and the instance viewer."""
from __future__ import annotations

import difflib
import re
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from lxml import etree
from werkzeug.wrappers import Response

from service import work_kinds
from service.catalogue import _, name_of
from service.auth import policies
from service.errors import Forbidden
from service.workflows import dashboard, definitions, incidents, instances, version_diff

from service.web.blueprint import bp
from service.web.migration_pages import modification_choices
from service.web.security import db, login_required, user


def _admin() -> None:
    if not policies.can_deploy(user()):
        raise Forbidden(_("仅限流程管理员"))


@bp.get("/admin/processes")
@login_required
def processes() -> str:
    _admin()
    rows = definitions.list_definitions(db(), request.args.get("key") or None)
    names = dashboard.user_names(db(), {d.deployed_by for d in rows})
    previous = {}
    for d in rows:
        older = [o for o in rows if o.key == d.key and o.version < d.version]
        if older:
            previous[d.id] = max(older, key=lambda o: o.version).id
    return render_template("processes.html", rows=rows, names=names, previous=previous, system=_(dashboard.SYSTEM))


@bp.get("/admin/processes/<int:definition_id>/edit")
@login_required
def modeler(definition_id: int) -> str:
    _admin()
    definition = definitions.get_definition(db(), definition_id)
    forms = current_app.extensions["appraisal.services"].forms.keys()
    outcomes = [{"value": code, "label": name_of("status", code)} for code in work_kinds.OUTCOMES]
    return render_template("modeler.html", definition=definition, roles=[r for r in policies.ROLES] + ["system"],
                           forms=forms, handlers=definitions.handler_names(),
                           outcomes={"process": work_kinds.APPRAISAL_PROCESS, "choices": outcomes})


def _task_changes(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for element in sorted(set(old) | set(new)):
        a, b = old.get(element), new.get(element)
        if a == b:
            continue
        if a is None or b is None:
            rows.append({"element": element, "field": "—", "old": "" if a is None else "✓", "new": "" if b is None else "✓"})
            continue
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                rows.append({"element": element, "field": key, "old": a.get(key), "new": b.get(key)})
    return rows


def _normalised(xml: str) -> list[str]:
    """Deployed XML re-serialised the same way, so a diff shows changes rather than formatting."""
    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(xml.encode("utf-8"), parser)
    except etree.XMLSyntaxError:
        return xml.splitlines()
    return etree.tostring(root, pretty_print=True, encoding="unicode").splitlines()


@bp.get("/admin/processes/diff")
@login_required
def diff() -> str:
    _admin()
    b = definitions.get_definition(db(), int(request.args.get("b", 0)))
    a, b, said = version_diff.changes_between(db(), current_app.extensions["appraisal.services"], b.id,
                                              int(request.args.get("a", 0)) or None)
    lines = list(difflib.unified_diff(_normalised(a.xml), _normalised(b.xml), f"v{a.version}", f"v{b.version}",
                                      lineterm="", n=2))
    return render_template("diff.html", a=a, b=b, lines=lines, said=[c.message() for c in said],
                           changes=_task_changes(a.meta.get("user_tasks", {}), b.meta.get("user_tasks", {})))


@bp.get("/instances/<int:instance_id>")
@login_required
def instance_view(instance_id: int) -> str:
    instance = instances.get_visible_instance(session=db(), user=user(), instance_id=instance_id)
    active = instances.active_elements(db(), instance)
    done = sorted({e.element_id for e in instances.history(db(), instance.id)} - set(active))
    failed = incidents.open_for_instance(session=db(), user=user(), instance_id=instance.id)
    modify = modification_choices(instance) if policies.can_modify_instances(user()) and \
        instance.status == "active" else None
    handover = instances.open_tasks(db(), instance) if policies.can_reassign(user()) else []
    return render_template("instance.html", instance=instance, active=active, completed=done, incidents=failed,
                           modify=modify, open_tasks=handover, **instances.subject(db(), instance))


_BACK = re.compile(r"/(office/campaigns|instances)/[0-9]{1,10}")


@bp.post("/incidents/<int:incident_id>/retry")
@login_required
def incident_retry(incident_id: int) -> Response:
    """The office's retry of a failed element, from the dashboard or the instance page; back where it came from."""
    retried = incidents.retry(session=db(), services=current_app.extensions["appraisal.services"], user=user(),
                              incident_id=incident_id)
    if retried.state == "resolved":
        flash(_("重试成功，流程已继续"), "ok")
    else:
        flash(_("重试仍然失败：{error}", error=retried.message), "error")
    back = request.form.get("back", "")
    if _BACK.fullmatch(back):  # only the pages that offer the button: never a redirect elsewhere
        return redirect(back)
    return redirect(url_for("web.instance_view", instance_id=retried.instance_id))



@bp.route("/admin/forms", methods=["GET", "POST"])
@login_required
def forms_admin() -> str:
    """List, read and deploy form schemas, so a new user task's form needs no Python."""
    import json

    from flask import current_app

    from service import decoding
    from service.errors import ValidationFailed
    from service.workflows import forms

    _admin()
    registry = current_app.extensions["appraisal.services"].forms
    key = (request.values.get("key") or "").strip()
    errors: list[dict[str, str]] = []
    saved = None
    text = ""
    if request.method == "POST":
        text = request.form.get("schema", "")
        try:
            schema = decoding.decode_json(text, field="schema")
        except ValueError:
            errors = [{"field": "schema", "message": _("不是有效的 JSON")}]
        except ValidationFailed as exc:
            errors = exc.errors
        else:
            try:
                saved = forms.deploy_form(session=db(), registry=registry, user=user(), key=key, schema=schema).version
            except ValidationFailed as exc:
                errors = exc.errors
    elif key and registry.exists(key):
        text = json.dumps(registry.schema(key), ensure_ascii=False, indent=2)
    return render_template("forms_admin.html", keys=registry.keys(), key=key, text=text, errors=errors, saved=saved)


@bp.get("/admin/forms/<key>/editor")
@login_required
def form_editor(key: str) -> str:
    """The visual form editor (form-js) on form ``key``; it loads and saves through /api/forms/{key}/formjs."""
    from service.workflows import forms, formjs

    _admin()
    forms.formjs_of(session=db(), registry=current_app.extensions["appraisal.services"].forms, key=key)  # 404/422 early
    return render_template("form_editor.html", key=key, hidden_entries=formjs.hidden_panel_entries())


@bp.get("/admin/forms/design")
@login_required
def form_design() -> Response:
    """Open the editor on the key typed on the forms page (a new key starts an empty form)."""
    _admin()
    return redirect(url_for("web.form_editor", key=(request.args.get("key") or "").strip()))
