"""The office's view of notification delivery: every outbox row and its state."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint

from service.catalogue import _
from service.api.common import current_user, session
from service.api.contract import operation
from service.auth import policies, visibility
from service.auth.visibility import Group
from service.errors import Forbidden
from service.schemas.base import shape
from service.schemas.common import Page
from service.schemas.notifications import NotificationQuery, NotificationRead, Status, Summary
from service.workflows import outbox, viewing

if TYPE_CHECKING:  # types only: routes and pages never touch tables (import contract)
    from service.models import OutboxMessage, User

bp = Blueprint("notifications", __name__)
STATUSES = set(Status.__args__)


def _office_only(user: User) -> None:
    if not policies.serves_federation(user):
        raise Forbidden(_("只有联合会评比办公室可以查看通知的发送情况"))


def _row(m: OutboxMessage, groups: frozenset[Group], viewer_id: int) -> dict[str, Any]:
    body = shape(NotificationRead, m, recipient_name=(m.recipient or {}).get("name"))
    return visibility.redact(visibility.NOTIFICATION_FIELDS, body, groups, viewer_id)


@bp.get("/notifications")
@operation("Every notification and its delivery state (office)", query=NotificationQuery,
           response=Page[NotificationRead])
def list_(query: NotificationQuery) -> dict:
    user = current_user()
    _office_only(user)
    rows, total = outbox.list_messages(session=session(), status=query.status or None, campaign_id=query.campaign_id,
                                       recipient_user_id=query.recipient_user_id, page=query.page,
                                       page_size=query.page_size)
    groups = viewing.groups_for(session(), user, None)
    return {"items": [_row(m, groups, user.id) for m in rows], "total": total, "page": query.page,
            "page_size": query.page_size}


@bp.get("/notifications/summary")
@operation("Notifications per delivery state (office)", response=Summary, errors=(401, 403))
def summary() -> dict:
    _office_only(current_user())
    counts = outbox.status_counts(session())
    return {s: counts.get(s, 0) for s in sorted(STATUSES)}
