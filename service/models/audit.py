"""Append-only audit trail of every decision, and the seals that chain it (service/workflows/audit_chain.py)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.extensions import Base
from service.models.types import JsonType, UtcDateTime


class AuditRecord(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_roles: Mapped[list[str]] = mapped_column(JsonType)
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(60), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JsonType)
    # The campaign the record belongs to, which is also the chain it is sealed into (None: chain 0).
    # Not indexed: only a campaign's export reads by it, and every completion would pay for the index.
    campaign_id: Mapped[int | None] = mapped_column(Integer)
    # HMAC of the record under the key named key_id; the nonce makes every record unlike any other.
    # NULL only in records written before the trail was made tamper-evident (migration 0008).
    nonce: Mapped[str | None] = mapped_column(String(32))
    key_id: Mapped[str | None] = mapped_column(String(16))
    mac: Mapped[str | None] = mapped_column(String(64))


class AuditSeal(Base):
    """A record's place in its chain: position, its MAC, and a MAC linking it to the seal before."""

    __tablename__ = "audit_seals"
    __table_args__ = (UniqueConstraint("chain", "seq"),)

    record_id: Mapped[int] = mapped_column(ForeignKey("audit_log.id"), primary_key=True, autoincrement=False)
    chain: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    record_mac: Mapped[str] = mapped_column(String(64), unique=True)
    key_id: Mapped[str] = mapped_column(String(16))
    mac: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[datetime] = mapped_column(UtcDateTime())
