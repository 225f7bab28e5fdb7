"""Form schemas deployed through the service (beside the bundled files)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.extensions import Base
from service.models.types import JsonType, UtcDateTime


class FormDefinition(Base):
    """One version of a form schema; the newest version of a key wins."""

    __tablename__ = "form_definitions"
    __table_args__ = (UniqueConstraint("key", "version", name="uq_form_key_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[int] = mapped_column(Integer)
    schema: Mapped[dict[str, Any]] = mapped_column(JsonType)
    deployed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deployed_at: Mapped[datetime] = mapped_column(UtcDateTime())
