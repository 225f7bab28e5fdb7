"""Who may see and act on what. Every endpoint asks one of these.

Roles are held in a unit (``UserRole.unit_id``). Federation-level roles (office,
leading group, …) held in the federation or one of its departments reach every
campaign; held in a union (a county, industry or bureau union running its own
campaign under its implementing rules, 实施细则) they reach that union's
campaigns and those of unions below it, and nothing of the federation's: the
*reach* below is the one rule every list, page and check applies. A unit's own
staff see their unit's applications; a vetter the enterprises under its union; a
scorer the items assigned to them. Tasks are visible to the people who could do
them: the named candidate, or anyone holding the lane's role within the task's
unit scope (a federation-level lane's scope is its campaign's owner).
"""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import ColumnElement, and_, false, or_

from service.catalogue import LazyText, _l
from service.models import ROLES as ROLES  # the roles a lane may name (the modeler offers them)
from service.models import Application, Campaign, OrgUnit, Task, User
from service.repositories import reach as reach_rows

FEDERATION_ROLES = frozenset({"leading_group", "group_leader", "office", "chair_office", "process_admin"})
FEDERATION_UNIT_TYPES = frozenset({"federation", "federation_department"})
"""A role held in one of these serves the federation's campaigns (owner None)."""

# The one rule for lanes whose tasks belong to one unit: lane (role) → the start variable naming
# that unit. An instance stores these once, at its start; every task of every step takes its
# unit from there. A task of such a lane without a unit is visible to no one of that role.
LANE_SCOPE: dict[str, str] = {"unit_submitter": "unit_id", "unit_leader": "unit_id",
                              "vetter": "supervising_union_id"}
# May be given as null: a unit directly under the federation has no supervising union, so its
# instance states it and must never reach the vetter lane (a step that would is refused).
NULLABLE_SCOPE = frozenset({"supervising_union_id"})
SCOPE_VARIABLES = tuple(sorted(set(LANE_SCOPE.values())))
UNIT_ROLES = frozenset(role for role, variable in LANE_SCOPE.items() if variable == "unit_id")
# 督办: the office runs the appraisal and the group leader receives escalations; both follow everyone's open
# work read-only (they are not candidates for other roles' tasks) and may urge its handlers.
SUPERVISING_ROLES = frozenset({"office", "group_leader"})
# Each task of these lanes names its person (a campaign's scorers, whatever unit they belong to): holding the role
# in any unit makes one eligible; the campaign's list says who.
NAMED_ROLES = frozenset({"scorer"})


# --------------------------------------------------------------------------- reach (the one scope rule)


def owner_for(unit: OrgUnit | None) -> int | None:
    """Whose campaigns a federation-level role held in ``unit`` serves: None (the federation's) for the
    federation and its departments, else that union's own."""
    return None if unit is None or unit.type in FEDERATION_UNIT_TYPES else unit.id


def units_with(user: User, roles: Iterable[str]) -> frozenset[int]:
    """The units in which ``user`` holds any of ``roles``."""
    wanted = frozenset(roles)
    return frozenset(r.unit_id for r in user.role_rows if r.role in wanted)


def reach(user: User, roles: Iterable[str] = FEDERATION_ROLES) -> frozenset[int | None]:
    """The campaign owners ``user``'s holdings of ``roles`` serve (None: the federation, hence every campaign)."""
    wanted = frozenset(roles)
    return frozenset(owner_for(r.unit) for r in user.role_rows if r.role in wanted)


def reaches(owners: frozenset[int | None], owner: OrgUnit | None) -> bool:
    """Does a reach of ``owners`` cover a campaign owned by ``owner`` (None: the federation's)?"""
    if None in owners:
        return True
    unit = owner
    while unit is not None:
        if unit.id in owners:
            return True
        unit = unit.parent
    return False


def reaches_campaign(user: User, campaign: Campaign, roles: Iterable[str] = FEDERATION_ROLES) -> bool:
    return reaches(reach(user, roles), campaign.owner)


def owner_filter(column: ColumnElement, owners: frozenset[int | None], name: str) -> ColumnElement[bool] | None:
    """``column`` (a campaign owner) within a reach of ``owners`` (None: no limit)."""
    if None in owners:
        return None
    if not owners:
        return false()
    return column.in_(reach_rows.subtree(owners, name))


def campaign_filter(user: User) -> ColumnElement[bool] | None:
    """A WHERE clause limiting campaigns to those ``user`` may see (None: all).

    The federation's people see every campaign; a union's office (and its other federation-level
    roles) the campaigns it or a union below it runs; a unit's people the federation's campaigns and
    those of the unions above their unit (the campaigns they may take part in); a scorer also those
    naming them.
    """
    managed = owner_filter(Campaign.owner_unit_id, reach(user), "campaign_reach")
    if managed is None:
        return None
    member_units = units_with(user, set(ROLES) - FEDERATION_ROLES)
    clauses = [managed, Campaign.id.in_(reach_rows.campaigns_scored_by(user.id))]
    if member_units:
        clauses.append(or_(Campaign.owner_unit_id.is_(None),
                           Campaign.owner_unit_id.in_(reach_rows.chain_up(member_units, "campaign_member"))))
    return or_(*clauses)


def open_to_unit(unit: OrgUnit) -> ColumnElement[bool]:
    """Campaigns ``unit`` may apply in (``in_campaign_tree`` as SQL): the federation's, and those of the
    unions above it."""
    above = [u.id for u in _chain(unit.parent)]
    return or_(Campaign.owner_unit_id.is_(None), Campaign.owner_unit_id.in_(above)) if above \
        else Campaign.owner_unit_id.is_(None)


def _chain(unit: OrgUnit | None) -> list[OrgUnit]:
    found = []
    while unit is not None:
        found.append(unit)
        unit = unit.parent
    return found


def can_see_campaign(user: User, campaign: Campaign) -> bool:
    """``campaign_filter`` for one campaign."""
    if reaches_campaign(user, campaign):
        return True
    if any(row.user_id == user.id for row in campaign.scorer_rows):
        return True
    owner = campaign.owner
    if owner is None:
        return bool(units_with(user, set(ROLES) - FEDERATION_ROLES))
    for row in user.role_rows:
        if row.role in FEDERATION_ROLES:
            continue
        unit: OrgUnit | None = row.unit
        while unit is not None:
            if unit.id == owner.id:
                return True
            unit = unit.parent
    return False


def can_manage_campaign(user: User, campaign: Campaign) -> bool:
    """Edit, open, check and copy from a campaign: an office (or process administrator) whose reach covers it."""
    return reaches_campaign(user, campaign, {"office", "process_admin"})


def in_campaign_tree(unit: OrgUnit, campaign: Campaign) -> bool:
    """May ``unit`` take part in ``campaign``: any unit in the federation's, a unit below the union in a
    union's own (the union itself runs it)."""
    if campaign.owner_unit_id is None:
        return True
    above = unit.parent
    while above is not None:
        if above.id == campaign.owner_unit_id:
            return True
        above = above.parent
    return False


def sees_all_applications(user: User) -> bool:
    """A federation-level role held for the federation: every campaign's applications."""
    return None in reach(user)


def can_see_application(user: User, application: Application, *, scores_it: bool = False) -> bool:
    if scores_it or reaches_campaign(user, application.campaign):
        return True
    if application.unit_id in units_with(user, UNIT_ROLES):
        return True
    return application.supervising_union_id in units_with(user, {"vetter"})


def application_filter(user: User, scored_ids: ColumnElement[bool] | None = None) -> ColumnElement[bool] | None:
    """A WHERE clause limiting applications to what ``user`` may see (None: all)."""
    owners = reach(user)
    if None in owners:
        return None
    clauses = []
    if owners:
        clauses.append(Application.campaign_id.in_(reach_rows.campaigns_owned_within(owners, "application_reach")))
    unit_ids = units_with(user, UNIT_ROLES)
    if unit_ids:
        clauses.append(Application.unit_id.in_(sorted(unit_ids)))
    vetted = units_with(user, {"vetter"})
    if vetted:
        clauses.append(Application.supervising_union_id.in_(sorted(vetted)))
    if scored_ids is not None:
        clauses.append(scored_ids)
    return or_(*clauses) if clauses else Application.id.is_(None)


def task_supervision_filter(user: User) -> ColumnElement[bool] | None:
    """Tasks ``user`` oversees (督办) within their reach (None: all)."""
    return owner_filter(Task.owner_unit_id, reach(user, SUPERVISING_ROLES | {"process_admin"}), "task_reach")


def unit_filter(user: User, column: ColumnElement) -> ColumnElement[bool] | None:
    """Units (``column``: a unit id) the office manages: every unit for the federation's office, a union's
    subtree for its own (None: all)."""
    return owner_filter(column, reach(user, {"office"}), "unit_reach")


def manages_unit(user: User, unit: OrgUnit | None) -> bool:
    """``unit_filter`` for one unit (None: a unit to be created at the top, the federation's office only)."""
    owners = reach(user, {"office"})
    if None in owners:
        return True
    return unit is not None and reaches(owners, unit)


def can_create_application(user: User) -> bool:
    return "unit_submitter" in user.roles


def task_filter(user: User) -> ColumnElement[bool]:
    """Tasks ``user`` is a candidate for."""
    return or_(*candidate_branches(user))


def candidate_branches(user: User) -> list[ColumnElement[bool]]:
    """``task_filter`` as disjoint parts, each one range of an inbox index.

    Named for the user (``ix_tasks_open_candidate``), or unnamed in one of the
    user's lanes, federation-wide (``ix_tasks_open_pool_wide``) or in the
    user's unit (``ix_tasks_open_pool``):
    an inbox reads each part in due order and merges them, instead of sorting
    every row the OR of them matches.
    """
    branches: list[ColumnElement[bool]] = [Task.candidate_user_id == user.id]
    for role, scope in sorted(_pool_scopes(user), key=lambda item: (item[0], item[1] or 0)):
        pool = and_(Task.candidate_user_id.is_(None), Task.role == role)
        branches.append(and_(pool, Task.unit_id.is_(None) if scope is None else Task.unit_id == scope))
    return branches


def _pool_scopes(user: User) -> set[tuple[str, int | None]]:
    """(role, task unit) of every pool the user draws from: a unit lane's tasks of the unit the role is
    held in; another lane's tasks of the campaign owner the holding serves (None: the federation's)."""
    return {(r.role, r.unit_id if r.role in LANE_SCOPE else owner_for(r.unit)) for r in user.role_rows}


def is_candidate(user: User, task: Task) -> bool:
    if task.candidate_user_id is not None:
        return task.candidate_user_id == user.id
    return holds_lane(user, task)


def holds_lane(user: User, task: Task) -> bool:
    """The user has the task's role within the task's unit scope (whoever the task is named for)."""
    if task.role in NAMED_ROLES:
        return task.role in user.roles
    if task.role in LANE_SCOPE and task.unit_id is None:
        return False
    return (task.role, task.unit_id) in _pool_scopes(user)


def can_reassign(user: User) -> bool:
    """Give an open task to another eligible person (the office runs the appraisal; within its reach,
    ``can_see_task``)."""
    return "office" in user.roles


def can_see_task(user: User, task: Task) -> bool:
    if is_candidate(user, task):
        return True
    owners = reach(user, SUPERVISING_ROLES | {"process_admin"})
    return None in owners or task.owner_unit_id in owners or (
        bool(owners) and task.owner_unit_id is not None and _owner_below(owners, task))


def _owner_below(owners: frozenset[int | None], task: Task) -> bool:
    owner = task.owner
    return reaches(owners, owner)


def can_supervise_tasks(user: User) -> bool:
    return bool(user.roles & SUPERVISING_ROLES)


def can_claim(user: User, task: Task) -> bool:
    return is_candidate(user, task)


def can_complete(user: User, task: Task) -> bool:
    return is_candidate(user, task) and (task.assignee_id is None or task.assignee_id == user.id)


def can_deploy(user: User) -> bool:
    return "process_admin" in user.roles


def can_manage_campaigns(user: User) -> bool:
    return bool(user.roles & {"office", "process_admin"})


def can_manage_org(user: User) -> bool:
    """Units, people, their roles and password resets: the office."""
    return "office" in user.roles


def can_manage_whole_org(user: User) -> bool:
    """The organisation workbook (import, export, template) covers every unit: the federation's office."""
    return None in reach(user, {"office"})


def can_see_results(user: User) -> bool:
    return sees_all_applications(user)


DECIDING_ROLES = frozenset({"leading_group", "group_leader", "office", "chair_office"})
"""The office and the roles that decide the awards (the leading group, its leader, the chair's office)."""


def can_issue_award_documents(user: User) -> bool:
    """The commendation list and the certificates: the office and the deciding roles. Until a public
    notice (公示, issue 14) publishes the list, nobody else."""
    return bool(user.roles & DECIDING_ROLES)


def serves_federation(user: User) -> bool:
    """The federation's office or a process administrator: what spans every campaign (every notification's
    delivery, every incident, processes started by key) is theirs, not a union's office's."""
    return None in reach(user, {"office", "process_admin"})


def can_start_directly(user: User) -> bool:
    """Start a process by key (not the appraisal, which starts with an application)."""
    return serves_federation(user)


def can_handle_incidents(user: User) -> bool:
    """See what failed in running instances and retry it (Camunda's Cockpit: the office and the administrator)."""
    return serves_federation(user)


def can_migrate_instances(user: User) -> bool:
    """Move running instances to another version of their process (Camunda's migration): it spans every campaign
    running that version, so the federation's office or a process administrator."""
    return serves_federation(user)


def can_modify_instances(user: User) -> bool:
    """Cancel an instance's active element and start it again before another (Camunda's modification)."""
    return serves_federation(user)


def can_run_meetings(user: User) -> bool:
    """Schedule and record presentation sessions, enter paper score sheets, close or re-staff scoring, propose
    the grades of the list: the appraisal office."""
    return "office" in user.roles


def can_decide_grades(user: User) -> bool:
    """Set the grades of the whole ranked list in one decision: the leading group's leader."""
    return "group_leader" in user.roles


def can_run_public_notice(user: User) -> bool:
    """Publish the confirmed list as a public notice (公示), see the objections and record findings: the
    federation's office (the notice covers the federation's campaigns; a union's office does not reach them)."""
    return None in reach(user, {"office"})


def can_see_meetings(user: User) -> bool:
    """The meetings' lists (shortlist, group decision, chair's confirmation): the office and the deciding roles."""
    return bool(user.roles & DECIDING_ROLES)


def can_prepare_shortlist(user: User) -> bool:
    return "office" in user.roles


def can_record_shortlist_view(user: User) -> bool:
    return "leading_group" in user.roles


def can_close_shortlist(user: User) -> bool:
    return "group_leader" in user.roles


def can_confirm_awards(user: User) -> bool:
    return "chair_office" in user.roles


def can_forward(user: User) -> bool:
    """Vet the unit's enterprises and forward the approved ones (the supervising union's vetter, for its own)."""
    return "vetter" in user.roles


DENIED: dict[object, LazyText] = {
    can_run_public_notice: _l("只有评比办公室可以发布公示和处理异议"),
    can_run_meetings: _l("只有评比办公室可以办理此事项"),
    can_decide_grades: _l("只有领导小组组长可以确定等次"),
    can_see_results: _l("只有市总工会的评比角色可以查看评比结果"),
    can_see_meetings: _l("只有评比办公室和决定等次的角色可以查看会议名单"),
    can_prepare_shortlist: _l("只有评比办公室可以拟定初评候选名单"),
    can_record_shortlist_view: _l("只有领导小组成员可以对候选名单发表意见"),
    can_close_shortlist: _l("只有领导小组组长可以结束候选名单"),
    can_confirm_awards: _l("只有主席办公会可以确认表彰名单"),
    can_forward: _l("只有主管工会的审核人可以审核并上报所属单位的申报"),
    can_reassign: _l("只有评比办公室可以转派任务"),
    can_migrate_instances: _l("只有市总工会评比办公室或流程管理员可以迁移运行中的流程实例"),
    can_modify_instances: _l("只有市总工会评比办公室或流程管理员可以修改运行中的流程实例"),
    can_handle_incidents: _l("只有市总工会评比办公室或流程管理员可以查看和重试流程异常"),
    can_create_application: _l("只有单位的填报人可以新建申报"),
    can_deploy: _l("只有流程管理员可以部署流程"),
    can_manage_campaigns: _l("只有评比办公室可以创建评比"),
    can_manage_org: _l("只有评比办公室可以管理单位和人员"),
    can_manage_whole_org: _l("只有市总工会评比办公室可以导入和导出整个组织机构表"),
    can_start_directly: _l("只有市总工会评比办公室或流程管理员可以直接启动流程"),
    can_issue_award_documents: _l("只有评比办公室和决定等次的角色可以打印表彰名单和荣誉证书"),
}
"""What a 403 says when a role check fails (the API checks these before reading a body; use cases again)."""
