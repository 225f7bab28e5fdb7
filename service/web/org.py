"""The office's organisation pages (units, people, the workbook import) and the password pages everyone uses."""
from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.catalogue import _, name_of
from service.auth import policies
from service.errors import Forbidden, NotFound, ValidationFailed
from service.schemas import orgs as org_schema
from service.schemas.base import validate
from service.workflows import accounts, org_workbook, orgs
from service.workflows.filenames import download_headers
from service.web.blueprint import bp, error_page

from service.web.security import db, login_required, user

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 50


def _settings() -> Any:
    return current_app.extensions["appraisal.settings"]


def _office() -> None:
    if not policies.can_manage_org(user()):
        raise Forbidden(policies.DENIED[policies.can_manage_org])


def _form_int(name: str) -> int | None:
    value = (request.form.get(name) or "").strip()
    return int(value) if value.isdigit() and 0 < int(value) <= 2**31 - 1 else None


def _units() -> list[Any]:
    """The units the office manages (a union's office: its own and those below it)."""
    return orgs.managed_units(session=db(), user=user())


# --------------------------------------------------------------------------- units


@bp.get("/office/org")
@login_required
def org_units() -> str:
    _office()
    units = _units()
    return render_template("org_units.html", units=units, by_id={u.id: u for u in units},
                           types=org_schema.UNIT_TYPE_LABELS, errors=[], values={})


@bp.post("/office/org/units")
@login_required
def org_unit_create() -> Any:
    _office()
    values = {k: (request.form.get(k) or "").strip() for k in ("code", "name", "name_en", "type")}
    try:
        body = validate(org_schema.OrgUnitCreate, {**values, "parent_id": _form_int("parent_id")})
        unit = orgs.create_unit(session=db(), user=user(), code=body.code, name=body.name, type=body.type,
                                name_en=body.name_en, parent_id=body.parent_id)
    except ValidationFailed as exc:
        db().rollback()
        units = _units()
        return render_template("org_units.html", units=units, by_id={u.id: u for u in units},
                               types=org_schema.UNIT_TYPE_LABELS, errors=exc.errors, values=values), 422
    flash(_("已保存：{name}", name=unit.name), "ok")
    return redirect(url_for("web.org_units"))


@bp.route("/office/org/units/<int:unit_id>", methods=["GET", "POST"])
@login_required
def org_unit_edit(unit_id: int) -> Any:
    _office()
    unit = orgs.managed_unit(session=db(), user=user(), unit_id=unit_id)
    errors: list[dict[str, str]] = []
    if request.method == "POST":
        if request.form.get("action") in ("deactivate", "activate"):
            changes: dict[str, Any] = {"is_active": request.form["action"] == "activate"}
        else:
            changes = {k: (request.form.get(k) or "").strip() for k in ("code", "name", "name_en", "type")}
            changes["parent_id"] = _form_int("parent_id")
        try:
            body = validate(org_schema.OrgUnitUpdate, changes)
            orgs.update_unit(session=db(), user=user(), unit_id=unit_id,
                             changes={k: getattr(body, k) for k in body.model_fields_set})
        except ValidationFailed as exc:
            db().rollback()
            errors = exc.errors
            unit = orgs.managed_unit(session=db(), user=user(), unit_id=unit_id)
        else:
            flash(_("已保存：{name}", name=unit.name), "ok")
            return redirect(url_for("web.org_unit_edit", unit_id=unit_id))
    units = _units()
    return render_template("org_unit.html", unit=unit, units=units, types=org_schema.UNIT_TYPE_LABELS,
                           errors=errors), 422 if errors else 200


# --------------------------------------------------------------------------- people


@bp.get("/office/org/people")
@login_required
def org_people() -> str:
    _office()
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), 100_000)
    unit_id = request.args.get("unit", type=int)
    unit_id = unit_id if unit_id and 0 < unit_id <= 2**31 - 1 else None
    q = (request.args.get("q") or "").strip()[:80] or None
    inactive = request.args.get("inactive") == "1"
    rows, total = orgs.list_people(session=db(), user=user(), unit_id=unit_id, q=q, include_inactive=inactive,
                                   page=page, page_size=PAGE_SIZE)
    return render_template("org_people.html", people=rows, total=total, page=page, page_size=PAGE_SIZE,
                           units=_units(), unit_id=unit_id, q=q or "", inactive=inactive,
                           roles=org_schema.ROLE_LABELS, errors=[], values={})


def _person_values() -> dict[str, Any]:
    values: dict[str, Any] = {k: (request.form.get(k) or "").strip() for k in ("username", "display_name", "phone",
                                                                              "email")}
    for key in ("phone", "email"):
        values[key] = values[key] or None
    values["unit_id"] = _form_int("unit_id")
    values["roles"] = [r for r in request.form.getlist("roles") if r]
    held = []
    for given in request.form.getlist("other_roles"):  # the roles elsewhere still ticked: "role@unit id"
        role, _, unit = given.partition("@")
        if role and unit.isdigit():
            held.append({"role": role, "unit_id": int(unit)})
    added_role, added_unit = request.form.get("add_role", ""), _form_int("add_role_unit")
    if added_role and added_unit is not None:
        held.append({"role": added_role, "unit_id": added_unit})
    values["other_roles"] = held
    return values


@bp.post("/office/org/people")
@login_required
def org_person_create() -> Any:
    _office()
    values = _person_values()
    try:
        body = validate(org_schema.PersonCreate, values)
        person, sent = orgs.create_person(session=db(), user=user(), username=body.username,
                                          display_name=body.display_name, unit_id=body.unit_id,
                                          roles=list(body.roles), phone=body.phone, email=body.email,
                                          link_ttl=_settings().password_link_ttl,
                                          other_roles=[(h.role, h.unit_id) for h in body.other_roles])
    except ValidationFailed as exc:
        db().rollback()
        return render_template("org_people.html", people=[], total=0, page=1, page_size=PAGE_SIZE, units=_units(),
                               unit_id=None, q="", inactive=False, roles=org_schema.ROLE_LABELS, errors=exc.errors,
                               values=values), 422
    flash(_("已新增 {name}，设置密码的一次性链接已通过{channels}发送", name=person.display_name, channels=_channels(sent["channels"])), "ok")
    return redirect(url_for("web.org_person_edit", person_id=person.id))


def _channels(channels: list[str]) -> str:
    return "、".join(name_of("channel", c) for c in channels)


@bp.route("/office/org/people/<int:person_id>", methods=["GET", "POST"])
@login_required
def org_person_edit(person_id: int) -> Any:
    person = orgs.get_person(session=db(), user=user(), person_id=person_id)
    errors: list[dict[str, str]] = []
    if request.method == "POST":
        action = request.form.get("action", "save")
        try:
            if action == "reset":
                sent = accounts.reset_password(session=db(), user=user(), person_id=person_id,
                                               ttl=_settings().password_link_ttl)
                flash(_("密码已重置，原密码失效；新的一次性链接已通过{channels}发送", channels=_channels(sent["channels"])), "ok")
            else:
                if action in ("deactivate", "activate"):
                    changes: dict[str, Any] = {"is_active": action == "activate"}
                else:
                    changes = _person_values()
                body = validate(org_schema.PersonUpdate, changes)
                given = {k: getattr(body, k) for k in body.model_fields_set
                         if getattr(body, k) is not None or k in ("phone", "email")}
                orgs.update_person(session=db(), user=user(), person_id=person_id, changes=given)
                flash(_("已保存：{name}", name=person.display_name), "ok")
        except ValidationFailed as exc:
            db().rollback()
            errors = exc.errors
            person = orgs.get_person(session=db(), user=user(), person_id=person_id)
        else:
            return redirect(url_for("web.org_person_edit", person_id=person_id))
    return render_template("org_person.html", person=person, units=_units(), roles=org_schema.ROLE_LABELS,
                           errors=errors), 422 if errors else 200


# --------------------------------------------------------------------------- the workbook


@bp.get("/office/org/import")
@login_required
def org_import() -> str:
    _office()
    return render_template("org_import.html", report=None, upload=None)


@bp.post("/office/org/import")
@login_required
def org_import_check() -> Any:
    """The dry run: the upload is kept, and every row's result and every error shown; nothing else is written."""
    _office()
    upload = request.files.get("file")
    content = upload.read(_settings().max_upload_bytes + 1) if upload else b""
    if not content:
        flash(_("请选择要导入的 .xlsx 文件"), "error")
        return render_template("org_import.html", report=None, upload=None), 422
    checked = org_workbook.plan(session=db(), user=user(), content=content)
    kept = org_workbook.store(session=db(), user=user(), filename=upload.filename or "", content=content,
                              checked=checked)
    return render_template("org_import.html", report=checked.report(dry_run=True, imported=False, import_id=kept.id),
                           upload=kept)


@bp.post("/office/org/import/<int:import_id>")
@login_required
def org_import_run(import_id: int) -> Any:
    """Import a checked upload: all or nothing (it is checked again against the database as it is now)."""
    _office()
    kept = org_workbook.stored(session=db(), user=user(), import_id=import_id)
    try:
        report = org_workbook.run(session=db(), user=user(), content=kept.content, filename=kept.filename,
                                  link_ttl=_settings().password_link_ttl, import_id=kept.id)
    except ValidationFailed:
        db().rollback()
        checked = org_workbook.plan(session=db(), user=user(), content=kept.content)
        return render_template("org_import.html", report=checked.report(dry_run=True, imported=False,
                                                                        import_id=kept.id), upload=kept), 422
    counts = report["counts"]
    flash(_("导入完成。单位：{units}；人员：{people}", units=_count_line(counts[org_workbook.UNIT_SHEET]),
            people=_count_line(counts[org_workbook.PEOPLE_SHEET])), "ok")
    return redirect(url_for("web.org_units"))


def _count_line(counts: dict[str, int]) -> str:
    return "，".join(f"{name_of('import_result', k)} {v}" for k, v in sorted(counts.items())) or "0"


@bp.get("/office/org/workbook.xlsx")
@login_required
def org_export() -> Response:
    data = org_workbook.export(session=db(), user=user())
    return Response(data, mimetype=XLSX, headers=download_headers(_("组织机构与人员.xlsx")))


@bp.get("/office/org/template.xlsx")
@login_required
def org_template() -> Response:
    _office()
    return Response(org_workbook.template(), mimetype=XLSX, headers=download_headers(_("组织机构导入模板.xlsx")))


# --------------------------------------------------------------------------- passwords


@bp.route("/password/<token>", methods=["GET", "POST"])
def password_link(token: str) -> Any:
    """A one-time link's page: set one's password without logging in (the link works once, until it expires)."""
    try:
        link = accounts.link_holder(db(), token)
    except NotFound:
        db().rollback()
        return error_page(404, _("此链接无效、已使用或已过期。请联系评比办公室重新发送。"))
    errors: list[dict[str, str]] = []
    if request.method == "POST":
        password = request.form.get("password", "")
        if password != request.form.get("confirm", ""):
            errors = [{"field": "confirm", "message": _("两次输入的密码不一致")}]
        else:
            try:
                accounts.set_password_with_link(session=db(), token=token, password=password)
            except ValidationFailed as exc:
                db().rollback()
                errors = exc.errors
            else:
                flash(_("密码已设置，请登录"), "ok")
                return redirect(url_for("web.login"))
    username = orgs.username_of(db(), link.user_id)
    return render_template("password_set.html", errors=errors, username=username), 422 if errors else 200
