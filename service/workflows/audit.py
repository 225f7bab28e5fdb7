"""Writes the append-only audit trail; there is no update or delete path."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from service import clock
from service.models import AuditRecord, User
from service.repositories import rows


def record(session: Session, *, actor: User | None, action: str, object_type: str, object_id: object,
           detail: dict[str, Any] | None = None) -> None:
    """Add one audit record to the current transaction.

    A queued plain INSERT rather than an ORM object: nothing reads the row back
    in the transaction, and on a task completion it travels with the step's
    other writes (``rows``).
    """
    rows.insert_rows(session, AuditRecord.__table__, [{
        "at": clock.now(), "actor_id": actor.id if actor else None,
        "actor_roles": sorted(actor.roles) if actor else [], "action": action, "object_type": object_type,
        "object_id": str(object_id), "detail": detail or {},
    }])
