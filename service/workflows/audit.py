"""Writes the append-only audit trail; there is no update or delete path."""
from __future__ import annotations

import json
import secrets
from typing import Any

from sqlalchemy.orm import Session

from service import clock
from service.models import AuditRecord, User
from service.repositories import steps as writer
from service.repositories.steps import StepPlan
from service.workflows import audit_chain


def record(session: Session, *, actor: User | None, action: str, object_type: str, object_id: object,
           detail: dict[str, Any] | None = None, campaign_id: int | None = None, plan: StepPlan | None = None) -> None:
    """Add one audit record, with its MAC, to the current transaction (to the step's ``plan`` when given, at
    the step's time).

    ``campaign_id`` names the campaign the record belongs to (its chain, and
    its campaign's archive); records about nothing a campaign owns leave it out.
    A plain INSERT rather than an ORM object: nothing reads the row back in the
    transaction, and on an engine step it travels with the step's other writes
    (service/repositories/steps.py). The MAC is computed here, in Python, so writing a
    record takes no lock and no statement of its own on a step (audit_chain says why).
    """
    keys = audit_chain.keys_of(session)
    row = {
        # a step's record carries the step's time, as its history rows do: the decision and what it caused
        # are one moment, and the timeline reads the cause first (dashboard.timeline)
        "at": plan.at if plan is not None else clock.now(), "actor_id": actor.id if actor else None,
        "actor_roles": sorted(actor.roles) if actor else [], "action": action, "object_type": object_type,
        "object_id": str(object_id), "detail": json.loads(json.dumps(detail or {})),  # as the JSON column gives it back
        "campaign_id": campaign_id, "nonce": secrets.token_hex(16), "key_id": keys.current_id,
    }
    row["mac"] = audit_chain.record_mac(keys, keys.current_id, row)
    if plan is not None:
        plan.audit.append(row)
    else:
        writer.insert_now(session, AuditRecord.__table__, [row])
