"""The ``notify`` service task: asks the service to send a notification.

It is pure like every handler: it checks and returns the request, and the
service turns the returned request into an outbox row in the same transaction
as the step that produced it.
"""
from __future__ import annotations

from typing import Any

from handlers.registry import HandlerError, handler

RECIPIENT_KINDS = {"role", "unit_role", "user"}


@handler("notify")
def notify(*, template: str, to: str, role: str | list[str] | None = None, user_id: int | None = None,
           context: dict[str, Any] | None = None) -> dict[str, Any]:
    """Validate a notification request: template plus who should receive it.

    ``role`` may list several roles (e.g. a unit's submitter and its main leader); someone
    holding more than one of them is told once.
    """
    if not isinstance(template, str) or not template:
        raise HandlerError("notify: template is required")
    if to not in RECIPIENT_KINDS:
        raise HandlerError(f"notify: 'to' must be one of {sorted(RECIPIENT_KINDS)}")
    roles = role if isinstance(role, list) else [role] if role else []
    if to in {"role", "unit_role"} and (not roles or not all(isinstance(r, str) and r for r in roles)):
        raise HandlerError("notify: a role (or a list of roles) is required when sending to a role")
    if to == "user" and not isinstance(user_id, int):
        raise HandlerError("notify: user_id is required when sending to a user")
    return {"template": template, "to": to, "role": role, "user_id": user_id, "context": context or {}}
