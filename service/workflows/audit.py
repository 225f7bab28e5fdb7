"""Writes the append-only audit trail; there is no update or delete path."""
from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from service import clock
from service.models import AuditRecord, User


_INSERT = insert(AuditRecord.__table__)


def record(session: Session, *, actor: User | None, action: str, object_type: str, object_id: object,
           detail: dict[str, Any] | None = None) -> None:
    """Add one audit record to the current transaction.

    A plain INSERT rather than an ORM object: nothing reads the row back in the
    transaction, and skipping the unit of work matters on every task completion.
    """
    session.execute(_INSERT, [{
        "at": clock.now(), "actor_id": actor.id if actor else None,
        "actor_roles": sorted(actor.roles) if actor else [], "action": action, "object_type": object_type,
        "object_id": str(object_id), "detail": detail or {},
    }])
