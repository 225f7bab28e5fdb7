"""Response bodies: rows shaped by their Read model (service/schemas), then passed through the visibility policy.

The Read model names the keys (``shape``); ``service.auth.visibility`` drops what
the viewer may not see. Shapes that carry an application's data take the
viewer's groups (service.workflows.viewing).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from service.auth import visibility
from service.auth.visibility import Group
from service.schemas.applications import ApplicationRead
from service.schemas.auth import UserRead
from service.schemas.base import shape
from service.schemas.campaigns import CampaignRead
from service.schemas.definitions import DefinitionRead
from service.schemas.instances import EventRead, InstanceRead
from service.schemas.orgs import OrgUnitRead, PersonRead
from service.schemas.tasks import TaskRead
from service.workflows.campaign_setup import notice_working_days, rules_in_words, scoring_rules

if TYPE_CHECKING:  # types only: routes and pages never touch tables (import contract)
    from service.models import Application, Campaign, InstanceEvent, OrgUnit, ProcessDefinition, ProcessInstance, Task, User


def user(u: User) -> dict[str, Any]:
    return shape(UserRead, u, roles=sorted(u.roles))


def org_unit(u: OrgUnit) -> dict[str, Any]:
    return shape(OrgUnitRead, u)


def person(u: User) -> dict[str, Any]:
    """A person as the office manages them: never the password hash, only whether one is set."""
    held = sorted(u.role_rows, key=lambda r: (r.unit_id != u.unit_id, r.unit_id, r.role))
    return shape(PersonRead, u, roles=sorted(r.role for r in u.role_rows if r.unit_id == u.unit_id),
                 role_units=[{"role": r.role, "unit_id": r.unit_id, "unit_name": r.unit.name} for r in held],
                 has_password=u.password_hash.startswith("$argon2"))


def campaign(c: Campaign, groups: frozenset[Group]) -> dict[str, Any]:
    body = shape(CampaignRead, c, scorer_ids=[r.user_id for r in c.scorer_rows], scoring_rules=scoring_rules(c),
                 scoring_rules_text=rules_in_words(c), notice_working_days=notice_working_days(c),
                 owner_name=c.owner.name if c.owner is not None else None)
    return visibility.redact(visibility.CAMPAIGN_FIELDS, body, groups, None)


def application(a: Application, groups: frozenset[Group], viewer_id: int,
                missing: list[dict[str, str]] | None = None) -> dict[str, Any]:
    body = shape(ApplicationRead, a, missing=missing)
    if missing is None:
        del body["missing"]
    return visibility.redact(visibility.APPLICATION_FIELDS, body, groups, viewer_id)


def task(t: Task, groups: frozenset[Group], viewer_id: int) -> dict[str, Any]:
    return visibility.redact(visibility.task_fields(t, viewer_id), shape(TaskRead, t), groups, viewer_id)


def definition(d: ProcessDefinition) -> dict[str, Any]:
    return shape(DefinitionRead, d, user_tasks=d.meta.get("user_tasks", {}),
                 start_variables=d.meta.get("start_variables", []), warnings=d.meta.get("warnings", []))


def instance(i: ProcessInstance, groups: frozenset[Group], viewer_id: int,
             active: list[str] | None = None) -> dict[str, Any]:
    variables = visibility.redact(visibility.VARIABLE_FIELDS, i.variables or {}, groups, viewer_id)
    body = shape(InstanceRead, i, variables=variables, active_elements=active)
    if active is None:
        del body["active_elements"]
    return visibility.redact(visibility.INSTANCE_FIELDS, body, groups, viewer_id)


def event(e: InstanceEvent, lanes: dict[str, str], groups: frozenset[Group], viewer_id: int) -> dict[str, Any]:
    """One history entry; ``lanes`` maps the definition's user tasks to their lanes (who did a step may be private)."""
    return visibility.redact(visibility.event_fields(e.actor_id, lanes.get(e.element_id), viewer_id),
                             shape(EventRead, e), groups, viewer_id)
