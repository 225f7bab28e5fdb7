"""Attachments of applications."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import Attachment


def by_id(session: Session, attachment_id: int) -> Attachment | None:
    return session.get(Attachment, attachment_id)


def of_application(session: Session, application_id: int) -> list[Attachment]:
    return list(session.scalars(select(Attachment).where(Attachment.application_id == application_id)
                                .order_by(Attachment.id)))
