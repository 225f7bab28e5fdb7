"""Audit trail queries: records not yet sealed, chain heads, and the chains in order."""
from __future__ import annotations

from typing import Any, Iterator

from sqlalchemy import exists, func, insert, select, text
from sqlalchemy.orm import Session

from service.models import Application, AuditRecord, AuditSeal, ProcessInstance, Task

_SEAL_LOCK = 7_340_001  # pg_advisory_xact_lock key: one sealer at a time (SQLite's BEGIN IMMEDIATE serialises anyway)


def lock_sealing(session: Session) -> None:
    """Hold the sealing lock until this transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SEAL_LOCK})


def campaign_of_application(session: Session, application_id: int | None) -> int | None:
    if application_id is None:
        return None
    return session.scalar(select(Application.campaign_id).where(Application.id == application_id))


def campaign_of_instance(session: Session, instance_id: int) -> int | None:
    """An item's instance: its application's campaign; a campaign's review instance: the campaign it reviews."""
    found = session.scalar(select(Application.campaign_id).where(Application.instance_id == instance_id))
    if found is not None:
        return found
    variables = session.scalar(select(ProcessInstance.variables).where(ProcessInstance.id == instance_id))
    value = (variables or {}).get("campaign_id")
    return value if isinstance(value, int) else None


def campaign_of_task(session: Session, task: Task) -> int | None:
    if task.application_id is None:  # a campaign's meeting
        return campaign_of_instance(session, task.instance_id)
    return campaign_of_application(session, task.application_id)


def highest_sealed_id(session: Session) -> int:
    return session.scalar(select(func.max(AuditSeal.record_id))) or 0


def any_seal(session: Session) -> bool:
    return session.scalar(select(AuditSeal.record_id).limit(1)) is not None


def unsealed(session: Session, *, above: int, limit: int | None = None) -> list[AuditRecord]:
    """Records with an id above ``above`` that no seal names yet, in id order."""
    query = (select(AuditRecord).where(AuditRecord.id > above,
                                       ~exists().where(AuditSeal.record_id == AuditRecord.id))
             .order_by(AuditRecord.id))
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query.execution_options(populate_existing=True)))


def heads(session: Session, chains: set[int]) -> dict[int, tuple[int, str]]:
    """The last seal of each chain: (position, MAC)."""
    if not chains:
        return {}
    last = (select(AuditSeal.chain, func.max(AuditSeal.seq).label("seq")).where(AuditSeal.chain.in_(chains))
            .group_by(AuditSeal.chain).subquery())
    rows = session.execute(select(AuditSeal.chain, AuditSeal.seq, AuditSeal.mac)
                           .join(last, (AuditSeal.chain == last.c.chain) & (AuditSeal.seq == last.c.seq)))
    return {chain: (seq, mac) for chain, seq, mac in rows}


def sealed_record_macs(session: Session, macs: list[str]) -> set[str]:
    """Which of these record MACs a seal already holds."""
    found: set[str] = set()
    for start in range(0, len(macs), 500):
        found.update(session.scalars(select(AuditSeal.record_mac).where(AuditSeal.record_mac.in_(macs[start:start + 500]))))
    return found


def add_seals(session: Session, seals: list[dict[str, Any]]) -> None:
    for start in range(0, len(seals), 500):
        session.execute(insert(AuditSeal), seals[start:start + 500])


def chains(session: Session) -> list[int]:
    return list(session.scalars(select(AuditSeal.chain).distinct().order_by(AuditSeal.chain)))


def chain_entries(session: Session, chain: int) -> Iterator[tuple[AuditSeal, AuditRecord | None]]:
    """A chain's seals in order, each with the record it names (None when that row is gone)."""
    query = (select(AuditSeal, AuditRecord).outerjoin(AuditRecord, AuditRecord.id == AuditSeal.record_id)
             .where(AuditSeal.chain == chain).order_by(AuditSeal.seq))
    for seal, record in session.execute(query.execution_options(yield_per=2000)):
        yield seal, record


def count_records(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditRecord)) or 0


def of_application(session: Session, application_id: int, task_ids: list[str]) -> list[AuditRecord]:
    """The audit records of an application and of its tasks (ids as stored: strings), in the order written."""
    return list(session.scalars(select(AuditRecord).where(
        ((AuditRecord.object_type == "application") & (AuditRecord.object_id == str(application_id)))
        | ((AuditRecord.object_type == "task") & (AuditRecord.object_id.in_(task_ids or ["-"]))))
        .order_by(AuditRecord.id)))
