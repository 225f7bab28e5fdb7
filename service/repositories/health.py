"""The database's answer to the cheapest question (the health check)."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session


def ping(session: Session) -> None:
    """Ask the database ``SELECT 1``; raises what the driver raises when it cannot answer."""
    session.execute(text("SELECT 1"))
