"""Incidents (Camunda's naming): list what failed in running instances, and retry it."""
from __future__ import annotations

from typing import Any

from flask import Blueprint

from service.api.common import current_user, services, session
from service.api.contract import operation
from service.auth import policies, visibility
from service.auth.visibility import Group
from service.schemas.base import shape
from service.schemas.common import Page
from service.schemas.incidents import IncidentQuery, IncidentRead
from service.workflows import incidents, viewing

bp = Blueprint("incidents", __name__)


def _row(incident: Any, groups: frozenset[Group], viewer_id: int) -> dict[str, Any]:
    return visibility.redact(visibility.INCIDENT_FIELDS, shape(IncidentRead, incident), groups, viewer_id)


@bp.get("/incidents")
@operation("Incidents: elements that failed while their instance ran, latest first (office, process administrator)",
           query=IncidentQuery, response=Page[IncidentRead], errors=(401, 403),
           allowed=policies.can_handle_incidents)
def list_(query: IncidentQuery) -> dict:
    user = current_user()
    found = incidents.list_incidents(session=session(), user=user, state=query.state, campaign_id=query.campaign_id,
                                     instance_id=query.instance_id, page=query.page, page_size=query.page_size)
    groups = viewing.groups_for(session(), user, None)
    return {"items": [_row(i, groups, user.id) for i in found.items], "total": found.total, "page": query.page,
            "page_size": query.page_size}


@bp.post("/incidents/<int:incident_id>/retry")
@operation("Retry the failed element with the campaign's current data: the incident is resolved, or stays open "
           "with the new error", response=IncidentRead, errors=(401, 403, 404, 409),
           allowed=policies.can_handle_incidents)
def retry(incident_id: int) -> dict:
    user = current_user()
    incident = incidents.retry(session=session(), services=services(), user=user, incident_id=incident_id)
    return _row(incident, viewing.groups_for(session(), user, None), user.id)
