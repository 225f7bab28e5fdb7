"""Applications that lapsed at the window's close, the step each stopped at, and who was told."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import Application, OutboxMessage, ProcessInstance, Task


def lapsed_applications(session: Session, campaign_id: int) -> list[tuple[Application, ProcessInstance | None]]:
    """The campaign's lapsed applications with their (ended) process instance, by unit and id."""
    return list(session.execute(
        select(Application, ProcessInstance).outerjoin(ProcessInstance, ProcessInstance.id == Application.instance_id)
        .where(Application.campaign_id == campaign_id, Application.status == "lapsed")
        .order_by(Application.unit_id, Application.id)).tuples())


def stopped_at(session: Session, application_ids: list[int]) -> dict[int, Task]:
    """The last task each application had open when the close cancelled it (its own step, not a guess)."""
    if not application_ids:
        return {}
    found: dict[int, Task] = {}
    for task in session.scalars(select(Task).where(Task.application_id.in_(application_ids), Task.state == "cancelled")
                                .order_by(Task.id)):
        found[task.application_id or 0] = task
    return found


def notices(session: Session, campaign_id: int, template: str) -> list[OutboxMessage]:
    """The outbox rows of one template in a campaign, oldest first."""
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.campaign_id == campaign_id,
                                                            OutboxMessage.template == template)
                                .order_by(OutboxMessage.id)))
