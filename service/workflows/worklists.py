"""What people have to do, as lists: the applications page, the task list, supervision (督办) and urging.

Every notification links to one of these pages or to a single task or application
(``links``); each page shows its reader what to do next and the button to do it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from service.catalogue import _, name_of
from service import clock
from service.auth import policies, visibility
from service.errors import Conflict, Forbidden
from service.models import Campaign, Task, User
from service.repositories import applications as application_repo
from service.repositories import campaigns as campaign_repo
from service.repositories import worklists as repo
from service.repositories.applications import WITH_THE_UNIT  # with the unit until the window closes
from service.workflows import audit, links, outbox, viewing
from service.workflows.applications import list_applications, submitting_unit
from service.workflows.recipients import Addressee, Wanted, resolve, task_recipients, task_wanted
from service.workflows.reminders import overdue_hours, settings_for
from service.workflows.tasks import TaskPage, get_task, list_tasks


@dataclass(frozen=True)
class ApplicationRow:
    application: Any  # as the reader may see it (service.auth.visibility.Seen)
    open_tasks: list[Task]  # what the application waits for now, soonest due first
    mine: list[Task]  # those the reader may do
    due_at: datetime | None  # the earliest open task's due time; while with the unit, the window's close


@dataclass(frozen=True)
class NewApplication:
    """The "new application" entry: the open window, and whether the unit may still apply in it."""

    campaign: Campaign | None
    count: int = 0
    unit_id: int | None = None

    @property
    def unit_may_apply(self) -> bool:
        """The campaign names no units that may apply, or names the reader's."""
        return self.campaign is not None and (self.campaign.applicant_unit_ids is None
                                              or self.unit_id in self.campaign.applicant_unit_ids)

    @property
    def window_open(self) -> bool:
        """Submitting is possible now (drafts may be started before)."""
        return self.campaign is not None and self.campaign.opened_at is not None \
            and self.campaign.opens_at <= clock.now() <= self.campaign.closes_at

    @property
    def allowed(self) -> bool:
        if self.campaign is None or not self.unit_may_apply:
            return False
        limit = self.campaign.max_applications_per_unit
        return limit is None or self.count < limit


def application_rows(*, session: Session, user: User, campaign_id: int | None = None, status: str | None = None,
                     stage: str | None = None, unit_id: int | None = None, page: int = 1,
                     page_size: int = 50) -> tuple[list[ApplicationRow], int]:
    """The applications ``user`` may see, one page, each with what it waits for and the reader's part in it."""
    items, total = list_applications(session=session, user=user, campaign_id=campaign_id, status=status,
                                     stage=stage, unit_id=unit_id, page=page, page_size=page_size)
    waiting = repo.open_tasks_by_application(session, [a.id for a in items])
    rows = []
    for application, seen in zip(items, viewing.seen_all(session, user, items)):
        open_tasks = waiting.get(application.id, [])
        dues = [t.due_at for t in open_tasks if t.due_at is not None]
        due = min(dues) if dues else (application.campaign.closes_at if application.status in WITH_THE_UNIT
                                      else None)
        rows.append(ApplicationRow(seen, open_tasks, [t for t in open_tasks if t.state == "open"
                                                      and policies.is_candidate(user, t)], due))
    return rows, total


def new_application(*, session: Session, user: User) -> NewApplication | None:
    """None for someone who cannot apply; else the open window (if any) and the unit's count in it."""
    if not policies.can_create_application(user):
        return None
    campaign = campaign_to_apply(session=session, user=user)
    if campaign is None:
        return NewApplication(None)
    unit = submitting_unit(user)
    return NewApplication(campaign, repo.unit_application_count(session, campaign.id, unit.id), unit.id)


def campaign_to_apply(*, session: Session, user: User, campaign_id: int | None = None) -> Campaign | None:
    """The campaign a new application of ``user``'s unit goes to now (its window open, else the next not yet
    closed): the federation's or a union's above the unit (``campaign_id`` picks one of them)."""
    where = policies.open_to_unit(submitting_unit(user))
    return repo.campaign_to_apply(session, clock.now(), where, campaign_id)


def units_to_filter(*, session: Session, user: User, campaign_id: int | None) -> list[Any]:
    """The unit filter's choices: only for those who see every unit's applications."""
    return repo.units_with_applications(session, campaign_id) if policies.reach(user) else []


def my_task_on(*, session: Session, user: User, application_id: int) -> Task | None:
    """The open task on this application the reader is to do now (the leader's sign-off, the submitter's form)."""
    rows = list_tasks(session=session, user=user, application_id=application_id, page_size=5).items
    return rows[0] if rows else None


def my_tasks(*, session: Session, user: User, overdue: bool = False, stage: str | None = None, page: int = 1,
             page_size: int = 50) -> TaskPage:
    return list_tasks(session=session, user=user, stage=stage, due_before=clock.now() if overdue else None,
                      page=page, page_size=page_size)


def everyones_tasks(*, session: Session, user: User, overdue: bool = False, stage: str | None = None,
                    page: int = 1, page_size: int = 50) -> tuple[list[Task], int]:
    """Every open task (督办), for the office and the group leader."""
    if not policies.can_supervise_tasks(user):
        raise Forbidden(_("只有评比办公室和评审组组长可以跟踪所有人的任务"))
    return repo.open_tasks_page(session, due_before=clock.now() if overdue else None, stage=stage, page=page,
                                page_size=page_size, where=policies.task_supervision_filter(user))


def applications_of(session: Session, user: User, tasks: list[Task]) -> dict[int, Any]:
    """The applications of these tasks by id, as ``user`` may see them."""
    found = repo.applications_by_id(session, [t.application_id for t in tasks]).values()
    return {seen.id: seen for seen in viewing.seen_all(session, user, found)}


def handlers(session: Session, user: User, tasks: list[Task]) -> dict[int, list[Addressee] | None]:
    """Who handles each task: its assignee, else its named candidate, else everyone who may claim it.

    None where the reader may not know who is on it (the visibility policy's people of the task's
    lane: anonymous scorers, individual leading-group members): the page then names only the role.
    """
    groups = viewing.by_application_id(session, user, [t.application_id for t in tasks])
    shown = {t.id for t in tasks if visibility.task_fields(t, user.id)["assignee_id"] in groups[t.application_id]}
    wanted: dict[int, Wanted] = {t.id: task_wanted(t) for t in tasks if t.id in shown}
    people = resolve(session, wanted.values())
    return {t.id: people[wanted[t.id]] if t.id in shown else None for t in tasks}


def urge(*, session: Session, user: User, task_id: int) -> int:
    """Remind a task's handlers that it waits (催办); at most once a day per supervisor. Returns people told."""
    if not policies.can_supervise_tasks(user):
        raise Forbidden(_("只有评比办公室和评审组组长可以催办任务"))
    task = get_task(session=session, user=user, task_id=task_id)
    if task.state != "open":
        raise Conflict(_("任务 {task_id} 的状态为 {task_state}", task_id=task_id, task_state=name_of("task_state", task.state)))
    application = application_repo.by_id(session, task.application_id) if task.application_id else None
    campaign = campaign_repo.by_id(session, application.campaign_id) if application else None
    now = clock.now()
    context = {"task_name": task.name, "application_theme": application.theme if application else "",
               "due_at": task.due_at.isoformat() if task.due_at else None, "urged_by": user.display_name,
               "overdue_hours": overdue_hours(task.due_at, now), "link": links.task(task.id)}
    day = clock.local(now).date().isoformat()
    told = 0
    for person in task_recipients(session, task):
        added = outbox.enqueue(session, key=f"urge:{task.id}:{user.id}:{day}:{person.id}", user=person,
                               template="task_urged", context=context, campaign_id=campaign.id if campaign else None,
                               channels=settings_for(campaign)["channels"])
        told += 1 if added else 0
    if told:
        audit.record(session, actor=user, action="urge", object_type="task", object_id=task.id,
                     detail={"people": told}, campaign_id=campaign.id if campaign else None)
    session.commit()
    return told

