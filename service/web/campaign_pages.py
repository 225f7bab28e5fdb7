"""The office's campaign pages: the list with "copy last year's", the set-up page (edit with a reason,
see what an edit affects, the readiness check) and opening the window."""
from __future__ import annotations

import json
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.errors import Conflict, ValidationFailed
from service.web.blueprint import bp
from service.web.i18n import MESSAGES, lang, t
from service.web.security import db, login_required, user
from service.workflows import applications, campaign_setup

_TEXTS = {  # until the gettext catalogue lands (i18n helper), the set-up page's texts live here
    "campaigns": {"zh-CN": "评比活动", "en": "Campaigns"},
    "campaign_setup": {"zh-CN": "评比设置", "en": "Campaign set-up"},
    "copy_last_year": {"zh-CN": "复制上一年度评比", "en": "Copy last year's campaign"},
    "copy_hint": {"zh-CN": "复制申报时间、评分项目（权重、满分）、奖励等次、评审组成员、评分规则、提醒设置、流程版本和申报范围，年度加一。",
                  "en": "Copies the window, criteria (weights, maxima), grades, scorers, scoring rules, reminders, "
                        "process version and the units that may apply, one year on."},
    "readiness": {"zh-CN": "就绪检查", "en": "Readiness check"},
    "ready": {"zh-CN": "已就绪，可以开启申报窗口", "en": "Ready: the window can open"},
    "not_ready": {"zh-CN": "未就绪：{n} 个严重问题", "en": "Not ready: {n} fatal problem(s)"},
    "fix": {"zh-CN": "去处理", "en": "Fix"},
    "open_window": {"zh-CN": "开启申报窗口", "en": "Open the window"},
    "override_reason": {"zh-CN": "强行开启的原因（有严重问题时必填）", "en": "Reason to open despite fatal problems"},
    "window_opened": {"zh-CN": "申报窗口已开启：{at}", "en": "Window opened: {at}"},
    "window_not_opened": {"zh-CN": "申报窗口尚未开启", "en": "The window has not been opened"},
    "in_use": {"zh-CN": "已有 {n} 份申报：修改前可先“预览影响”", "en": "{n} application(s): preview an edit's effects first"},
    "reason": {"zh-CN": "修改原因（必填）", "en": "Reason (required)"},
    "preview": {"zh-CN": "预览影响", "en": "Preview effects"},
    "save": {"zh-CN": "保存", "en": "Save"},
    "effects": {"zh-CN": "修改的影响", "en": "Effects of the edit"},
    "refused": {"zh-CN": "不能修改", "en": "Refused"},
    "nothing_changed": {"zh-CN": "没有改动", "en": "Nothing changed"},
    "window": {"zh-CN": "申报时间（北京时间）", "en": "Submission window (Asia/Shanghai)"},
    "opens_at": {"zh-CN": "开始", "en": "Opens"},
    "closes_at": {"zh-CN": "截止", "en": "Closes"},
    "scorers_section": {"zh-CN": "评审组成员", "en": "Scorers"},
    "inactive": {"zh-CN": "已停用", "en": "inactive"},
    "scorers_office_only": {"zh-CN": "评审组成员名单仅评比办公室可见", "en": "Only the appraisal office sees who scores"},
    "criteria_section": {"zh-CN": "评分项目", "en": "Criteria"},
    "code": {"zh-CN": "编码", "en": "Code"},
    "max_score": {"zh-CN": "满分", "en": "Maximum"},
    "description": {"zh-CN": "说明", "en": "Description"},
    "grades_section": {"zh-CN": "奖励等次（每行一个）", "en": "Grades (one per line)"},
    "no_award_grade": {"zh-CN": "不授奖等次", "en": "No-award grade"},
    "drafts_before_window": {"zh-CN": "申报窗口尚未开启（{opens} 起可提交），可先填写并保存草稿",
                             "en": "The window has not opened yet (submissions from {opens}); drafts can be saved now"},
    "unit_not_invited": {"zh-CN": "本单位不在本次评比的申报范围内", "en": "Your unit is not among the units that may apply"},
    "withdraw": {"zh-CN": "撤回申报", "en": "Withdraw"},
    "withdraw_reason": {"zh-CN": "撤回原因", "en": "Reason"},
    "withdrawn_note": {"zh-CN": "申报已撤回，不计入本单位申报数", "en": "Withdrawn: it no longer counts against your unit's limit"},
    "scoring_rules": {"zh-CN": "计分规则", "en": "How the score is calculated"},
    "rules_section": {"zh-CN": "评分规则（评分人评分前可见）", "en": "Scoring rules (shown to scorers before they score)"},
    "trim_min_count": {"zh-CN": "评分满几份时去掉最高、最低分", "en": "Trim from this many score sheets"},
    "trim_each_side": {"zh-CN": "各去掉几个", "en": "Dropped each side"},
    "decimals": {"zh-CN": "保留小数位数", "en": "Decimals"},
    "rounding": {"zh-CN": "舍入方式", "en": "Rounding"},
    "half_up": {"zh-CN": "四舍五入", "en": "Half up"},
    "half_even": {"zh-CN": "四舍六入五成双", "en": "Half to even"},
    "limits_section": {"zh-CN": "名称与限额", "en": "Name and limits"},
    "max_per_unit": {"zh-CN": "每单位申报上限（空：不限）", "en": "Applications per unit (empty: no limit)"},
    "min_scorers": {"zh-CN": "回避后每单位至少保留的评分人数", "en": "Scorers each unit keeps after recusal"},
    "units_section": {"zh-CN": "可申报单位", "en": "Units that may apply"},
    "all_unit_types": {"zh-CN": "除市总工会外的全部单位", "en": "Every unit but the federation"},
    "chosen_units": {"zh-CN": "只限勾选的单位", "en": "Only the units ticked"},
    "process_section": {"zh-CN": "流程版本", "en": "Process version"},
    "latest": {"zh-CN": "最新版本", "en": "the latest"},
    "reminders_section": {"zh-CN": "提醒设置（JSON，见说明文档）", "en": "Reminders (JSON, see the README)"},
    "setup": {"zh-CN": "设置", "en": "Set up"},
    "year": {"zh-CN": "年度", "en": "Year"},
    "none_yet": {"zh-CN": "还没有评比活动", "en": "No campaign yet"},
}
for _key, _text in _TEXTS.items():
    MESSAGES.setdefault(_key, _text)

SECTIONS = ("window", "scorers", "criteria", "grades", "rules", "limits", "units", "process", "reminders")


@bp.get("/office/campaigns")
@login_required
def campaign_list() -> str:
    return render_template("campaigns.html", campaigns=campaign_setup.campaign_list(session=db(), user=user()))


@bp.post("/office/campaigns/copy")
@login_required
def campaign_copy() -> Response:
    source = request.form.get("source_id") or None
    campaign = campaign_setup.copy_campaign(session=db(), user=user(), source_id=int(source) if source and
                                            source.isdigit() else None, reason=request.form.get("reason", ""))
    flash(f"{t('saved')}：{campaign.name}", "ok")
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
            _, effects = campaign_setup.edit_campaign(session=db(), user=user(), campaign_id=campaign_id,
                                                      changes=changes, reason=request.form.get("reason"),
                                                      dry_run=preview)
        except ValidationFailed as exc:
            errors, status = exc.errors, 422
        except Conflict as exc:
            effects = exc.extra.get("effects") or []
            errors, status = [{"field": section, "message": exc.detail}], 409
        else:
            if not preview:
                flash(t("saved") if effects else t("nothing_changed"), "ok")
                for e in effects:
                    flash(f"{e['label']}：{e['message'] if lang() == 'zh-CN' else e['message_en']}", "ok")
                return redirect(url_for("web.campaign_setup_page", campaign_id=campaign_id) + f"#{section}")
    data = campaign_setup.setup_view(session=db(), services=_services(), user=user(), campaign_id=campaign_id)
    return render_template("campaign_setup.html", errors=errors, effects=effects, section=section,
                           form=request.form if errors else {}, **data), status


@bp.post("/office/campaigns/<int:campaign_id>/open")
@login_required
def campaign_open(campaign_id: int) -> Any:
    reason = request.form.get("override_reason") or None
    try:
        campaign, _ = campaign_setup.open_window(session=db(), services=_services(), user=user(),
                                                 campaign_id=campaign_id, override_reason=reason)
    except Conflict as exc:
        flash(exc.detail, "error")
        return redirect(url_for("web.campaign_setup_page", campaign_id=campaign_id) + "#readiness")
    flash(t("window_opened", at=campaign.opened_at.isoformat()[:16]), "ok")
    return redirect(url_for("web.campaign_setup_page", campaign_id=campaign_id))


# --------------------------------------------------------------------------- form → changes


def _int(form: Any, name: str, *, blank: Any = ...) -> Any:
    text = (form.get(name) or "").strip()
    if not text and blank is not ...:
        return blank
    try:
        return int(text)
    except ValueError:
        raise ValidationFailed([{"field": name, "message": "须为整数 / must be an integer"}]) from None


def _number(text: str, field: str) -> int | float:
    try:
        value = float(text)
    except ValueError:
        raise ValidationFailed([{"field": field, "message": "须为数字 / must be a number"}]) from None
    return int(value) if value.is_integer() else value


def _local_time(text: str, field: str) -> str:
    """A datetime-local input (Asia/Shanghai wall time) as ISO 8601 with its offset."""
    text = (text or "").strip()
    if len(text) == 16:
        text += ":00"
    if len(text) != 19:
        raise ValidationFailed([{"field": field, "message": "须为日期和时间 / must be a date and time"}])
    return text + "+08:00"


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
                "min_eligible_scorers": _int(form, "min_eligible_scorers", blank=None)}
    if section == "units":
        if form.get("units_mode") == "all":
            return {"applicant_unit_ids": None}
        return {"applicant_unit_ids": sorted(int(v) for v in form.getlist("unit_ids") if v.isdigit())}
    if section == "process":
        return {"process_version": _int(form, "process_version", blank=None)}
    if section == "reminders":
        try:
            value = json.loads(form.get("reminders") or "{}")
        except ValueError:
            raise ValidationFailed([{"field": "reminders", "message": "不是有效的 JSON / not valid JSON"}]) from None
        return {"reminders": value}
    raise ValidationFailed([{"field": "section", "message": "未知的设置 / unknown section"}])


@bp.post("/applications/<int:application_id>/withdraw")
@login_required
def application_withdraw(application_id: int) -> Response:
    """The unit's submitter withdraws an application before shortlisting (issue 13: applicants)."""
    applications.withdraw_application(session=db(), services=_services(), user=user(),
                                      application_id=application_id, reason=request.form.get("reason", ""))
    flash(t("withdrawn_note"), "ok")
    return redirect(url_for("web.application_view", application_id=application_id))
