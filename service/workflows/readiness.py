"""Before the window opens: can every unit that may apply actually apply, and every item be scored?

One function, :func:`check_readiness`, gives every problem with a stable code, its
severity (``fatal`` stops the window from opening unless the office overrides with a
reason; ``warning`` is shown), a Chinese message (English beside it) and the link to
the page that fixes it. The rules, one by one:

=====================  =======  ==========================================================
code                   severity  what it finds
=====================  =======  ==========================================================
``no_submitter``       fatal    a unit that may apply has no active submitter (填报人)
``no_leader``          fatal    a unit that may apply has no active main leader (主要领导)
``no_vetter``          fatal    a supervising union with enterprises below it that may apply
                                has no active vetter (初审人)
``too_few_scorers``    fatal    a unit keeps fewer than ``min_eligible_scorers`` scorers after
                                recusal (same unit, or its supervising union)
``no_scorers``         fatal    the campaign lists no active scorer
``criteria``           fatal    the criteria are missing or incomplete (code, name, weight, max)
``grades``             fatal    fewer than two grades, or the no-award grade is not one of them
``scoring_rules``      fatal    the trimming and rounding rules are not valid
``process``            fatal    the campaign's process (version) is not deployed
``form``               fatal    a user task of that process names a form that does not exist
``no_units``           fatal    no unit may apply
``window``             warning  the window closes before now, or opens after it closes
=====================  =======  ==========================================================
"""
from __future__ import annotations

from typing import Any

from handlers.registry import HandlerError
from handlers.scoring import check_rules
from service import clock
from service.catalogue import N_, _
from service.auth import policies
from service.models import Campaign, OrgUnit, VETTING_UNIT_TYPES
from service.repositories import campaigns as repo
from service.workflows import links
from service.workflows.applications import campaign_definition
from service.workflows.campaign_setup import min_eligible_scorers
from service.workflows.campaigns import criteria_errors

APPLICANT_UNIT_TYPES = ("federation_department", "county_union", "development_zone_union", "industry_union",
                        "bureau_union", "direct_grassroots_union", "enterprise")
"""Units that may apply when the campaign names none: every unit but the federation itself (the notice's
addressees: county, zone, industry and bureau unions, directly affiliated grassroots unions, the
federation's departments, and enterprises through their union)."""

CODES = ("no_submitter", "no_leader", "no_vetter", "too_few_scorers", "no_scorers", "criteria", "grades",
         "scoring_rules", "process", "form", "no_units", "window")


def _problem(code: str, msgid: str, link: str, *, severity: str = "fatal", unit_id: int | None = None,
             **params: Any) -> dict[str, Any]:
    """One problem, its message (a msgid of the catalogue) in the reader's language."""
    return {"code": code, "severity": severity, "message": _(msgid, **params), "link": link, "unit_id": unit_id}


def applicant_units(session: Any, campaign: Campaign) -> list[OrgUnit]:
    """The units that may apply in the campaign."""
    units = [u for u in repo.all_units(session) if policies.in_campaign_tree(u, campaign)]
    if campaign.applicant_unit_ids is not None:
        wanted = set(campaign.applicant_unit_ids)
        return [u for u in units if u.id in wanted]
    return [u for u in units if u.type in APPLICANT_UNIT_TYPES]


def check_readiness(*, session: Any, services: Any, campaign: Campaign) -> dict[str, Any]:
    """Every problem that would stop a unit applying or an item being scored, fatal ones first."""
    problems: list[dict[str, Any]] = []
    setup = lambda section: links.campaign_setup(campaign.id, section)  # noqa: E731
    units = applicant_units(session, campaign)
    holders = repo.active_role_holders(session, ("unit_submitter", "unit_leader", "vetter"))
    if not units:
        problems.append(_problem("no_units", N_("没有可申报的单位"), setup("units")))
    for unit in units:
        if not holders["unit_submitter"].get(unit.id):
            problems.append(_problem("no_submitter", N_("单位「{unit}」没有在职的填报人"), links.org_unit(unit.id),
                                     unit_id=unit.id, unit=unit.name))
        if not holders["unit_leader"].get(unit.id):
            problems.append(_problem("no_leader", N_("单位「{unit}」没有在职的主要领导（签字人）"), links.org_unit(unit.id),
                                     unit_id=unit.id, unit=unit.name))
    unions: dict[int, OrgUnit] = {}
    for unit in units:
        if unit.supervising_union_id is not None and unit.parent is not None:
            unions[unit.parent.id] = unit.parent
    for union in sorted(unions.values(), key=lambda u: u.code):
        if union.type in VETTING_UNIT_TYPES and not holders["vetter"].get(union.id):
            problems.append(_problem("no_vetter", N_("主管工会「{union}」下有可申报的企业，但没有在职的初审人"),
                                     links.org_unit(union.id), unit_id=union.id, union=union.name))
    scorers = repo.current_scorers(session, campaign.id)
    needed = min_eligible_scorers(campaign)
    if not scorers:
        problems.append(_problem("no_scorers", N_("评审组没有在职的评分成员"), setup("scorers")))
    else:
        for unit in units:
            left = sum(1 for _, scorer_unit, _ in scorers
                       if scorer_unit != unit.id and scorer_unit != unit.supervising_union_id)
            if left < needed:
                problems.append(_problem(
                    "too_few_scorers", N_("单位「{unit}」的申报回避后只剩 {left} 名评分成员（至少需要 {needed} 名）"),
                    setup("scorers"), unit_id=unit.id, unit=unit.name, left=left, needed=needed))
    if criteria_errors(campaign.criteria):
        problems.append(_problem("criteria", N_("评分项目不完整（每项需有编码、名称、权重和满分）"), setup("criteria")))
    if not isinstance(campaign.grades, list) or len(campaign.grades) < 2 or campaign.no_award_grade not in campaign.grades:
        problems.append(_problem("grades", N_("奖励等次不完整（至少两个等次，且包含不授奖等次）"), setup("grades")))
    try:
        check_rules(campaign.scoring_rules)
    except HandlerError as exc:
        problems.append(_problem("scoring_rules", N_("评分规则无效：{error}"), setup("rules"), error=exc))
    _process_problems(session, services, campaign, problems)
    now = clock.now()
    if campaign.closes_at <= now:
        problems.append(_problem("window", N_("申报截止时间已过"), setup("window"), severity="warning"))
    problems.sort(key=lambda p: (p["severity"] != "fatal", CODES.index(p["code"])))
    fatal = sum(1 for p in problems if p["severity"] == "fatal")
    return {"campaign_id": campaign.id, "ready": fatal == 0, "fatal": fatal, "warnings": len(problems) - fatal,
            "problems": problems, "opened_at": clock.local(campaign.opened_at).isoformat() if campaign.opened_at else None}


def _process_problems(session: Any, services: Any, campaign: Campaign, problems: list[dict[str, Any]]) -> None:
    definition = campaign_definition(session, campaign)
    if definition is None:
        if campaign.process_version:
            problems.append(_problem("process", N_("流程 {key} 第 {version} 版尚未发布"), links.processes_admin(),
                                     key=campaign.process_key, version=campaign.process_version))
        else:
            problems.append(_problem("process", N_("流程 {key} 尚未发布"), links.processes_admin(),
                                     key=campaign.process_key))
        return
    services.forms.sync(session)
    for element, info in sorted((definition.meta or {}).get("user_tasks", {}).items()):
        key = info.get("form_key")
        if key and not services.forms.exists(key):
            problems.append(_problem("form", N_("流程节点「{step}」使用的表单 {key} 不存在"), links.forms_admin(),
                                     step=info.get("name") or element, key=key, element=element))
