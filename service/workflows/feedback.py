"""What a unit is told about its application: why it was returned, rejected or not shortlisted.

The reasons come from the step that decided it (the main leader's or the supervising union's return,
the union's rejection, the leading group's reason for the unit when an item is not shortlisted) and are
shown only as the visibility policy lets the viewer see that step's data
(``service.auth.visibility.DATA_BY_FORM``): the leading group's internal reasons never reach the unit.
The same text went to the unit's submitter and main leader in the step's notification (the BPMN's
``notify`` tasks), so the page and the message agree.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from service import work_kinds
from service.auth import visibility
from service.auth.visibility import Group
from service.models import Application
from service.repositories import decisions

# form → (its decision field, the decisions that stop or return the item, the field with the unit's reasons)
DECIDING_FORMS: dict[str, tuple[str, frozenset, str]] = {
    work_kinds.LEADER_SIGNOFF: ("signoff_decision", frozenset({"return"}), "signoff_comment"),
    work_kinds.VETTING: ("vetting_decision", frozenset({"return", "reject"}), "vetting_reasons"),
    work_kinds.PRELIMINARY_REVIEW: ("shortlisted", frozenset({False}), "unit_reasons"),
}
# the application statuses that such a decision explains
EXPLAINED = frozenset({"returned", "rejected", "not_shortlisted"})


@dataclass(frozen=True)
class UnitFeedback:
    step: str        # the step's name (e.g. 主要领导签字)
    reasons: str
    at: datetime | None


def told(*, session: Session, application: Application, groups: frozenset[Group],
         viewer_id: int | None) -> UnitFeedback | None:
    """Why the application is returned, rejected or not shortlisted, as this viewer may see it."""
    if application.status not in EXPLAINED:
        return None
    task = decisions.latest_completed(session, application.id, list(DECIDING_FORMS))
    if task is None or task.form_key not in DECIDING_FORMS:
        return None
    decision_field, deciding, reasons_field = DECIDING_FORMS[task.form_key]
    data = task.data or {}
    if data.get(decision_field) not in deciding:
        return None
    _, spec = visibility.step_groups(lane=task.role, form_key=task.form_key, own=False)
    shown = visibility.seen_data(spec, data, groups, viewer_id) or {}
    reasons = shown.get(reasons_field)
    if not isinstance(reasons, str) or not reasons.strip():
        return None
    return UnitFeedback(step=task.name, reasons=reasons, at=task.completed_at)
