"""The meetings' lists: items waiting at a message catch event, the campaign's review instance, shortlist views."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service import work_kinds
from service.models import Application, Campaign, ProcessInstance, ShortlistView, Task


def waiting_items(session: Session, *, campaign_id: int, message: str,
                  supervising_union_id: int | None = None) -> list[tuple[Task, Application]]:
    """The campaign's items waiting for ``message`` (their waiting rows), by application id (partial index)."""
    query = (select(Task, Application).join(Application, Application.id == Task.application_id)
             .where(Task.state == "waiting", Task.message == message, Application.campaign_id == campaign_id))
    if supervising_union_id is not None:
        query = query.where(Application.supervising_union_id == supervising_union_id)
    return [(t, a) for t, a in session.execute(query.order_by(Application.id)).all()]


REVIEW_KEY_PREFIX = "campaign-"


def review_key(campaign_id: int) -> str:
    """The business key of a campaign's own review instance (its meetings)."""
    return f"{REVIEW_KEY_PREFIX}{campaign_id}"


def campaign_of_review(business_key: str | None) -> int | None:
    """The campaign whose review instance has ``business_key`` (None: not a review instance)."""
    if business_key and business_key.startswith(REVIEW_KEY_PREFIX) and business_key[len(REVIEW_KEY_PREFIX):].isdigit():
        return int(business_key[len(REVIEW_KEY_PREFIX):])
    return None


def campaign_reviewed_by(session: Session, business_key: str | None) -> Campaign | None:
    """The campaign a review instance runs the meetings of (None: not a review instance)."""
    campaign_id = campaign_of_review(business_key)
    return session.get(Campaign, campaign_id) if campaign_id is not None else None


def review_instance(session: Session, business_key: str) -> ProcessInstance | None:
    """The campaign's review instance (the newest with this business key)."""
    return session.scalar(select(ProcessInstance).where(ProcessInstance.business_key == business_key)
                          .order_by(ProcessInstance.id.desc()).limit(1))


def instance_rows(session: Session, instance_id: int, *, state: str) -> list[Task]:
    """The instance's task rows in ``state`` (``open`` meeting tasks, ``waiting`` sitting calls)."""
    return list(session.scalars(select(Task).where(Task.instance_id == instance_id, Task.state == state)
                                .order_by(Task.id)))


def last_completed(session: Session, instance_id: int, form_key: str) -> Task | None:
    """The instance's latest completed task of one kind of work."""
    return session.scalar(select(Task).where(Task.instance_id == instance_id, Task.form_key == form_key,
                                             Task.state == "completed").order_by(Task.id.desc()).limit(1))


def completed_decision(session: Session, application_id: int, message: str) -> Task | None:
    """The latest meeting decision of this kind the item received (e.g. its forwarding, with the opinion)."""
    return session.scalar(select(Task).where(Task.application_id == application_id, Task.message == message,
                                             Task.state == "completed").order_by(Task.id.desc()).limit(1))


def views(session: Session, sitting_task_id: int) -> list[ShortlistView]:
    return list(session.scalars(select(ShortlistView).where(ShortlistView.sitting_task_id == sitting_task_id)
                                .order_by(ShortlistView.application_id, ShortlistView.user_id)))


def members_with_views(session: Session, sitting_task_id: int, candidates: int) -> int:
    """How many members recorded a view on every one of the sitting's ``candidates`` items."""
    per_member = (select(ShortlistView.user_id).where(ShortlistView.sitting_task_id == sitting_task_id)
                  .group_by(ShortlistView.user_id).having(func.count() >= candidates).subquery())
    return session.scalar(select(func.count()).select_from(per_member)) or 0


def record_view(session: Session, *, sitting_task_id: int, application_id: int, user_id: int, view: str, note: str,
                at: datetime) -> bool:
    """Record or replace a member's view on one candidate at one sitting; False when it said that already."""
    row = session.scalar(select(ShortlistView).where(ShortlistView.sitting_task_id == sitting_task_id,
                                                     ShortlistView.application_id == application_id,
                                                     ShortlistView.user_id == user_id))
    if row is None:
        session.add(ShortlistView(sitting_task_id=sitting_task_id, application_id=application_id, user_id=user_id,
                                  view=view, note=note, at=at))
    elif (row.view, row.note) == (view, note):
        return False
    else:
        row.view, row.note, row.at = view, note, at
    session.flush()
    return True


def open_vetting(session: Session, *, campaign_id: int, union_id: int | None) -> list[tuple[Task, Application]]:
    """The union's open vetting tasks in this campaign, by application."""
    return [(t, a) for t, a in session.execute(
        select(Task, Application).join(Application, Application.id == Task.application_id)
        .where(Task.state == "open", Task.form_key == work_kinds.VETTING, Application.campaign_id == campaign_id,
               Task.unit_id == union_id).order_by(Application.id)).all()]
