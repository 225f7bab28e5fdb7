"""Who may see and act on what. Every endpoint asks one of these.

Federation-level roles see every application; a unit's own staff see their
unit's; a vetter sees the enterprises under the union it belongs to; a scorer
sees the items assigned to them. Tasks are visible to the people who could do
them: the named candidate, or anyone holding the lane's role within the
task's unit scope.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_

from service.models import ROLES as ROLES  # the roles a lane may name (the modeler offers them)
from service.models import Application, Task, User

FEDERATION_ROLES = frozenset({"leading_group", "group_leader", "office", "chair_office", "process_admin"})

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


def sees_all_applications(user: User) -> bool:
    return bool(user.roles & FEDERATION_ROLES)


def can_see_application(user: User, application: Application, *, scores_it: bool = False) -> bool:
    if sees_all_applications(user) or scores_it:
        return True
    if user.roles & UNIT_ROLES and application.unit_id == user.unit_id:
        return True
    return "vetter" in user.roles and application.supervising_union_id == user.unit_id


def application_filter(user: User, scored_ids: ColumnElement[bool] | None = None) -> ColumnElement[bool] | None:
    """A WHERE clause limiting applications to what ``user`` may see (None: all)."""
    if sees_all_applications(user):
        return None
    clauses = []
    if user.roles & UNIT_ROLES:
        clauses.append(Application.unit_id == user.unit_id)
    if "vetter" in user.roles:
        clauses.append(Application.supervising_union_id == user.unit_id)
    if scored_ids is not None:
        clauses.append(scored_ids)
    return or_(*clauses) if clauses else Application.id.is_(None)


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
    for role in sorted(user.roles):
        pool = and_(Task.candidate_user_id.is_(None), Task.role == role)
        if role not in LANE_SCOPE:
            branches.append(and_(pool, Task.unit_id.is_(None)))
        if user.unit_id is not None:
            branches.append(and_(pool, Task.unit_id == user.unit_id))
    return branches


def is_candidate(user: User, task: Task) -> bool:
    if task.candidate_user_id is not None:
        return task.candidate_user_id == user.id
    return holds_lane(user, task)


def holds_lane(user: User, task: Task) -> bool:
    """The user has the task's role within the task's unit scope (whoever the task is named for)."""
    if task.role not in user.roles:
        return False
    if task.role in LANE_SCOPE:
        return task.unit_id is not None and task.unit_id == user.unit_id
    return task.unit_id is None or task.unit_id == user.unit_id


def can_reassign(user: User) -> bool:
    """Give any open task to another eligible person (the office runs the appraisal)."""
    return "office" in user.roles


def can_see_task(user: User, task: Task) -> bool:
    return is_candidate(user, task) or can_supervise_tasks(user) or "process_admin" in user.roles


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


def can_see_results(user: User) -> bool:
    return sees_all_applications(user)


DECIDING_ROLES = frozenset({"leading_group", "group_leader", "office", "chair_office"})
"""The office and the roles that decide the awards (the leading group, its leader, the chair's office)."""


def can_issue_award_documents(user: User) -> bool:
    """The commendation list and the certificates: the office and the deciding roles. Until a public
    notice (公示, issue 14) publishes the list, nobody else."""
    return bool(user.roles & DECIDING_ROLES)


def can_start_directly(user: User) -> bool:
    """Start a process by key (not the appraisal, which starts with an application)."""
    return bool(user.roles & {"office", "process_admin"})


def can_handle_incidents(user: User) -> bool:
    """See what failed in running instances and retry it (Camunda's Cockpit: the office and the administrator)."""
    return bool(user.roles & {"office", "process_admin"})


def can_run_meetings(user: User) -> bool:
    """Schedule and record presentation sessions, enter paper score sheets, close or re-staff scoring, propose
    the grades of the list: the appraisal office."""
    return "office" in user.roles


def can_decide_grades(user: User) -> bool:
    """Set the grades of the whole ranked list in one decision: the leading group's leader."""
    return "group_leader" in user.roles


def can_run_public_notice(user: User) -> bool:
    """Publish the confirmed list as a public notice (公示), see the objections and record findings: the office."""
    return "office" in user.roles


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


DENIED: dict[object, str] = {
    can_run_public_notice: "只有评比办公室可以发布公示和处理异议 / only the office publishes notices and records findings",
    can_run_meetings: "only the appraisal office may do this / 仅评比办公室可办理",
    can_decide_grades: "only the group leader decides the grades / 仅领导小组组长可确定等次",
    can_see_results: "only federation roles may see a campaign's results",
    can_see_meetings: "only the office and the deciding roles see the meetings' lists",
    can_prepare_shortlist: "only the appraisal office prepares the shortlist's candidates",
    can_record_shortlist_view: "only members of the leading group record views on the shortlist",
    can_close_shortlist: "only the group leader closes the shortlist",
    can_confirm_awards: "only the chair's office confirms the award list",
    can_forward: "only a supervising union's vetter vets and forwards its enterprises' applications",
    can_reassign: "only the appraisal office may reassign a task",
    can_handle_incidents: "only the office or a process administrator may see and retry incidents",
    can_create_application: "only a unit's submitter may create an application",
    can_deploy: "only process administrators may deploy",
    can_manage_campaigns: "only the office may create campaigns",
    can_manage_org: "only the office may manage units and people",
    can_start_directly: "only the office or a process administrator may start a process directly",
    can_issue_award_documents: "only the office and the deciding roles may print the commendation list and certificates",
}
"""What a 403 says when a role check fails (the API checks these before reading a body; use cases again)."""
