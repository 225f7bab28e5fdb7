"""Read models for the pages: the office's campaign dashboard, timelines, inbox, score sheets."""
from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from handlers.registry import HandlerError
from handlers.scoring import weighted_total
from service import clock
from service.catalogue import N_, _, translated
from service.auth import policies, visibility
from service.auth.visibility import Group
from service.errors import Forbidden
from service.models import Application, InboxMessage, ProcessInstance, Task, User
from service.repositories import applications as application_repo
from service.repositories import audit as audit_repo
from service.repositories import instances as instance_repo
from service.repositories import lapses, org
from service.repositories import outbox as outbox_repo
from service.repositories import tasks as task_repo
from service.repositories import users as user_repo
from service.workflows import incidents, viewing
from service.workflows import timeline as timeline_text
from service.workflows.campaigns import get_campaign, reached_campaign

APPLYING_UNIT_TYPES = ("county_union", "development_zone_union", "industry_union", "bureau_union",
                       "direct_grassroots_union", "enterprise")


def _names(session: Session, ids: set[int | None]) -> dict[int, str]:
    return user_repo.display_names(session, ids)


def campaign_dashboard(*, session: Session, user: User, campaign_id: int) -> dict[str, Any]:
    """Applications per stage and unit, units that have not applied, overdue tasks, reminders."""
    campaign = reached_campaign(session, user, campaign_id, "the campaign dashboard is for federation roles")
    apps = application_repo.of_campaign_by_id(session, campaign_id)
    by_stage = Counter(a.stage or a.status for a in apps)
    by_unit = Counter(a.unit.name for a in apps)
    applied = {a.unit_id for a in apps}
    not_applied = [u for u in org.units_of_types(session, APPLYING_UNIT_TYPES)
                   if u.id not in applied and policies.in_campaign_tree(u, campaign)]
    now = clock.now()
    app_ids = [a.id for a in apps]
    overdue = task_repo.overdue_of_applications(session, app_ids, now)
    reminders = outbox_repo.latest_of_campaign(session, campaign_id, limit=200)
    # Who was told about a task says who is on it: recipients show as the policy's notification records do.
    shown = visibility.NOTIFICATION_FIELDS["recipient_name"] in viewing.groups_for(session, user, None)
    names = _names(session, {r.recipient_user_id for r in reminders}) if shown else {}
    seen = viewing.seen_all(session, user, apps)
    return {
        "campaign": campaign, "applications": seen, "by_stage": sorted(by_stage.items()),
        "application_of": {a.id: a for a in seen},  # an overdue task by its application's title, not its number
        "by_unit": sorted(by_unit.items(), key=lambda kv: (-kv[1], kv[0])), "not_applied": not_applied,
        "overdue": overdue, "reminders": reminders, "reminder_states": sorted(Counter(r.status for r in reminders).items()),
        "names": names, "lapsed": lapsed(session, user, campaign_id, names_shown=shown),
        "incidents": incidents.open_in_campaign(session=session, user=user, campaign_id=campaign_id),
        "award_documents": policies.can_issue_award_documents(user),
        "awarded": {a.id for a in apps if a.status == "awarded"},
    }


LAPSE_NOTICE = "application_lapsed"


def lapsed(session: Session, user: User, campaign_id: int, *, names_shown: bool) -> list[dict[str, Any]]:
    """Applications the window's close lapsed: when, at which step, and whom the lapse notice reached.

    ``told`` holds one entry per person with the least advanced state of their
    channels (a notice "sent" by in-app but still "pending" by e-mail is pending);
    the people are named only where the policy shows notification recipients.
    """
    found = lapses.lapsed_applications(session, campaign_id)
    steps = lapses.stopped_at(session, [a.id for a, _ in found])
    rank = {"failed": 0, "dead": 0, "pending": 1, "sending": 2, "sent": 3}
    told: dict[int, dict[int, str]] = {}
    for row in lapses.notices(session, campaign_id, LAPSE_NOTICE):
        application_id = (row.context or {}).get("application_id")
        if isinstance(application_id, int) and row.recipient_user_id is not None:
            people = told.setdefault(application_id, {})
            known = people.get(row.recipient_user_id)
            if known is None or rank.get(row.status, 1) < rank.get(known, 1):
                people[row.recipient_user_id] = row.status
    names = _names(session, {u for people in told.values() for u in people}) if names_shown else {}
    seen = viewing.seen_all(session, user, [a for a, _ in found])
    return [{"application": shown, "at": instance.ended_at if instance is not None and instance.ended_at
             else a.updated_at, "step": steps[a.id].name if a.id in steps else "",
             "told": [(names.get(u, "—"), state) for u, state in sorted(told.get(a.id, {}).items())]}
            for (a, instance), shown in zip(found, seen)]


ANONYMOUS_ACTOR = {"scorer": N_("评审组成员"), "leading_group": N_("评比领导小组成员")}
SYSTEM = N_("系统")
COMPLETIONS = ("complete", "paper_score_sheet", "close_sheet", "decide")  # records of a task's completion: detail["data"] is what it entered


# The timeline's order is causal: by time, and within one moment (a step's rows share its time, audit.record)
# the person's record (the decision) before the process history it caused (a notification to the unit, a
# service step), each source by its row id (a monotonic sequence: the order the rows were written in).
CAUSE, CONSEQUENCE = 0, 1


def timeline(*, session: Session, application: Application, groups: frozenset[Group],
             viewer_id: int, forms: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Who did what and when for one application, oldest first and causes before what they caused (audit
    trail and process history: ``CAUSE``, ``CONSEQUENCE``), each
    as a sentence (``text``) and what a completed task entered as (title, value) ``items``; ``forms``
    (key → JSON Schema) gives the fields' titles.

    Each step's actor and what they entered show only when the viewer's ``groups`` cover them
    (service.auth.visibility): an applicant sees that the appraisal group scored, not who or how.
    """
    tasks = {str(t.id): t for t in task_repo.of_application(session, application.id)}
    records = audit_repo.of_application(session, application.id, list(tasks))
    events = []
    if application.instance_id:
        # a step without a name (a multi-instance task's container; the engine then records its id as the name)
        # says nothing to a person: never its id
        events = [e for e in instance_repo.history(session, application.instance_id)
                  if e.element_type not in ("UserTask",) and not e.element_type.endswith("Gateway")
                  and e.name and e.name != e.element_id]
    names = _names(session, {r.actor_id for r in records} | {
        (r.detail or {}).get("to") for r in records if r.action in ("reassign", "delegate", "replace_scorer")})
    title, label = _field_words(forms or {})
    rows = []
    for r in records:
        task = tasks.get(r.object_id) if r.object_type == "task" else None
        who, what = visibility.record_groups(task, r.actor_id, viewer_id)
        actor = names.get(r.actor_id or 0, _(SYSTEM)) if who in groups else \
            (_(ANONYMOUS_ACTOR[task.role]) if task and task.role in ANONYMOUS_ACTOR else "—")
        completed = r.action in COMPLETIONS
        detail = (r.detail or {}).get("data") if completed else r.detail
        seen = visibility.seen_data(what, detail, groups, viewer_id)
        decided = (r.detail or {}).get("sentence") if r.action == "decide" else None
        row = {"at": r.at, "actor": actor, "action": r.action, "what": _(decided) if decided else task.name if task else "",
               "order": (_moment(r, task, completed), CAUSE, r.id)}
        row["text"] = timeline_text.sentence(row, None if completed else seen, names, title)
        row["items"] = timeline_text.items(seen, title, label) if completed else []
        rows.append(row)
    for e in events:
        row = {"at": e.at, "actor": _(SYSTEM), "action": "element", "what": e.name, "order": (e.at, CONSEQUENCE, e.id)}
        row["text"], row["items"] = timeline_text.sentence(row, None, names, title), []
        rows.append(row)
    rows.sort(key=lambda row: row.pop("order"))
    return rows


def _moment(record: Any, task: Task | None, completed: bool) -> Any:
    """When a record happened, for the order: a completion's is its step's (the task row's ``completed_at``, the
    time its history rows carry), also for records written before audit.record took the step's time."""
    if completed and task is not None and task.completed_at is not None:
        return task.completed_at
    return record.at


def _field_words(forms: dict[str, dict[str, Any]]) -> tuple[Any, Any]:
    """A field's title and a value's label in the page language, from the forms' JSON Schemas."""
    props: dict[str, dict[str, Any]] = {}
    for schema in forms.values():
        for name, prop in (schema.get("properties") or {}).items():
            props.setdefault(name, prop)
            for sub, sub_prop in ((prop.get("items") or {}).get("properties") or {}).items():
                props.setdefault(sub, sub_prop)

    def title(name: str) -> str:
        prop = props.get(name) or {}
        return translated(prop["title"]) if prop.get("title") else name

    def label(name: str, value: Any) -> str:
        prop = props.get(name) or {}
        prop = prop.get("items", prop) if isinstance(prop.get("items"), dict) else prop
        labels = prop.get("x-enum-labels") or {}
        return translated(labels[str(value)]) if str(value) in labels else str(value)

    return title, label


def instance_for(session: Session, application: Application) -> ProcessInstance | None:
    return instance_repo.by_id(session, application.instance_id) if application.instance_id else None


def inbox(*, session: Session, user: User, limit: int = 100) -> list[InboxMessage]:
    return outbox_repo.inbox_of(session, user.id, limit)


def unread_count(*, session: Session, user: User) -> int:
    return outbox_repo.unread_count(session, user.id)


def mark_read(*, session: Session, user: User, message_id: int | None = None) -> None:
    """Mark one message (or all) as read."""
    for row in outbox_repo.unread(session, user.id, message_id):
        row.read_at = clock.now()
    session.commit()


def score_sheet(*, session: Session, user: User, campaign_id: int) -> dict[str, Any]:
    """Every submitted score of the campaign's entered applications the viewer may see: application, scorer,
    criterion scores, weighted total, comment (a sheet and its author only where service.auth.visibility
    shows them)."""
    campaign = reached_campaign(session, user, campaign_id, "only federation roles may export score sheets")
    found = task_repo.completed_scoring_of_campaign(session, campaign_id)
    groups = viewing.by_application(session, user, {a.id: a for _, a in found}.values())
    rows = []
    for t, a in found:
        who, what = visibility.step_groups(lane=t.role, form_key=t.form_key, own=t.completed_by == user.id)
        if visibility.covers(what, groups[a.id]):
            rows.append((t, a, who in groups[a.id]))
    names = _names(session, {t.completed_by for t, _, named in rows if named})
    out = []
    for t, a, named in rows:
        score = (t.data or {}).get("score") or {}
        out.append({"application": visibility.seen_application(a, groups[a.id], user.id),
                    "scorer": names.get(t.completed_by or 0, "") if named else "", "completed_at": t.completed_at,
                    "criteria": score.get("criteria", {}), "comment": score.get("comment", ""),
                    "total": scorer_total(a, t.completed_by, score.get("criteria", {}), campaign.criteria)})
    return {"campaign": campaign, "rows": out}


def application_sheet(*, session: Session, user: User, campaign_id: int) -> dict[str, Any]:
    """Every application of the campaign as the viewer may see it (the applications export), by id."""
    campaign = reached_campaign(session, user, campaign_id, "only federation roles may export applications")
    apps = application_repo.of_campaign_by_id(session, campaign_id)
    groups = viewing.by_application(session, user, apps)
    return {"campaign": campaign, "rows": [visibility.seen_application(a, groups[a.id], user.id) for a in apps]}


def scorer_total(application: Application, scorer_id: int | None, values: dict[str, Any],
                 criteria: list[dict[str, Any]]) -> Decimal | None:
    """A scorer's weighted total as the calculation stored it; before aggregation, by the same rule.

    There is one definition (``handlers.scoring.weighted_total``); a sheet it
    refuses (e.g. a criterion added to the campaign after scoring) has no total.
    """
    for row in (application.calculation or {}).get("per_scorer") or []:
        if row.get("scorer") == scorer_id and row.get("total") is not None:
            return Decimal(str(row["total"]))
    try:
        return weighted_total(criteria, values)
    except HandlerError:
        return None


def recused_items(*, session: Session, user: User, campaign_ids: list[int]) -> list[visibility.Seen]:
    """Applications in scoring the user is recused from (shown on the scoring sheet, with their own recusal)."""
    if not campaign_ids:
        return []
    apps = application_repo.in_scoring(session, campaign_ids)
    return viewing.seen_all(session, user, [a for a in apps if any(
        r.get("user_id") == user.id for r in (a.recusals or []))])


def user_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    return _names(session, ids)
