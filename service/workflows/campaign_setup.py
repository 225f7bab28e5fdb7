"""Setting a campaign up: copy last year's, edit it with a reason, see what an edit affects, open the window.

The campaign's settings are the one source of what its items use: the scorers,
criteria, grades and scoring rules are handed to an item's process when it
starts *and again at every step before scoring* (:func:`process_variables`,
called by the task completion), so an item not yet at scoring always scores
with the campaign's current list and rules. An item at or past scoring keeps
what it started scoring with.

Edits need a reason and are audited with every change. Before the campaign is
in use (no application yet) anything may change; once it is, :func:`impact`
says what each change does to the items, and a change that would break
running items (criteria, grades or scoring rules once anything reached scoring,
the close while items still wait for it, the process version) is refused with
a message saying why.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from handlers.registry import HandlerError
from handlers.scoring import check_rules, describe_rules
from service.catalogue import N_, _
from service import clock, timekeeping
from service.auth import policies, visibility
from service.errors import Conflict, Forbidden, NotFound, ValidationFailed
from service.models import Campaign, CampaignScorer, Task, User
from service.repositories import campaigns as repo
from service.repositories import forms as form_repo
from service.repositories import org as org_repo
from service.workflows import audit, calendars
from service.workflows.campaigns import (get_campaign, managed_campaign, owner_for_new, pin_forms, quota_errors,
                                         setting_errors)
from service.workflows.definitions import latest_definition

BEFORE_SCORING = ("submit", "vetting", "preliminary", "presentation")
"""Stages of the appraisal before scoring begins: an item here takes the campaign's current settings."""

DEFAULT_MIN_ELIGIBLE_SCORERS = 5
"""Readiness: scorers each applicant unit keeps after recusal, unless the campaign says otherwise
(five, because the seed's trimming drops the highest and lowest of five or more)."""

DEFAULT_NOTICE_WORKING_DAYS = 5
MAX_NOTICE_WORKING_DAYS = 30
"""The public notice (公示) runs this many working days unless the campaign says otherwise (at most 30)."""

MAX_REASON = 500

EDITABLE: dict[str, str] = {
    "name": N_("名称"), "year": N_("年度"), "opens_at": N_("申报开始时间"), "closes_at": N_("申报截止时间"),
    "criteria": N_("评分项目"), "grades": N_("奖励等次"), "no_award_grade": N_("不授奖等次"),
    "scorer_ids": N_("评审组成员"), "scoring_rules": N_("评分规则"), "reminders": N_("提醒设置"),
    "process_key": N_("流程"), "process_version": N_("流程版本"), "max_applications_per_unit": N_("每单位申报上限"),
    "min_eligible_scorers": N_("回避后最少评分人数"), "applicant_unit_ids": N_("可申报单位"),
    "scoring_quorum": N_("结束评分的法定人数"), "grade_quotas": N_("各等次名额"),
    "notice_working_days": N_("公示期（工作日）"), "shortlist_quorum": N_("初评会议法定人数"),
    "vetting_working_days": N_("主管工会审核期限（截止后工作日）"), "form_versions": N_("表单版本"),
}
"""Every setting the office may edit, with its label (a msgid of the catalogue)."""

SCORING_BOUND = ("criteria", "grades", "no_award_grade", "scoring_rules")
"""Settings an item uses from scoring on: frozen once any item has reached scoring."""


# --------------------------------------------------------------------------- what the process receives


def scoring_rules(campaign: Campaign) -> dict[str, Any]:
    """The campaign's scoring rules with the defaults filled in."""
    return check_rules(campaign.scoring_rules)


def rules_in_words(campaign: Campaign) -> str:
    """The scoring rules in the reader's language (the pages)."""
    return describe_rules(campaign.scoring_rules)


def process_variables(session: Session, campaign: Campaign) -> dict[str, Any]:
    """What the appraisal process takes from its campaign, as the campaign says now."""
    return {
        "scorers": [{"user_id": i, "unit_id": u, "name": n} for i, u, n in repo.current_scorers(session, campaign.id)],
        "criteria": campaign.criteria,
        "grades": campaign.grades,
        "no_award_grade": campaign.no_award_grade,
        "scoring_rules": scoring_rules(campaign),
        "vetting_due_at": vetting_due_at(campaign).isoformat(),
    }


def vetting_due_at(campaign: Campaign) -> datetime:
    """When supervising unions must have vetted: the campaign's ``vetting_working_days`` (default 5) working days
    after the window closes, on the campaign's calendar, at the end of that day (Asia/Shanghai)."""
    days = campaign.vetting_working_days if campaign.vetting_working_days is not None else 5
    return timekeeping.add(campaign.closes_at, timekeeping.parse(f"P{days}WD"), calendars.for_campaign(campaign))


def refreshed_for_step(session: Session, task: Task, campaign: Campaign | None) -> dict[str, Any]:
    """The campaign's current settings for a step completed before scoring (nothing at or after it)."""
    if campaign is None or task.stage not in BEFORE_SCORING:
        return {}
    return process_variables(session, campaign)


def submission_window_error(campaign: Campaign, extended_until: datetime | None = None) -> str | None:
    """Why an application cannot be submitted now (the window is not open), or None.

    ``extended_until`` is a re-entered task's own due date: a return after the
    close gives the unit the campaign's grace period (grace_working_days), and
    inside it the resubmission is allowed.
    """
    now = clock.now()
    window = (f"{clock.local(campaign.opens_at):%Y-%m-%d %H:%M} – {clock.local(campaign.closes_at):%Y-%m-%d %H:%M}")
    if campaign.opened_at is None:
        return _("申报窗口尚未开启（{window}），草稿可先保存", window=window)
    if now < campaign.opens_at:
        return _("申报窗口为 {window}，尚未开始，草稿可先保存", window=window)
    if now > campaign.closes_at and not (extended_until is not None and campaign.closes_at < extended_until
                                         and now <= extended_until):
        return _("申报已于 {at} 截止", at=clock.local(campaign.closes_at).strftime("%Y-%m-%d %H:%M"))
    return None


# --------------------------------------------------------------------------- settings as values


def settings_of(session: Session, campaign: Campaign) -> dict[str, Any]:
    """Every editable setting, as JSON values (times in ISO 8601, Asia/Shanghai)."""
    return {
        "name": campaign.name, "year": campaign.year,
        "opens_at": clock.local(campaign.opens_at).isoformat(), "closes_at": clock.local(campaign.closes_at).isoformat(),
        "criteria": campaign.criteria, "grades": campaign.grades, "no_award_grade": campaign.no_award_grade,
        "scorer_ids": repo.scorer_ids(session, campaign.id), "scoring_rules": scoring_rules(campaign),
        "reminders": campaign.reminders or {}, "process_key": campaign.process_key,
        "process_version": campaign.process_version,
        "max_applications_per_unit": campaign.max_applications_per_unit,
        "min_eligible_scorers": min_eligible_scorers(campaign),
        "applicant_unit_ids": campaign.applicant_unit_ids,
        "scoring_quorum": campaign.scoring_quorum, "grade_quotas": campaign.grade_quotas,
        "notice_working_days": notice_working_days(campaign),
        "shortlist_quorum": campaign.shortlist_quorum,
        "vetting_working_days": campaign.vetting_working_days,
        "form_versions": campaign.form_versions,
    }


def notice_working_days(campaign: Campaign) -> int:
    """The public notice's period in working days (公示期; default 5)."""
    return campaign.notice_working_days if campaign.notice_working_days is not None else DEFAULT_NOTICE_WORKING_DAYS


def min_eligible_scorers(campaign: Campaign) -> int:
    return campaign.min_eligible_scorers if campaign.min_eligible_scorers is not None else DEFAULT_MIN_ELIGIBLE_SCORERS


def _time(value: Any, field: str) -> datetime:
    try:
        return clock.parse_iso(value)
    except (TypeError, ValueError):
        raise ValidationFailed([{"field": field, "message": _("须为 ISO 8601 时间")}]) from None


def _check(session: Session, values: dict[str, Any]) -> None:
    """Every rule a campaign's settings must meet, over the whole set (an edit is checked as the result)."""
    errors = setting_errors(session, year=values["year"], name=values["name"], criteria=values["criteria"],
                            grades=values["grades"], no_award_grade=values["no_award_grade"],
                            scorer_ids=values["scorer_ids"])
    try:
        check_rules(values["scoring_rules"])
    except HandlerError as exc:
        errors.append({"field": "scoring_rules", "message": str(exc)})
    errors.extend(quota_errors(values["grade_quotas"], values["grades"] if isinstance(values["grades"], list) else []))
    for key in ("max_applications_per_unit", "min_eligible_scorers", "scoring_quorum",
                "shortlist_quorum", "vetting_working_days"):
        v = values[key]
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 1000):
            errors.append({"field": key, "message": _("须为 1–1000 的整数或不设")})
    days = values["notice_working_days"]
    if days is not None and (isinstance(days, bool) or not isinstance(days, int)
                             or not 1 <= days <= MAX_NOTICE_WORKING_DAYS):  # None: the default
        errors.append({"field": "notice_working_days", "message": _("须为 1–{n} 的整数", n=MAX_NOTICE_WORKING_DAYS)})
    units = values["applicant_unit_ids"]
    if units is not None:
        known = {u.id for u in repo.all_units(session)}
        if not isinstance(units, list) or not all(isinstance(u, int) and not isinstance(u, bool) for u in units):
            errors.append({"field": "applicant_unit_ids", "message": _("须为单位编号列表")})
        else:
            for u in units:
                if u not in known:
                    errors.append({"field": "applicant_unit_ids", "message": _("单位 {u} 不存在", u=u)})
    if not isinstance(values["reminders"], dict):
        errors.append({"field": "reminders", "message": _("须为对象")})
    version = values["process_version"]
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)
                                or repo.definition_version(session, values["process_key"], version) is None):
        errors.append({"field": "process_version",
                       "message": _("流程 {p0} 没有第 {version} 版", p0=values['process_key'], version=version)})
    errors.extend(_form_version_errors(session, values["form_versions"]))
    if errors:
        raise ValidationFailed(errors)
    if _time(values["closes_at"], "closes_at") <= _time(values["opens_at"], "opens_at"):
        raise ValidationFailed([{"field": "closes_at", "message": _("须晚于开始时间")}])


def _form_version_errors(session: Session, pinned: Any) -> list[dict[str, str]]:
    """Pinned form versions: form key → a deployed version (0: the bundled file)."""
    if pinned is None:
        return []
    if not isinstance(pinned, dict):
        return [{"field": "form_versions", "message": _("须为 表单 → 版本 的对象")}]
    errors = []
    for key, version in sorted(pinned.items()):
        if isinstance(version, bool) or not isinstance(version, int) or version < 0 or (
                version > 0 and form_repo.version(session, key, version) is None):
            errors.append({"field": f"form_versions.{key}",
                           "message": _("表单 {key} 没有第 {version} 版", key=key, version=version)})
    return errors


def _apply(session: Session, campaign: Campaign, values: dict[str, Any]) -> None:
    for key in ("name", "year", "criteria", "grades", "no_award_grade", "scoring_rules", "reminders", "process_key",
                "process_version", "max_applications_per_unit", "min_eligible_scorers", "applicant_unit_ids",
                "scoring_quorum", "grade_quotas", "notice_working_days",
                "shortlist_quorum", "vetting_working_days", "form_versions"):
        setattr(campaign, key, values[key])
    campaign.name = values["name"].strip()
    campaign.opens_at = _time(values["opens_at"], "opens_at")
    campaign.closes_at = _time(values["closes_at"], "closes_at")
    wanted = list(dict.fromkeys(values["scorer_ids"]))
    have = {row.user_id: row for row in campaign.scorer_rows}
    for user_id in set(have) - set(wanted):
        campaign.scorer_rows.remove(have[user_id])
    for user_id in wanted:
        if user_id not in have:
            campaign.scorer_rows.append(CampaignScorer(user_id=user_id))


def _reason(reason: Any) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationFailed([{"field": "reason", "message": _("请说明修改原因")}])
    if len(reason) > MAX_REASON:
        raise ValidationFailed([{"field": "reason", "message": _("至多 {MAX_REASON} 字", MAX_REASON=MAX_REASON)}])
    return reason.strip()


def _manage(user: User) -> None:
    if not policies.can_manage_campaigns(user):
        raise Forbidden(policies.DENIED[policies.can_manage_campaigns])


# --------------------------------------------------------------------------- copy


def _shift_year(value: datetime, years: int) -> datetime:
    local = clock.local(value)
    try:
        moved = local.replace(year=local.year + years)
    except ValueError:  # 29 February
        moved = local.replace(year=local.year + years, day=28)
    return clock.parse_iso(moved.isoformat())


def _named(session: Session, source: Campaign, year: int, adopting: int | None) -> str:
    """The copy's name: the source's with the year moved (a union adopting the federation's: its own name first)."""
    name = source.name.replace(str(source.year), str(year))
    union = org_repo.unit(session, adopting) if adopting is not None else None
    return f"{union.name}{name}" if union is not None else name


def copy_campaign(*, session: Session, user: User, source_id: int | None = None, year: int | None = None,
                  name: str | None = None, reason: str = "", forms: Any = None) -> Campaign:
    """A new campaign with everything of ``source_id`` (default: the copier's newest), its window moved to ``year``.

    A union's office copies its union's campaigns; with none yet, its first starts from the federation's
    newest (same year, its own scorers and units to choose), owned by the union.

    Copied: window (same dates, next year), criteria with weights and maxima, grades, scorers
    (those still active scorers), scoring rules, reminder settings, process and version (the
    version the source ran, pinned), limits and the units that may apply. The copy is not open:
    the office checks readiness and opens its window.
    """
    _manage(user)
    owner = owner_for_new(session, user, None) if source_id is None else None
    adopted = False
    if source_id is not None:
        source = managed_campaign(session, user, source_id)
        owner = source.owner_unit_id
    else:  # the newest of the copier's own campaigns (the federation's, or their union's)
        source = repo.latest_campaign(session, owner_unit_id=owner)
        if source is None and owner is not None:
            # a union's first campaign under its own rules starts from the federation's newest, for its year
            source, adopted = repo.latest_campaign(session, owner_unit_id=None), True
    if source is None:
        raise Conflict(_("没有可复制的评比"))
    year = (source.year if adopted else source.year + 1) if year is None else year
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationFailed([{"field": "year", "message": _("须为 2000–2100 的年份")}])
    if repo.campaign_of_year(session, year, source.process_key, owner) is not None:
        raise Conflict(_("{year} 年度的评比已存在（每年一次）", year=year))
    listed = repo.scorer_ids(session, source.id) if not adopted else []  # a union names its own scorers
    still = {i for i, _, _ in repo.current_scorers(session, source.id)} & repo.users_with_role(session, listed, "scorer")
    version = source.process_version
    if version is None:
        latest = latest_definition(session, source.process_key)
        version = latest.version if latest is not None else None
    shift = year - source.year
    campaign = Campaign(
        year=year, name=(name or _named(session, source, year, owner if adopted else None)).strip()[:200],
        process_key=source.process_key, process_version=version,
        opens_at=_shift_year(source.opens_at, shift), closes_at=_shift_year(source.closes_at, shift),
        criteria=[dict(c) for c in source.criteria], grades=list(source.grades), no_award_grade=source.no_award_grade,
        max_applications_per_unit=source.max_applications_per_unit, reminders=dict(source.reminders or {}),
        scoring_rules=scoring_rules(source), min_eligible_scorers=source.min_eligible_scorers,
        shortlist_quorum=source.shortlist_quorum, vetting_working_days=source.vetting_working_days,
        applicant_unit_ids=list(source.applicant_unit_ids) if source.applicant_unit_ids is not None and not adopted
        else None, scoring_quorum=source.scoring_quorum, notice_working_days=source.notice_working_days,
        grade_quotas=dict(source.grade_quotas) if source.grade_quotas is not None else None,
        copied_from_id=source.id, created_at=clock.now(), owner_unit_id=owner,
        form_versions=dict(source.form_versions) if source.form_versions is not None else None)
    campaign.scorer_rows = [CampaignScorer(user_id=i) for i in listed if i in still]
    if campaign.form_versions is None and forms is not None:
        campaign.form_versions = pin_forms(session, forms, campaign)
    session.add(campaign)
    session.flush()
    audit.record(session, actor=user, action="copy_campaign", object_type="campaign", object_id=campaign.id,
                 detail={"from": source.id, "year": year, "name": campaign.name, "reason": reason.strip()[:MAX_REASON],
                         "scorers_not_copied": sorted(set(listed) - still)}, campaign_id=campaign.id)
    session.commit()
    return campaign


# --------------------------------------------------------------------------- edit with a reason


@dataclass(frozen=True)
class Effect:
    field: str
    message: str
    refused: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "label": _(EDITABLE[self.field]), "message": self.message,
                "refused": self.refused}


def _effect(key: str, msgid: str, refused: bool = False, **params: Any) -> Effect:
    """An effect's message (a msgid of the catalogue) in the reader's language; ``{label}`` names the setting."""
    return Effect(key, _(msgid, label=_(EDITABLE[key]), **params), refused)


def impact(session: Session, campaign: Campaign, before: dict[str, Any], after: dict[str, Any]) -> list[Effect]:
    """What each changed setting does to the campaign's items; ``refused`` where it would break running ones."""
    changed = [k for k in EDITABLE if before[k] != after[k]]
    if not changed:
        return []
    total = repo.application_count(session, campaign.id)
    added = sorted(set(after["scorer_ids"]) - set(before["scorer_ids"]))
    removed = sorted(set(before["scorer_ids"]) - set(after["scorer_ids"]))
    delta = {"added": len(added), "removed": len(removed)}
    if total == 0:
        return [_effect(k, N_("增加 {added} 人、减少 {removed} 人；评比尚未使用，修改立即生效"), **delta)
                if k == "scorer_ids" else _effect(k, N_("评比尚未使用，修改立即生效")) for k in changed]
    by_stage = repo.running_by_stage(session, campaign.id)
    waiting = sum(n for s, n in by_stage.items() if s in BEFORE_SCORING or s == "")
    at_scoring = sum(n for s, n in by_stage.items() if s not in BEFORE_SCORING and s != "")
    reached = repo.scored_count(session, campaign.id) + at_scoring
    in_submit = by_stage.get("submit", 0)
    effects = []
    for key in changed:
        if key in SCORING_BOUND and reached:
            effects.append(_effect(key, N_("已有 {reached} 份申报进入或完成评分，修改{label}会使评分前后标准不一，不能修改"),
                                   True, reached=reached))
        elif key in SCORING_BOUND:
            effects.append(_effect(key, N_("适用于全部 {waiting} 份尚未评分的申报（评分开始时按新设置）"), waiting=waiting))
        elif key == "scorer_ids":
            effects.append(_effect(key, N_("增加 {added} 人、减少 {removed} 人；适用于 {waiting} 份尚未评分的申报"
                                           "（评分开始时按新名单确定评分人）；{at_scoring} 份正在评分的申报保持原评分人"),
                                   waiting=waiting, at_scoring=at_scoring, **delta))
        elif key == "closes_at" and in_submit:
            effects.append(_effect(key, N_("{in_submit} 份申报正在填写或签字，其截止计时已按原截止时间设定；"
                                           "请待这些申报提交或失效后再修改截止时间"), True, in_submit=in_submit))
        elif key in ("process_key", "process_version", "year", "form_versions"):
            effects.append(_effect(key, N_("评比已有 {total} 份申报，不能再修改{label}"), True, total=total))
        elif key == "applicant_unit_ids" and after[key] is not None \
                and (repo.running_units(session, campaign.id) - set(after[key])):
            gone = sorted(repo.running_units(session, campaign.id) - set(after[key]))
            effects.append(_effect(key, N_("单位 {units} 有正在办理的申报，不能移出可申报单位"), True,
                                   units=", ".join(map(str, gone))))
        elif key == "notice_working_days":
            effects.append(_effect(key, N_("适用于今后发布的公示；已发布的公示按发布时的公示期计算")))
        elif key == "max_applications_per_unit":
            effects.append(_effect(key, N_("只影响今后新建的申报；已有申报不受影响")))
        elif key == "vetting_working_days":
            effects.append(_effect(key, N_("适用于今后开始的审核；已在审核中的项目保留原期限")))
        elif key in ("opens_at", "closes_at"):
            effects.append(_effect(key, N_("新的申报窗口适用于今后的提交")))
        else:
            effects.append(_effect(key, N_("立即生效")))
    return effects


def edit_campaign(*, session: Session, user: User, campaign_id: int, changes: dict[str, Any], reason: Any,
                  dry_run: bool = False, forms: Any = None) -> tuple[Campaign, list[dict[str, Any]]]:
    """Change settings with a reason; returns the campaign and what the change affects.

    A change that would break running items is a 409 listing each such effect (nothing changes);
    ``dry_run`` only reports. An edit that changes nothing records nothing.
    """
    campaign = managed_campaign(session, user, campaign_id)
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise ValidationFailed([{"field": k, "message": _("不可修改的设置")} for k in unknown])
    before = settings_of(session, campaign)
    after = {**before, **changes}
    if after["scoring_rules"] is not None:
        try:
            after["scoring_rules"] = check_rules(after["scoring_rules"])
        except HandlerError as exc:
            raise ValidationFailed([{"field": "scoring_rules", "message": str(exc)}]) from None
    else:
        after["scoring_rules"] = check_rules(None)
    if "scorer_ids" in changes and isinstance(changes["scorer_ids"], list):
        after["scorer_ids"] = sorted(dict.fromkeys(changes["scorer_ids"]))
    for key in ("opens_at", "closes_at"):  # compare times as times
        after[key] = clock.local(_time(after[key], key)).isoformat()
    if forms is not None and "form_versions" not in changes and (
            after["process_version"] != before["process_version"] or after["process_key"] != before["process_key"]):
        # another process version uses its own forms: pin those in force now
        probe = Campaign(process_key=after["process_key"], process_version=after["process_version"])
        after["form_versions"] = pin_forms(session, forms, probe)
    _check(session, after)
    if after["year"] != before["year"] and repo.campaign_of_year(session, after["year"], after["process_key"],
                                                                 campaign.owner_unit_id):
        raise Conflict(_("{p0} 年度的评比已存在", p0=after['year']))
    effects = impact(session, campaign, before, after)
    refused = [e for e in effects if e.refused]
    if not dry_run:
        reason_text = _reason(reason)
    if refused and not dry_run:
        raise Conflict("；".join(e.message for e in refused), effects=[e.as_dict() for e in effects])
    if dry_run or not effects:
        session.rollback()
        return campaign, [e.as_dict() for e in effects]
    diff = {k: {"from": before[k], "to": after[k]} for k in EDITABLE if before[k] != after[k]}
    if "scorer_ids" in diff:
        diff["scorer_ids"] = {"added": sorted(set(after["scorer_ids"]) - set(before["scorer_ids"])),
                              "removed": sorted(set(before["scorer_ids"]) - set(after["scorer_ids"]))}
    _apply(session, campaign, after)
    audit.record(session, actor=user, action="edit_campaign", object_type="campaign", object_id=campaign.id,
                 detail={"reason": reason_text, "changes": diff, "effects": [e.as_dict() for e in effects]},
                 campaign_id=campaign.id)
    session.commit()
    return campaign, [e.as_dict() for e in effects]


# --------------------------------------------------------------------------- opening the window


def open_window(*, session: Session, services: Any, user: User, campaign_id: int,
                override_reason: str | None = None) -> tuple[Campaign, dict[str, Any]]:
    """Open the campaign's window: units may submit from ``opens_at`` to ``closes_at``.

    The readiness check runs first; a fatal problem refuses (409 listing the problems) unless
    the office overrides with a reason, which the audit record keeps with the problems it overrode.
    """
    from service.workflows.readiness import check_readiness

    campaign = managed_campaign(session, user, campaign_id)
    if campaign.opened_at is not None:
        raise Conflict(_("申报窗口已于 {at} 开启", at=clock.local(campaign.opened_at).strftime("%Y-%m-%d %H:%M")))
    report = check_readiness(session=session, services=services, campaign=campaign)
    fatal = [p for p in report["problems"] if p["severity"] == "fatal"]
    override = None
    if fatal:
        if override_reason is None or not str(override_reason).strip():
            raise Conflict(_("就绪检查发现 {n} 个严重问题，不能开启申报窗口（可填写原因强行开启）", n=len(fatal)),
                           problems=report["problems"])
        override = _reason(override_reason)
    campaign.opened_at = clock.now()
    campaign.opened_by = user.id
    audit.record(session, actor=user, action="open_window", object_type="campaign", object_id=campaign.id,
                 detail={"override_reason": override, "overridden": [{"code": p["code"], "message": p["message"]}
                                                                     for p in fatal]},
                 campaign_id=campaign.id)
    session.commit()
    return campaign, report


# --------------------------------------------------------------------------- the set-up page


def setup_view(*, session: Session, services: Any, user: User, campaign_id: int) -> dict[str, Any]:
    """Everything the set-up page shows: the settings, the choices, the readiness check, whether in use."""
    from service.workflows.readiness import APPLICANT_UNIT_TYPES, check_readiness

    campaign = managed_campaign(session, user, campaign_id)
    settings = settings_of(session, campaign)
    # who scores is the scorer-identities group (the process administrator manages campaigns without it)
    sees_scorers = visibility.G.SCORER_IDENTITIES in visibility.groups_for(user, None)
    units = [u for u in repo.all_units(session) if policies.in_campaign_tree(u, campaign)]
    chosen = set(settings["applicant_unit_ids"] or [])
    return {
        "campaign": campaign, "settings": settings, "rules_text": rules_in_words(campaign),
        "readiness": check_readiness(session=session, services=services, campaign=campaign),
        "in_use": repo.application_count(session, campaign.id),
        "scorers": [{"id": u.id, "name": u.display_name, "unit": u.unit.name, "active": u.is_active,
                     "chosen": u.id in settings["scorer_ids"]} for u in repo.scorer_candidates(session)]
        if sees_scorers else None,
        "units": [{"id": u.id, "name": u.name, "type": u.type,
                   "chosen": u.id in chosen if settings["applicant_unit_ids"] is not None
                   else u.type in APPLICANT_UNIT_TYPES} for u in units if u.type != "federation"],
        "all_units": settings["applicant_unit_ids"] is None,
        "versions": repo.process_versions(session, campaign.process_key),
        "process_name": getattr(latest_definition(session, campaign.process_key), "name", None) or _("评比流程"),
        "form_titles": {key: _form_title(services, key) for key in (settings["form_versions"] or {})},
        "editable": EDITABLE,
    }


def _form_title(services: Any, key: str) -> str:
    """A form's title as its page shows it (the pinned versions are listed by it, the key beside)."""
    try:
        return str(services.forms.schema(key).get("title") or key)
    except NotFound:
        return key


def copy_sources(*, session: Session, user: User, campaigns: list[Campaign]) -> list[Campaign]:
    """What "copy last year's" offers: the copier's own campaigns (the federation's for its office, the union's for
    a union's), every one it may manage when it serves several."""
    try:
        owner = owner_for_new(session, user, None)
    except ValidationFailed:
        return campaigns
    return [c for c in campaigns if c.owner_unit_id == owner]


def campaign_list(*, session: Session, user: User) -> list[Campaign]:
    """The campaigns the office may see, newest first (the office's list, with "copy last year's")."""
    _manage(user)
    return repo.campaigns_newest_first(session, policies.campaign_filter(user))
