"""Whether the service can reach its database (GET /api/health)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from service.repositories import health as repo


def check_database(*, session: Session) -> None:
    """Raises the driver's error when the database does not answer."""
    repo.ping(session)
