"""The office's view of notification delivery: every outbox row and its state."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from service.api.common import current_user, int_arg, iso, paging, session
from service.auth import policies, visibility
from service.auth.visibility import Group
from service.errors import Forbidden, ValidationFailed
from service.models import OutboxMessage, User
from service.workflows import outbox, viewing

bp = Blueprint("notifications", __name__)
STATUSES = {"pending", "sending", "sent", "failed", "dead"}


def _office_only(user: User) -> None:
    if not policies.can_manage_campaigns(user):
        raise Forbidden("only the appraisal office may see notification delivery")


def _row(m: OutboxMessage, groups: frozenset[Group], viewer_id: int) -> dict[str, Any]:
    return visibility.redact(visibility.NOTIFICATION_FIELDS, {"id": m.id, "dedupe_key": m.dedupe_key, "channel": m.channel, "template": m.template,
            "recipient_user_id": m.recipient_user_id, "recipient_name": (m.recipient or {}).get("name"),
            "campaign_id": m.campaign_id, "status": m.status, "attempts": m.attempts,
            "created_at": iso(m.created_at), "next_attempt_at": iso(m.next_attempt_at), "sent_at": iso(m.sent_at),
            "last_error": m.last_error, "provider_id": m.provider_id}, groups, viewer_id)


@bp.get("/notifications")
def list_() -> dict:
    user = current_user()
    _office_only(user)
    status = request.args.get("status") or None
    if status is not None and status not in STATUSES:
        raise ValidationFailed([{"field": "status", "message": f"must be one of {sorted(STATUSES)}"}])
    page, size = paging()
    rows, total = outbox.list_messages(session=session(), status=status, campaign_id=int_arg("campaign_id"),
                                       recipient_user_id=int_arg("recipient_user_id"), page=page, page_size=size)
    groups = viewing.groups_for(session(), user, None)
    return {"items": [_row(m, groups, user.id) for m in rows], "total": total, "page": page, "page_size": size}


@bp.get("/notifications/summary")
def summary() -> dict:
    _office_only(current_user())
    counts = outbox.status_counts(session())
    return {s: counts.get(s, 0) for s in sorted(STATUSES)}
