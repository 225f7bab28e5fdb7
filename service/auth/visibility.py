"""Which fields of an application's data a viewer may see, stage by stage: one policy for every response.

Access (may this person open the application at all?) is ``policies``; this module decides what
they see of it once they may. Every field that leaves the service about an application — the JSON
API, the pages, the Excel exports — belongs to a named :class:`Group`; :func:`groups_for` says which
groups a viewer gets from their relation to the application (its unit, its supervising union, one of
its scorers, a federation role) and whether its results are published; :func:`redact` drops the rest
and refuses a field nobody has classified, so a new field cannot leave unreviewed.

Scorers are anonymous to each other and to applicants: only the office and the deciding roles see
who scored what (the scorer identities and the individual sheets); a scorer sees their own sheet.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Mapping, Union

from service import work_kinds
from service.auth import policies
from service.models import Application, Task, User


class Group(StrEnum):
    """Named groups of fields, each shown or hidden as a whole."""

    REFERENCE = "reference"            # campaign set-up, names of things: not about one application
    CONTENT = "content"                # what the unit filed: theme, texts, recognitions, unit, attachments
    WORKFLOW = "workflow"              # status, stage, steps, tasks' names, states and dates
    FEEDBACK = "feedback"              # what the unit is told: its leader's sign-off, its union's vetting and reasons
    INTERNAL_REVIEW = "internal_review"  # leading-group views and who gave them, presentation notes, proposals, deliberation
    SCORE_SUMMARY = "score_summary"    # the item's final score
    CALCULATION = "calculation"        # how the final score was reached: per-scorer totals, dropped, method
    SCORE_SHEETS = "score_sheets"      # each scorer's sheet: values given and comments
    SCORER_IDENTITIES = "scorer_identities"  # who scores or scored the item, who recused and why
    GRADE = "grade"                    # the grade and the outcome
    OWN = "own"                        # the viewer's own entries: forms they completed (a scorer's own sheet), own recusal
    NOTICE = "notice"                  # what a public notice (公示) publishes: its period, each item's unit, title,
                                       # grade and notice status, and an objection's reference, state and finding
    OBJECTOR = "objector"              # who filed an objection, how to reach them and what they wrote


class Capacity(StrEnum):
    """A viewer's relation to one application (a person may hold several)."""

    APPLICANT = "applicant"            # submitter or main leader of the applying unit
    VETTER = "vetter"                  # vetter of the applying unit's supervising union
    SCORER = "scorer"                  # a scorer of this item
    RECUSED_SCORER = "recused_scorer"  # a scorer who stepped aside from this item
    LEADING_GROUP = "leading_group"
    GROUP_LEADER = "group_leader"
    OFFICE = "office"
    CHAIR_OFFICE = "chair_office"
    PROCESS_ADMIN = "process_admin"
    PUBLIC = "public"                  # anyone, logged in or not: the reader of the public notice


G = Group
_DECIDING = frozenset({G.CONTENT, G.WORKFLOW, G.FEEDBACK, G.INTERNAL_REVIEW, G.SCORE_SUMMARY, G.CALCULATION,
                       G.SCORE_SHEETS, G.SCORER_IDENTITIES, G.GRADE})

POLICY: Mapping[Capacity, frozenset[Group]] = {
    Capacity.APPLICANT: frozenset({G.CONTENT, G.WORKFLOW, G.FEEDBACK}),
    Capacity.VETTER: frozenset({G.CONTENT, G.WORKFLOW, G.FEEDBACK}),
    Capacity.SCORER: frozenset({G.CONTENT, G.WORKFLOW}),
    Capacity.RECUSED_SCORER: frozenset({G.CONTENT}),
    Capacity.LEADING_GROUP: _DECIDING,
    Capacity.GROUP_LEADER: _DECIDING,
    Capacity.OFFICE: _DECIDING | {G.OBJECTOR},  # the office records the findings on objections
    Capacity.CHAIR_OFFICE: _DECIDING,
    Capacity.PROCESS_ADMIN: frozenset({G.CONTENT, G.WORKFLOW}),
    Capacity.PUBLIC: frozenset({G.NOTICE}),
}
"""What each capacity sees before the application's results are published."""

ONCE_PUBLISHED = frozenset({G.SCORE_SUMMARY, G.GRADE})
"""What publication adds for everyone who may see the application."""

ALWAYS = frozenset({G.REFERENCE, G.OWN})
"""What every viewer gets: shared reference data and their own entries."""

UNATTACHED = ALWAYS | {G.WORKFLOW}
"""What everyone who may reach data tied to no application gets (e.g. a draft consultation's tasks;
who may reach it is the endpoint's access rule): its workflow, besides what their roles give."""

ACTING = ALWAYS | {G.WORKFLOW}
"""What the answer to one's own claim, release or completion of a task shows: every candidate of a
task may see its workflow, and what they entered is their own; no further lookup is needed."""

_ROLE_CAPACITIES = {c.value: c for c in (Capacity.LEADING_GROUP, Capacity.GROUP_LEADER, Capacity.OFFICE,
                                         Capacity.CHAIR_OFFICE, Capacity.PROCESS_ADMIN)}


def is_published(application: Application) -> bool:
    """Are the application's results published? Its process ended with a final outcome, or a public notice
    (公示) lists its grade now (an upheld objection takes it back until it is noticed again).

    The one definition of publication.
    """
    return application.outcome is not None or application.published_at is not None


def public_groups() -> frozenset[Group]:
    """What a reader without a login sees: the public's capacity alone (everyone else sees at least this)."""
    return POLICY[Capacity.PUBLIC]


def capacities(user: User, application: Application | None, *, scores_it: bool = False) -> frozenset[Capacity]:
    """How ``user`` stands to ``application`` (``scores_it``: they hold a scoring task for it)."""
    if application is None:
        return frozenset(_ROLE_CAPACITIES[r] for r in user.roles if r in _ROLE_CAPACITIES)
    # a federation-level role counts for the campaigns its holding reaches (policies.reach)
    found = {_ROLE_CAPACITIES[r.role] for r in user.role_rows if r.role in _ROLE_CAPACITIES
             and policies.reaches(frozenset({policies.owner_for(r.unit)}), application.campaign.owner)}
    if application.unit_id in policies.units_with(user, policies.UNIT_ROLES):
        found.add(Capacity.APPLICANT)
    if application.supervising_union_id is not None \
            and application.supervising_union_id in policies.units_with(user, {"vetter"}):
        found.add(Capacity.VETTER)
    if scores_it:
        found.add(Capacity.SCORER)
    if any(isinstance(r, dict) and r.get("user_id") == user.id for r in application.recusals or []):
        found.add(Capacity.RECUSED_SCORER)
    return frozenset(found)


def groups_for(user: User, application: Application | None, *, scores_it: bool = False) -> frozenset[Group]:
    """The groups ``user`` may see of ``application`` now (None: data tied to no application)."""
    held = capacities(user, application, scores_it=scores_it)
    seen = set(ALWAYS if application is not None else UNATTACHED)
    for capacity in held:
        seen |= POLICY[capacity]
    if held and application is not None and is_published(application):
        seen |= ONCE_PUBLISHED
    return frozenset(seen)


# --------------------------------------------------------------------------- fields


@dataclass(frozen=True)
class Field:
    """A field's group; ``parts`` classify keys inside its value (a dict, or each dict of a list) more
    strictly, ``rest`` the keys ``parts`` does not name (default: the field's own group), and with
    ``owner`` the rows of a list that name the viewer under that key are their own."""

    group: Group
    parts: Mapping[str, "Spec"] = field(default_factory=dict)
    owner: str | None = None
    rest: Group | None = None


Spec = Union[Group, Field]

CALCULATION = Field(G.CALCULATION, parts={
    "per_scorer": Field(G.CALCULATION, parts={"scorer": G.SCORER_IDENTITIES, "comment": G.SCORE_SHEETS}),
    "dropped": Field(G.CALCULATION, parts={"scorer": G.SCORER_IDENTITIES}),
    "kept": G.SCORER_IDENTITIES,
    "not_scored": G.SCORER_IDENTITIES,  # who had not scored when the office closed scoring at the quorum
})
RECUSALS = Field(G.SCORER_IDENTITIES, owner="user_id")

APPLICATION_FIELDS: Mapping[str, Spec] = {
    **dict.fromkeys(("id", "application_id", "campaign_id", "unit_id", "unit", "unit_name", "supervising_union_id",
                     "theme", "content", "proposer", "refinement", "effects", "recognitions", "category",
                     "conditions", "created_by", "created_at", "updated_at", "submitted_at", "missing",
                     "applicant_type", "applicant_name", "contact_person", "contact_phone"), G.CONTENT),
    "signed_by": G.CONTENT, "withdrawn_at": G.WORKFLOW, "published_at": G.WORKFLOW,  # the signature is on the paper form itself
    "campaign": G.REFERENCE,
    **dict.fromkeys(("status", "stage", "instance_id", "process_instance_id"), G.WORKFLOW),
    "outcome": G.GRADE, "grade": G.GRADE,
    "final_score": G.SCORE_SUMMARY,
    "rank": G.SCORE_SUMMARY, "tied": G.SCORE_SUMMARY,  # the place in the ranked list is read off the scores
    "proposed_grade": G.INTERNAL_REVIEW, "proposal_reasons": G.INTERNAL_REVIEW,  # the office's proposal
    "calculation": CALCULATION,
    "recusals": RECUSALS,
}
"""An application row, its JSON shape and a campaign result row (they share names)."""

VARIABLE_FIELDS: Mapping[str, Spec] = {
    "score_result": CALCULATION,
    "recusals": RECUSALS,
    "eligible_scorers": G.SCORER_IDENTITIES,
    "final_grade": G.GRADE,
    "proposed_grade": G.INTERNAL_REVIEW,
    "chair_decision": G.INTERNAL_REVIEW,
    "shortlisted": G.INTERNAL_REVIEW,
    "vetting_decision": G.FEEDBACK,
    "signoff_decision": G.FEEDBACK,
    "campaign_id": G.WORKFLOW,  # the campaign a campaign-level review instance belongs to
}
"""The process variables an instance shows (``ProcessInstance.variables``)."""

INSTANCE_FIELDS: Mapping[str, Spec] = {
    **dict.fromkeys(("id", "definition_id", "definition_key", "definition_version", "business_key", "status",
                     "started_at", "ended_at", "revision", "active_elements"), G.WORKFLOW),
    "end_event": G.GRADE,
    "variables": G.WORKFLOW,  # a container: its keys are redacted by VARIABLE_FIELDS
}

CAMPAIGN_FIELDS: Mapping[str, Spec] = {
    **dict.fromkeys(("id", "year", "name", "process_key", "opens_at", "closes_at", "criteria", "grades",
                     "no_award_grade", "max_applications_per_unit", "reminders", "scoring_rules",
                     "scoring_rules_text", "min_eligible_scorers", "applicant_unit_ids",
                     "process_version", "opened_at", "copied_from_id", "scoring_quorum", "grade_quotas",
                     "notice_working_days", "shortlist_quorum", "vetting_working_days", "owner_unit_id",
                     "owner_name", "form_versions"), G.REFERENCE),
    "scorer_ids": G.SCORER_IDENTITIES,
}

SCORING_FIELDS: Mapping[str, Spec] = {
    **dict.fromkeys(("application_id", "eligible", "submitted", "open", "can_close"), G.WORKFLOW),
    "quorum": G.REFERENCE,
    "sheets": G.SCORER_IDENTITIES,  # who holds, gave on paper or did not give each sheet: never to applicants
}
"""Where an item's scoring stands (the office's view of the sheets)."""

NOTIFICATION_FIELDS: Mapping[str, Spec] = {
    **dict.fromkeys(("id", "channel", "template", "campaign_id", "status", "attempts", "created_at",
                     "next_attempt_at", "sent_at", "provider_id"), G.WORKFLOW),
    # who was told about a task says who is on it (a scorer, a leading-group member); errors name addresses
    **dict.fromkeys(("recipient_user_id", "recipient_name", "dedupe_key", "last_error"), G.SCORER_IDENTITIES),
}
"""A notification's delivery record (the office's view of the outbox)."""

INCIDENT_FIELDS: Mapping[str, Spec] = {
    **dict.fromkeys(("id", "instance_id", "application_id", "element_id", "element_name", "state", "error",
                     "message", "attempts", "created_at", "failed_at", "resolved_at"), G.WORKFLOW),
    # what a failed scorer selection was given names the scorers; whose step met it may be a scorer's
    **dict.fromkeys(("data", "caused_by", "resolved_by"), G.SCORER_IDENTITIES),
}
"""An incident (the office's and the process administrator's view of what failed)."""

NOTICE_ITEM_FIELDS: Mapping[str, Spec] = {
    **dict.fromkeys(("id", "application_id", "position", "unit_name", "theme", "grade", "status", "status_name"),
                    G.NOTICE),
    "final_score": G.SCORE_SUMMARY,
}
"""An item of a public notice; the rows are built with the item's score, which only the deciding roles keep."""

NOTICE_FIELDS: Mapping[str, Spec] = {
    **dict.fromkeys(("id", "campaign_id", "campaign_name", "year", "status", "status_name", "working_days",
                     "starts_at", "ends_at", "finalised_at", "items", "reexamining", "objections_open"), G.NOTICE),
    "published_by": G.WORKFLOW,
    "pending_objections": G.WORKFLOW,
}
"""A public notice (its ``items`` are redacted by NOTICE_ITEM_FIELDS)."""

OBJECTION_FIELDS: Mapping[str, Spec] = {
    **dict.fromkeys(("reference", "notice_id", "application_id", "theme", "unit_name", "status", "status_name",
                     "filed_at", "found_at", "finding_reasons"), G.NOTICE),
    **dict.fromkeys(("name", "contact", "reason"), G.OBJECTOR),
    **dict.fromkeys(("id", "found_by"), G.WORKFLOW),
}
"""An objection: its reference shows its state and the finding to whoever holds it; who filed it, only to the office."""

PEOPLE = "people"
DATA = "data"
TASK_FIELDS: Mapping[str, Spec | str] = {
    **dict.fromkeys(("id", "name", "element_id", "role", "form_key", "stage", "state", "unit_id", "application_id",
                     "process_instance_id", "instance_id", "due_at", "created_at", "claimed_at", "completed_at"),
                    G.WORKFLOW),
    "candidate_user_id": PEOPLE, "assignee_id": PEOPLE, "completed_by": PEOPLE,
    "data": DATA,
}
"""A task; who is on it (PEOPLE) and what was entered (DATA) take their groups from the task's lane and form."""

EVENT_FIELDS: Mapping[str, Spec | str] = {
    **dict.fromkeys(("id", "element_id", "name", "element_type", "at"), G.WORKFLOW),
    "actor_id": PEOPLE,
    "detail": G.INTERNAL_REVIEW,
}

PEOPLE_BY_LANE: Mapping[str, Group] = {"scorer": G.SCORER_IDENTITIES, "leading_group": G.INTERNAL_REVIEW}
"""Who did a step is workflow, except in these lanes (anonymous scorers, individual leading-group views)."""

DATA_BY_FORM: Mapping[str, Spec] = {
    work_kinds.APPLICATION: G.CONTENT,
    work_kinds.LEADER_SIGNOFF: G.FEEDBACK,
    work_kinds.VETTING: G.FEEDBACK,
    # the leading group's views and reasons are internal; the reason it gives the unit is the unit's feedback
    work_kinds.PRELIMINARY_REVIEW: Field(G.FEEDBACK, parts={"unit_reasons": G.FEEDBACK}, rest=G.INTERNAL_REVIEW),
    work_kinds.PRESENTATION: G.INTERNAL_REVIEW,
    work_kinds.SCORING: G.SCORE_SHEETS,
    work_kinds.GRADE_PROPOSAL: G.INTERNAL_REVIEW,
    work_kinds.GRADE_DECISION: G.INTERNAL_REVIEW,
    work_kinds.CHAIR_CONFIRMATION: G.INTERNAL_REVIEW,
}
"""What a completed form holds; a form not listed here (e.g. one deployed later) is internal until classified."""


def step_groups(*, lane: str | None, form_key: str | None, own: bool) -> tuple[Group, Spec]:
    """(group of who did a step, spec of what they entered); one's own step is one's own."""
    if own:
        return G.OWN, G.OWN
    return PEOPLE_BY_LANE.get(lane or "", G.WORKFLOW), DATA_BY_FORM.get(form_key or "", G.INTERNAL_REVIEW)


def _bind(fields: Mapping[str, Spec | str], people: Group, data: Group) -> dict[str, Spec]:
    bound = {PEOPLE: people, DATA: data}
    return {k: bound[v] if isinstance(v, str) and not isinstance(v, Group) else v for k, v in fields.items()}


def task_fields(task: Task, viewer_id: int | None) -> dict[str, Spec]:
    """TASK_FIELDS for this task and viewer: its lane and form decide, and one's own task is one's own."""
    own = viewer_id is not None and viewer_id in (task.candidate_user_id, task.assignee_id, task.completed_by)
    return _bind(TASK_FIELDS, *step_groups(lane=task.role, form_key=task.form_key, own=own))


def event_fields(actor_id: int | None, lane: str | None, viewer_id: int | None) -> dict[str, Spec]:
    """EVENT_FIELDS for a history entry of a step in ``lane`` done by ``actor_id``."""
    own = actor_id is not None and actor_id == viewer_id
    return _bind(EVENT_FIELDS, step_groups(lane=lane, form_key=None, own=own)[0], G.INTERNAL_REVIEW)


def record_groups(task: Task | None, actor_id: int | None, viewer_id: int | None) -> tuple[Group, Spec]:
    """(who, what) of an audit record about an application (its unit's own edits) or one of its tasks."""
    if task is None:
        return G.WORKFLOW, G.CONTENT
    own = actor_id is not None and actor_id == viewer_id
    return step_groups(lane=task.role, form_key=task.form_key, own=own)


class UnclassifiedField(LookupError):
    """A field reached a response without a group: classify it here before it may be shown."""


_HIDDEN = object()


def redact(fields: Mapping[str, Spec], body: Mapping[str, Any], groups: frozenset[Group],
           viewer_id: int | None) -> dict[str, Any]:
    """``body`` without the fields ``groups`` do not cover; a key ``fields`` does not name raises."""
    out: dict[str, Any] = {}
    for key, value in body.items():
        if key not in fields:
            raise UnclassifiedField(f"{key!r} has no visibility group (service/auth/visibility.py)")
        shown = shown_value(fields[key], value, groups, viewer_id)
        if shown is not _HIDDEN:
            out[key] = shown
    return out


def shown_value(spec: Spec, value: Any, groups: frozenset[Group], viewer_id: int | None) -> Any:
    """What of ``value`` the viewer sees (``_HIDDEN``: nothing)."""
    spec = spec if isinstance(spec, Field) else Field(spec)
    if spec.owner is not None and isinstance(value, list) and spec.group not in groups:
        value = [row for row in value if isinstance(row, dict) and viewer_id is not None
                 and row.get(spec.owner) == viewer_id] if G.OWN in groups else []
        if not value:
            return _HIDDEN
    elif spec.group not in groups:
        return _HIDDEN
    if not spec.parts and spec.rest is None:
        return value
    if isinstance(value, dict):
        return _parts(spec, value, groups, viewer_id)
    if isinstance(value, list):
        return [_parts(spec, v, groups, viewer_id) if isinstance(v, dict) else v for v in value]
    return value


def covers(spec: Spec, groups: frozenset[Group]) -> bool:
    """Does a viewer with ``groups`` see anything of a field classified ``spec``?"""
    return (spec.group if isinstance(spec, Field) else spec) in groups


def seen_data(spec: Spec, value: Any, groups: frozenset[Group], viewer_id: int | None) -> Any:
    """What of ``value`` (e.g. a completed form's data) the viewer sees under ``spec``; None: nothing."""
    shown = shown_value(spec, value, groups, viewer_id)
    return None if shown is _HIDDEN or shown == {} else shown


def _parts(spec: Field, value: dict[str, Any], groups: frozenset[Group], viewer_id: int | None) -> dict[str, Any]:
    out = {}
    for key, item in value.items():
        part = spec.parts.get(key, spec.rest)
        shown = shown_value(part, item, groups, viewer_id) if part is not None else item
        if shown is not _HIDDEN:
            out[key] = shown
    return out


class Seen:
    """A row as one viewer may see it, for the pages: a hidden field reads as None.

    Reading a field that ``fields`` does not classify raises, like :func:`redact`.
    """

    __slots__ = ("_row", "_fields", "_groups", "_viewer_id")

    def __init__(self, row: Any, fields: Mapping[str, Spec], groups: frozenset[Group], viewer_id: int | None):
        self._row, self._fields, self._groups, self._viewer_id = row, fields, groups, viewer_id

    def __getattr__(self, name: str) -> Any:
        if name not in self._fields:
            raise UnclassifiedField(f"{name!r} has no visibility group (service/auth/visibility.py)")
        shown = shown_value(self._fields[name], getattr(self._row, name), self._groups, self._viewer_id)
        return None if shown is _HIDDEN else shown

    def sees(self, group: str) -> bool:
        return Group(group) in self._groups


def seen_application(application: Application, groups: frozenset[Group], viewer_id: int | None) -> Seen:
    return Seen(application, APPLICATION_FIELDS, groups, viewer_id)
