"""Liveness."""
from __future__ import annotations

from service.schemas.base import Read


class HealthRead(Read):
    status: str
    database: str
