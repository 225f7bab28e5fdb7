"""Campaigns: one appraisal a year, with its window, scorers, criteria and grades."""
from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy.orm import Session

from service.catalogue import _
from service import clock, work_kinds
from service.auth import policies, visibility
from service.errors import Conflict, Forbidden, NotFound, ValidationFailed
from service.models import Campaign, CampaignScorer, User
from service.repositories import applications as application_repo
from service.repositories import campaigns as repo
from service.repositories import org as org_repo
from service.repositories import users as user_repo
from service.workflows import audit, definitions, viewing
from service.workflows import forms as form_rules
from service.workflows.forms import FormRegistry

MAX_ID = 2**31 - 1


def default_window(year: int) -> tuple[datetime, datetime]:
    """25 December 00:00 to 31 December 23:59:59, Asia/Shanghai, as the seed sets."""
    opens = datetime.combine(datetime(year, 12, 25).date(), time(0, 0), clock.SHANGHAI)
    closes = datetime.combine(datetime(year, 12, 31).date(), time(23, 59, 59), clock.SHANGHAI)
    return clock.parse_iso(opens.isoformat()), clock.parse_iso(closes.isoformat())


def criteria_errors(criteria: Any) -> list[dict[str, str]]:
    if not isinstance(criteria, list) or not criteria:
        return [{"field": "criteria", "message": _("至少需要一项评分标准")}]
    errors, codes = [], set()
    for i, c in enumerate(criteria):
        if not isinstance(c, dict) or not isinstance(c.get("code"), str) or not c.get("code"):
            errors.append({"field": f"criteria.{i}.code", "message": _("必填")})
            continue
        if c["code"] in codes:
            errors.append({"field": f"criteria.{i}.code", "message": _("代码重复")})
        codes.add(c["code"])
        for key in ("weight", "max"):
            value = c.get(key)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                errors.append({"field": f"criteria.{i}.{key}", "message": _("须为正数")})
        if not isinstance(c.get("name"), str) or not c.get("name"):
            errors.append({"field": f"criteria.{i}.name", "message": _("必填")})
    return errors


def quota_errors(quotas: Any, grades: list[str]) -> list[dict[str, str]]:
    """What is wrong with a campaign's ``grade_quotas`` setting (shape: {grade: {"max": n} | {"share": 0..1}})."""
    if quotas is None:
        return []
    if not isinstance(quotas, dict):
        return [{"field": "grade_quotas", "message": _("须为各等次名额的设置")}]
    errors = []
    for grade, rule in quotas.items():
        where = f"grade_quotas.{grade}"
        if grade not in grades:
            errors.append({"field": where, "message": _("「{grade}」不是本次评比的等次", grade=grade)})
        elif not isinstance(rule, dict) or len(rule) != 1 or not set(rule) <= {"max", "share"}:
            errors.append({"field": where, "message": _("须为名额上限（项数）或比例，二者选一")})
        elif "max" in rule and (isinstance(rule["max"], bool) or not isinstance(rule["max"], int)
                                or not 0 <= rule["max"] <= 10000):
            errors.append({"field": f"{where}.max", "message": _("须为 0–10000 的整数")})
        elif "share" in rule and (isinstance(rule["share"], bool) or not isinstance(rule["share"], (int, float))
                                  or not 0 <= rule["share"] <= 1):
            errors.append({"field": f"{where}.share", "message": _("须为 0–1 的比例")})
    return errors


def setting_errors(session: Session, *, year: Any, name: Any, criteria: Any, grades: Any, no_award_grade: Any,
                   scorer_ids: Any) -> list[dict[str, str]]:
    """What is wrong with a campaign's year, name, criteria, grades and scorers (creation and edits share it)."""
    errors = criteria_errors(criteria)
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        errors.append({"field": "year", "message": _("须为 2000 到 2100 之间的年份")})
    if not isinstance(name, str) or not name.strip():
        errors.append({"field": "name", "message": _("必填")})
    elif len(name) > 200:
        errors.append({"field": "name", "message": _("最多 200 个字符")})
    if not isinstance(grades, list) or len(grades) < 2 or not all(isinstance(g, str) and g for g in grades):
        errors.append({"field": "grades", "message": _("至少需要两个等级名称")})
    elif no_award_grade not in grades:
        errors.append({"field": "no_award_grade", "message": _("须为其中一个等级")})
    errors.extend(_scorer_errors(session, scorer_ids))
    return errors


def create_campaign(*, session: Session, user: User | None, year: int, name: str, criteria: list[dict],
                    grades: list[str], no_award_grade: str, scorer_ids: list[int],
                    opens_at: datetime | None = None, closes_at: datetime | None = None,
                    process_key: str = work_kinds.APPRAISAL_PROCESS, max_applications_per_unit: int | None = None,
                    reminders: dict[str, Any] | None = None, opened: bool = False, commit: bool = True,
                    forms: FormRegistry | None = None, **settings: Any) -> Campaign:
    """Create a year's campaign; the window defaults to 25–31 December.

    The window is not open until the office opens it (readiness check, ``campaign_setup.open_window``);
    ``opened`` opens it at once (the demo, fixtures). ``settings``: the other columns the set-up page
    edits (``scoring_rules``, ``min_eligible_scorers``, ``applicant_unit_ids``, ``process_version``).
    """
    if user is not None and not policies.can_manage_campaigns(user):
        raise Forbidden(policies.DENIED[policies.can_manage_campaigns])
    owner_unit_id = settings.pop("owner_unit_id", None)
    if user is not None:
        owner_unit_id = owner_for_new(session, user, owner_unit_id)
    errors = setting_errors(session, year=year, name=name, criteria=criteria, grades=grades,
                            no_award_grade=no_award_grade, scorer_ids=scorer_ids)
    errors.extend(quota_errors(settings.get("grade_quotas"), grades if isinstance(grades, list) else []))
    if errors:
        raise ValidationFailed(errors)
    default_open, default_close = default_window(year)
    opens_at, closes_at = opens_at or default_open, closes_at or default_close
    if closes_at <= opens_at:
        raise ValidationFailed([{"field": "closes_at", "message": _("须晚于 opens_at")}])
    if repo.of_year(session, year, process_key, owner_unit_id=owner_unit_id) is not None:
        raise Conflict(_("{year} 年的 {process_key} 评比活动已经存在（每年一次）", process_key=process_key, year=year))
    now = clock.now()
    campaign = Campaign(year=year, name=name.strip(), process_key=process_key, opens_at=opens_at, closes_at=closes_at,
                        criteria=criteria, grades=grades, no_award_grade=no_award_grade,
                        max_applications_per_unit=max_applications_per_unit, reminders=reminders or {},
                        created_at=now, opened_at=now if opened else None, owner_unit_id=owner_unit_id, **settings)
    campaign.scorer_rows = [CampaignScorer(user_id=i) for i in dict.fromkeys(scorer_ids)]
    if forms is not None and campaign.form_versions is None:
        campaign.form_versions = pin_forms(session, forms, campaign)
    session.add(campaign)
    session.flush()
    audit.record(session, actor=user, action="create", object_type="campaign", object_id=campaign.id,
                 detail={"year": year, "name": name}, campaign_id=campaign.id)
    if commit:
        session.commit()
    return campaign


def _scorer_errors(session: Session, scorer_ids: Any) -> list[dict[str, str]]:
    if not isinstance(scorer_ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) and 1 <= i <= MAX_ID for i in scorer_ids):
        return [{"field": "scorer_ids", "message": _("须为用户 id 的列表")}]
    errors = []
    for i in scorer_ids:
        scorer = user_repo.by_id(session, i)
        if scorer is None or "scorer" not in scorer.roles:
            errors.append({"field": "scorer_ids", "message": _("用户 {i} 不是评分成员", i=i)})
    return errors


def update_scorers(*, session: Session, user: User, campaign_id: int, scorer_ids: list[int]) -> Campaign:
    """Replace the campaign's scorers. Applications re-read them when a failed scorer selection is
    retried (an incident's retry); scoring tasks already open keep their scorers."""
    campaign = managed_campaign(session, user, campaign_id)
    errors = _scorer_errors(session, scorer_ids)
    if errors:
        raise ValidationFailed(errors)
    wanted = list(dict.fromkeys(scorer_ids))
    before = [r.user_id for r in campaign.scorer_rows]
    if set(wanted) == set(before):  # the rows keep no order (PostgreSQL returns them as it finds them)
        session.rollback()  # already so: nothing changes, nothing to record
        return campaign
    campaign.scorer_rows = [CampaignScorer(user_id=i) for i in wanted]
    audit.record(session, actor=user, action="update_scorers", object_type="campaign", object_id=campaign.id,
                 detail={"before": before, "after": wanted}, campaign_id=campaign.id)
    session.commit()
    return campaign


def process_form_keys(session: Session, campaign: Campaign) -> list[str]:
    """The forms the user tasks of the campaign's process version name."""
    if campaign.process_version is not None:
        definition = repo.definition_version(session, campaign.process_key, campaign.process_version)
    else:
        definition = definitions.latest_definition(session, campaign.process_key)
    tasks = definition.meta.get("user_tasks", {}) if definition is not None else {}
    return [info.get("form_key", "") for info in tasks.values()]


def pin_forms(session: Session, registry: FormRegistry, campaign: Campaign) -> dict[str, int]:
    """The versions in force now of the forms the campaign's process version uses (what the campaign records)."""
    registry.sync(session)
    return form_rules.pinned_versions(session, registry, process_form_keys(session, campaign))


def owner_for_new(session: Session, user: User, wanted: int | None) -> int | None:
    """Whose a campaign ``user`` creates is: the union their office serves (a union's office runs its own
    campaigns, 实施细则), the federation's for the federation's office unless it names a union.
    A person serving several unions names one (``owner_unit_id``)."""
    owners = policies.reach(user, {"office", "process_admin"})
    if wanted is not None:
        unit = org_repo.unit(session, wanted)
        if unit is None or not policies.reaches(owners, unit):
            raise ValidationFailed([{"field": "owner_unit_id",
                                     "message": _("须为您所管辖的单位")}])
        return None if policies.owner_for(unit) is None else unit.id
    if None in owners:
        return None
    if len(owners) != 1:
        raise ValidationFailed([{"field": "owner_unit_id",
                                 "message": _("您在多个工会任职，请选择评比所属的工会")}])
    return next(iter(owners))


def get_campaign(session: Session, campaign_id: int) -> Campaign:
    campaign = repo.by_id(session, campaign_id)
    if campaign is None:
        raise NotFound(_("评比活动 {campaign_id} 不存在", campaign_id=campaign_id))
    return campaign


def visible_campaign(session: Session, user: User, campaign_id: int) -> Campaign:
    """The campaign if ``user`` may see it; another union's campaign does not exist for them (404)."""
    campaign = get_campaign(session, campaign_id)
    if not policies.can_see_campaign(user, campaign):
        raise NotFound(_("评比活动 {campaign_id} 不存在", campaign_id=campaign_id))
    return campaign


def managed_campaign(session: Session, user: User, campaign_id: int) -> Campaign:
    """The campaign if ``user``'s office reaches it (404 if they cannot see it, 403 if they only see it)."""
    if not policies.can_manage_campaigns(user):
        raise Forbidden(policies.DENIED[policies.can_manage_campaigns])
    campaign = visible_campaign(session, user, campaign_id)
    if not policies.can_manage_campaign(user, campaign):
        raise Forbidden(_("本评比由其他工会组织，您无权管理"))
    return campaign


def reached_campaign(session: Session, user: User, campaign_id: int, refusal: object) -> Campaign:
    """The campaign if a federation-level role of ``user`` reaches it (the dashboard, results, exports,
    award documents): 404 if they cannot see it, 403 with ``refusal`` if they only take part in it."""
    campaign = visible_campaign(session, user, campaign_id)
    if not policies.reaches_campaign(user, campaign):
        raise Forbidden(refusal)
    return campaign


def list_campaigns(session: Session, user: User) -> list[Campaign]:
    """The campaigns ``user`` may see, newest first."""
    return repo.newest_first(session, policies.campaign_filter(user))


def results(*, session: Session, user: User, campaign_id: int) -> list[dict[str, Any]]:
    """Every application entered into the campaign with its outcome, grade and calculation, ranked.

    Drafts, items back with their unit, lapsed and withdrawn ones are not entered (``applications.NOT_ENTERED``).
    Each row shows what the viewer may see of it (service.auth.visibility); the ranking uses only
    the scores they may see, so the order gives nothing away either.
    """
    reached_campaign(session, user, campaign_id, "only federation roles may see a campaign's results")
    apps = application_repo.entered_of_campaign(session, campaign_id)
    groups = viewing.by_application(session, user, apps)
    rows = [visibility.redact(visibility.APPLICATION_FIELDS, {
        "application_id": a.id, "unit_id": a.unit_id, "unit_name": a.unit.name, "theme": a.theme,
        "status": a.status, "stage": a.stage, "outcome": a.outcome, "grade": a.grade,
        "final_score": float(a.final_score) if a.final_score is not None else None,
        "calculation": a.calculation, "recusals": a.recusals,
    }, groups[a.id], user.id) for a in apps]
    rows.sort(key=lambda r: (r.get("final_score") is None, -(r.get("final_score") or 0), r["application_id"]))
    return rows
