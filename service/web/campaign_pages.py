"""The office's campaign pages: the list with "copy last year's", the set-up page (edit with a reason,
see what an edit affects, the readiness check) and opening the window."""
from __future__ import annotations

import json
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.catalogue import _
from service.auth import policies
from service.errors import Conflict, ValidationFailed
from service.web.blueprint import bp
from service.web.security import db, login_required, user
from service.workflows import applications, campaign_setup


SECTIONS = ("window", "scorers", "criteria", "grades", "rules", "limits", "quotas", "units", "process", "reminders")


@bp.get("/office/campaigns")
@login_required
def campaign_list() -> str:
    listed = campaign_setup.campaign_list(session=db(), user=user())
    return render_template("campaigns.html", campaigns=listed,
                           sources=campaign_setup.copy_sources(session=db(), user=user(), campaigns=listed),
                           union_office=not policies.serves_federation(user()))


@bp.post("/office/campaigns/copy")
@login_required
def campaign_copy() -> Response:
    source = request.form.get("source_id") or None
    campaign = campaign_setup.copy_campaign(session=db(), user=user(), source_id=int(source) if source and
                                            source.isdigit() else None, reason=request.form.get("reason", ""),
                                            forms=_services().forms)
    flash(_("已保存：{name}", name=campaign.name), "ok")
    return redirect(url_for("web.campaign_setup_page", campaign_id=campaign.id))


def _services() -> Any:
    return current_app.extensions["appraisal.services"]


@bp.route("/office/campaigns/<int:campaign_id>/setup", methods=["GET", "POST"])
@login_required
def campaign_setup_page(campaign_id: int) -> Any:
    errors: list[dict[str, str]] = []
    effects: list[dict[str, Any]] = []
    section = request.form.get("section", "")
    status = 200
    if request.method == "POST":
        preview = request.form.get("action") == "preview"
        try:
            changes = _changes(section, request.form)
            _campaign, effects = campaign_setup.edit_campaign(session=db(), user=user(), campaign_id=campaign_id,
                                                      changes=changes, reason=request.form.get("reason"),
                                                      dry_run=preview, forms=_services().forms)
        except ValidationFailed as exc:
            errors, status = exc.errors, 422
        except Conflict as exc:
            effects = exc.extra.get("effects") or []
            errors, status = [{"field": section, "message": exc.detail}], 409
        else:
            if not preview:
                flash(_("已保存") if effects else _("没有改动"), "ok")
                for e in effects:
                    flash(_("{label}：{message}", label=e["label"], message=e["message"]), "ok")
                return redirect(url_for("web.campaign_setup_page", campaign_id=campaign_id) + f"#{section}")
    data = campaign_setup.setup_view(session=db(), services=_services(), user=user(), campaign_id=campaign_id)
    return render_template("campaign_setup.html", errors=errors, effects=effects, section=section,
                           form=request.form if errors else {}, **data), status


@bp.post("/office/campaigns/<int:campaign_id>/open")
@login_required
def campaign_open(campaign_id: int) -> Any:
    reason = request.form.get("override_reason") or None
    try:
        campaign, _problems = campaign_setup.open_window(session=db(), services=_services(), user=user(),
                                                 campaign_id=campaign_id, override_reason=reason)
    except Conflict as exc:
        flash(exc.detail, "error")
        return redirect(url_for("web.campaign_setup_page", campaign_id=campaign_id) + "#readiness")
    flash(_("申报窗口已开启：{at}", at=campaign.opened_at.isoformat()[:16]), "ok")
    return redirect(url_for("web.campaign_setup_page", campaign_id=campaign_id))


# --------------------------------------------------------------------------- form → changes


def _int(form: Any, name: str, *, blank: Any = ...) -> Any:
    text = (form.get(name) or "").strip()
    if not text and blank is not ...:
        return blank
    try:
        return int(text)
    except ValueError:
        raise ValidationFailed([{"field": name, "message": _("须为整数")}]) from None


def _number(text: str, field: str) -> int | float:
    try:
        value = float(text)
    except ValueError:
        raise ValidationFailed([{"field": field, "message": _("须为数字")}]) from None
    return int(value) if value.is_integer() else value


def _local_time(text: str, field: str) -> str:
    """A datetime-local input (Asia/Shanghai wall time) as ISO 8601 with its offset."""
    text = (text or "").strip()
    if len(text) == 16:
        text += ":00"
    if len(text) != 19:
        raise ValidationFailed([{"field": field, "message": _("须为日期和时间")}])
    return text + "+08:00"


def _quotas(form: Any) -> dict[str, Any] | None:
    """Each grade's quota from its field: "3" at most 3 items, "30%" at most 30 % of the presented items, blank none."""
    quotas: dict[str, Any] = {}
    for key in form:
        if not key.startswith("quota_"):
            continue
        grade, text = key[len("quota_"):], (form.get(key) or "").strip().replace("％", "%")
        if not text:
            continue
        if text.endswith("%"):
            quotas[grade] = {"share": _number(text[:-1], f"grade_quotas.{grade}") / 100}
        else:
            quotas[grade] = {"max": _int(form, key)}
    return quotas or None


def _changes(section: str, form: Any) -> dict[str, Any]:
    """The settings one section of the page edits, read from its form."""
    if section == "window":
        return {"opens_at": _local_time(form.get("opens_at"), "opens_at"),
                "closes_at": _local_time(form.get("closes_at"), "closes_at")}
    if section == "scorers":
        return {"scorer_ids": [int(v) for v in form.getlist("scorer_ids") if v.isdigit()]}
    if section == "criteria":
        rows = []
        for i in range(int(form.get("rows", "0") or 0) if (form.get("rows") or "0").isdigit() else 0):
            code = (form.get(f"code_{i}") or "").strip()
            if not code:
                continue
            row: dict[str, Any] = {"code": code, "name": (form.get(f"name_{i}") or "").strip(),
                                   "weight": _number(form.get(f"weight_{i}") or "", f"criteria.{i}.weight"),
                                   "max": _number(form.get(f"max_{i}") or "", f"criteria.{i}.max")}
            if (form.get(f"description_{i}") or "").strip():
                row["description"] = form.get(f"description_{i}").strip()
            rows.append(row)
        return {"criteria": rows}
    if section == "grades":
        grades = [g.strip() for g in (form.get("grades") or "").splitlines() if g.strip()]
        return {"grades": grades, "no_award_grade": (form.get("no_award_grade") or "").strip()}
    if section == "rules":
        return {"scoring_rules": {"trim_min_count": _int(form, "trim_min_count"),
                                  "trim_each_side": _int(form, "trim_each_side"), "decimals": _int(form, "decimals"),
                                  "rounding": form.get("rounding") or ""}}
    if section == "limits":
        return {"name": (form.get("name") or "").strip(),
                "max_applications_per_unit": _int(form, "max_applications_per_unit", blank=None),
                "min_eligible_scorers": _int(form, "min_eligible_scorers", blank=None),
                "notice_working_days": _int(form, "notice_working_days", blank=None),
                "shortlist_quorum": _int(form, "shortlist_quorum", blank=None),
                "vetting_working_days": _int(form, "vetting_working_days", blank=None)}
    if section == "quotas":
        return {"scoring_quorum": _int(form, "scoring_quorum", blank=None), "grade_quotas": _quotas(form)}
    if section == "units":
        if form.get("units_mode") == "all":
            return {"applicant_unit_ids": None}
        return {"applicant_unit_ids": sorted(int(v) for v in form.getlist("unit_ids") if v.isdigit())}
    if section == "process":
        changes: dict[str, Any] = {"process_version": _int(form, "process_version", blank=None)}
        pinned = {name.split(".", 1)[1]: value for name, value in form.items() if name.startswith("form_version.")}
        if pinned:
            changes["form_versions"] = {key: int(value) if value.strip().isdigit() else value
                                        for key, value in pinned.items()}
        return changes
    if section == "reminders":
        try:
            value = json.loads(form.get("reminders") or "{}")
        except ValueError:
            raise ValidationFailed([{"field": "reminders", "message": _("不是有效的 JSON")}]) from None
        return {"reminders": value}
    raise ValidationFailed([{"field": "section", "message": _("未知的设置")}])


@bp.post("/applications/<int:application_id>/withdraw")
@login_required
def application_withdraw(application_id: int) -> Response:
    """The unit's submitter withdraws an application before shortlisting (issue 13: applicants)."""
    applications.withdraw_application(session=db(), services=_services(), user=user(),
                                      application_id=application_id, reason=request.form.get("reason", ""))
    flash(_("申报已撤回，不计入本单位申报数"), "ok")
    return redirect(url_for("web.application_view", application_id=application_id))
