"""Liveness and readiness."""
from __future__ import annotations

from flask import Blueprint

from service.api.common import session
from service.api.contract import operation
from service.api.errors import RETRY_AFTER_SECONDS
from service.schemas.health import HealthRead
from service.workflows import health as checks

bp = Blueprint("health", __name__)


@bp.get("/health")
@operation("Liveness and database check", response=HealthRead, errors=(503,), secured=False)
def health() -> tuple[dict, int] | tuple[dict, int, dict[str, str]]:
    try:
        checks.check_database(session=session())
        return {"status": "ok", "database": "ok"}, 200
    except Exception as exc:  # noqa: BLE001 - health reports any database failure
        return {"status": "degraded", "database": type(exc).__name__}, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}
