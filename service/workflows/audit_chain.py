"""The tamper-evident audit trail: a keyed MAC per record, sealed into chains, and verified.

Writing a record (``audit.record``) takes no lock, and on an engine step no
statement of its own: the record carries an HMAC of its content under
``AUDIT_KEY`` (with a random nonce, so no two records are alike) and goes out
with the step's other writes (one INSERT outside a step). The **seal** job then links committed records, in the order it finds
them, into one chain per campaign (chain 0: records no campaign owns, such as
deployments): each seal stores the record's MAC and an HMAC over (chain,
position, record id, record MAC, previous seal's MAC). Sealing runs under a
short lock of its own every ``AUDIT_SEAL_SECONDS`` (beat or embedded jobs), by
``appraisal export`` and by ``appraisal audit verify``, so twenty scorers
completing at once never wait for each other on the trail (README, Guarantees).

What :func:`verify` finds, without the key ever being in the database:

* a record **edited** — its content no longer matches its MAC or its seal;
* a record **removed** — a seal names a row that is gone; seals removed with
  it leave a gap in the positions or a MAC that no longer follows;
* a record **inserted** directly — no valid MAC, or a copy of a sealed one;
* records **moved** (ids swapped) — a row holds what was sealed under another id;
* seals edited, inserted or reordered — the chain's MACs stop following.

Deleting the newest records together with their seals leaves a shorter chain
that is still valid; ``--heads`` compares the chains with heads saved earlier
(outside the database) to catch that. A record can be deleted unnoticed only
between its commit and its seal (seconds).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from service import clock
from service.audit_keys import AuditKeys
from service.repositories import audit as repo

LOGGER = logging.getLogger(__name__)
KEYS_INFO = "appraisal.audit_keys"
GLOBAL_CHAIN = 0
SEAL_BATCH = 5000
SWEEP_LOOKBACK = 1000
"""The seal sweep looks at ids above (highest sealed id − this), so a sweep's cost does not grow with the trail."""


def keys_of(session: Session) -> AuditKeys:
    """The audit keys the session factory was built with (``make_session_factory(engine, settings)``)."""
    keys = session.info.get(KEYS_INFO)
    if keys is None:
        raise RuntimeError("this session has no audit keys: build it with make_session_factory(engine, settings)")
    return keys


def chain_of(record: Mapping[str, Any]) -> int:
    return record["campaign_id"] if record["campaign_id"] is not None else GLOBAL_CHAIN


def _utc(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat(timespec="microseconds")


def record_body(record: Mapping[str, Any]) -> list[Any]:
    """What a record's MAC covers: everything but its id (unknown until the INSERT) and the MAC itself."""
    return [record["nonce"], _utc(record["at"]), record["actor_id"], list(record["actor_roles"]), record["action"],
            record["object_type"], record["object_id"], record["detail"], record["campaign_id"]]


def record_mac(keys: AuditKeys, kid: str, record: Mapping[str, Any]) -> str | None:
    return keys.mac(kid, "audit-record", record_body(record))


def seal_mac(keys: AuditKeys, kid: str, *, chain: int, seq: int, record_id: int, mac: str, previous: str) -> str | None:
    return keys.mac(kid, "audit-seal", [chain, seq, record_id, mac, previous])


# --------------------------------------------------------------------------- sealing


@dataclass
class SealReport:
    sealed: int = 0
    skipped: list[int] = field(default_factory=list)  # records left unsealed: no valid MAC, or a copy
    busy: bool = False


def seal(session: Session, *, full: bool = False) -> SealReport:
    """Seal committed records into their chains; ``full`` looks at every record, not only recent ids.

    A record that does not verify is never sealed (``verify`` reports it).
    Records written before the trail was first sealed (no MAC: older
    releases) are adopted by that first seal.
    """
    keys = keys_of(session)
    report = SealReport()
    try:
        repo.lock_sealing(session)
        above = 0 if full else max(repo.highest_sealed_id(session) - SWEEP_LOOKBACK, 0)
        adopting = not repo.any_seal(session)
        while True:
            batch = repo.unsealed(session, above=above, limit=SEAL_BATCH)
            if not batch:
                break
            above = batch[-1].id
            report.sealed += _seal_batch(session, keys, [_values(r) for r in batch], adopting, report)
            if len(batch) < SEAL_BATCH:
                break
        session.commit()
    except (IntegrityError, OperationalError):
        session.rollback()  # another sealer got there first (or the database is busy): the next run goes on
        report.busy, report.sealed = True, 0
    if report.sealed:
        LOGGER.info("audit trail: sealed %d record(s)", report.sealed)
    return report


def _seal_batch(session: Session, keys: AuditKeys, records: list[dict[str, Any]], adopting: bool,
                report: SealReport) -> int:
    heads = repo.heads(session, {chain_of(r) for r in records})
    known = repo.sealed_record_macs(session, [r["mac"] for r in records if r["mac"]])
    now, kid, seals = clock.now(), keys.current_id, []
    for record in records:
        mac = record["mac"]
        if mac is None and adopting:
            mac = record_mac(keys, kid, record)
        elif mac is None or record_mac(keys, record["key_id"], record) != mac or mac in known:
            report.skipped.append(record["id"])
            continue
        chain = chain_of(record)
        seq, previous = heads.get(chain, (0, ""))
        link = seal_mac(keys, kid, chain=chain, seq=seq + 1, record_id=record["id"], mac=mac, previous=previous)
        seals.append({"record_id": record["id"], "chain": chain, "seq": seq + 1, "record_mac": mac, "key_id": kid,
                      "mac": link, "sealed_at": now})
        heads[chain] = (seq + 1, link)
        known.add(mac)
    repo.add_seals(session, seals)
    return len(seals)


def _values(row: Any) -> dict[str, Any]:
    return {c.name: getattr(row, c.key) for c in row.__table__.columns}


# --------------------------------------------------------------------------- verifying


@dataclass(frozen=True)
class Finding:
    kind: str  # edited | removed | inserted | copied | moved | broken | unknown_key
    record_id: int | None
    chain: int
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass
class Verification:
    findings: list[Finding] = field(default_factory=list)
    heads: dict[int, tuple[int, str]] = field(default_factory=dict)
    records: int = 0
    sealed: int = 0
    pending: list[int] = field(default_factory=list)  # valid records not sealed yet (only without sealing first)
    development_key: bool = False

    @property
    def ok(self) -> bool:
        return not self.findings


def chain_name(chain: int) -> str:
    return "outside campaigns (chain 0)" if chain == GLOBAL_CHAIN else f"campaign {chain}"


class ChainChecker:
    """Checks chains and unsealed records given as plain mappings (from the database or an archive)."""

    def __init__(self, keys: AuditKeys) -> None:
        self.keys = keys
        self.result = Verification(development_key=keys.is_development)
        self._sealed: dict[str, int] = {}  # record MAC -> sealed record id
        self._unknown_keys: set[str] = set()

    def _finding(self, kind: str, record_id: int | None, chain: int, message: str) -> None:
        self.result.findings.append(Finding(kind, record_id, chain, message))

    def _known_key(self, kid: str | None, chain: int, record_id: int | None) -> bool:
        if self.keys.known(kid):
            return True
        if kid not in self._unknown_keys:
            self._unknown_keys.add(kid or "")
            self._finding("unknown_key", record_id, chain,
                          f"{chain_name(chain)}: made with key {kid!r}, which this server does not hold "
                          f"(add it to AUDIT_OLD_KEYS); its records cannot be checked")
        return False

    def check_chain(self, chain: int, entries: Iterable[tuple[Mapping[str, Any], Mapping[str, Any] | None]]) -> None:
        """One chain's seals in position order, each with the record row it names (None: no such row)."""
        expected, previous = 1, ""
        entries = list(entries)
        by_record = {seal["record_id"]: seal for seal, _ in entries}
        self._sealed.update({seal["record_mac"]: seal["record_id"] for seal, _ in entries})
        for seal, record in entries:
            rid, seq = seal["record_id"], seal["seq"]
            gap = seq != expected
            if gap:
                self._finding("removed", None, chain,
                              f"{chain_name(chain)}: positions {expected}–{seq - 1} are missing before record #{rid}: "
                              f"the records sealed there were removed together with their seals" if seq > expected else
                              f"{chain_name(chain)}: position {seq} (record #{rid}) is out of order: seals were "
                              f"inserted or reordered")
            if self._known_key(seal["key_id"], chain, rid):
                link = seal_mac(self.keys, seal["key_id"], chain=chain, seq=seq, record_id=rid,
                                mac=seal["record_mac"], previous=previous)
                if link != seal["mac"] and not gap:
                    self._finding("broken", rid, chain,
                                  f"{chain_name(chain)}: the seal at position {seq} (record #{rid}) does not follow "
                                  f"from the one before: seals were edited, inserted or reordered in the database")
            self._check_sealed_record(chain, seq, seal, record, by_record)
            expected, previous = max(expected, seq) + 1, seal["mac"]
            self.result.sealed += 1
        if entries:
            last = entries[-1][0]
            self.result.heads[chain] = (last["seq"], last["mac"])

    def _check_sealed_record(self, chain: int, seq: int, seal: Mapping[str, Any], record: Mapping[str, Any] | None,
                             by_record: dict[int, Mapping[str, Any]]) -> None:
        rid = seal["record_id"]
        if record is None:
            self._finding("removed", rid, chain, f"record #{rid} was removed ({chain_name(chain)}, position {seq})")
            return
        self.result.records += 1
        kid = record["key_id"] if record["mac"] is not None else seal["key_id"]  # adopted records have no MAC
        if not self._known_key(kid, chain, rid):
            return
        computed = record_mac(self.keys, kid, record)
        if computed == seal["record_mac"] and record["mac"] in (None, computed):
            return
        moved_from = self._sealed.get(computed or "")
        if moved_from is not None and moved_from != rid and computed == record["mac"]:
            self._finding("moved", rid, chain, f"record #{rid} holds what was sealed as record #{moved_from}: "
                                               f"records were moved or reordered in the database")
        else:
            self._finding("edited", rid, chain, f"record #{rid} was edited in the database after it was written "
                                                f"({chain_name(chain)}, position {seq})")

    def check_unsealed(self, records: Iterable[Mapping[str, Any]]) -> None:
        """Records no seal names: a valid one is only waiting for the seal job; anything else was put there."""
        for record in records:
            self.result.records += 1
            rid, chain = record["id"], chain_of(record)
            if record["mac"] is None:
                self._finding("inserted", rid, chain, f"record #{rid} was inserted directly in the database "
                                                      f"(it carries no MAC)")
                continue
            if not self._known_key(record["key_id"], chain, rid):
                continue
            if record_mac(self.keys, record["key_id"], record) != record["mac"]:
                self._finding("inserted", rid, chain, f"record #{rid} does not match its MAC: inserted or edited "
                                                      f"directly in the database")
            elif record["mac"] in self._sealed:
                self._finding("copied", rid, chain, f"record #{rid} repeats record #{self._sealed[record['mac']]}: "
                                                    f"a copy inserted directly in the database")
            else:
                self.result.pending.append(rid)

    def check_heads(self, saved: Mapping[int, tuple[int, str]], entries: Mapping[int, dict[int, str]]) -> None:
        """Each head saved earlier must still be in its chain, at its position, with its MAC."""
        for chain, (seq, mac) in saved.items():
            if entries.get(chain, {}).get(seq) != mac:
                self._finding("removed", None, chain,
                              f"{chain_name(chain)}: position {seq}, saved earlier as the chain's head, is no longer "
                              f"there as it was: the newest records were removed or the chain rewritten")


def verify(session: Session, *, seal_first: bool = True,
           saved_heads: Mapping[int, tuple[int, str]] | None = None) -> Verification:
    """Check the whole trail in the database (sealing what is waiting first, unless told not to)."""
    if seal_first:
        seal(session, full=True)
    checker = ChainChecker(keys_of(session))
    positions: dict[int, dict[int, str]] = {}
    for chain in repo.chains(session):
        entries = [(_values(s), _values(r) if r is not None else None) for s, r in repo.chain_entries(session, chain)]
        checker.check_chain(chain, entries)
        if saved_heads and chain in saved_heads:
            positions[chain] = {s["seq"]: s["mac"] for s, _ in entries}
    checker.check_unsealed(_values(r) for r in repo.unsealed(session, above=0))
    if saved_heads:
        checker.check_heads(saved_heads, positions)
    session.rollback()
    return checker.result


def verify_rows(keys: AuditKeys, records: list[dict[str, Any]], seals: list[dict[str, Any]]) -> Verification:
    """The same checks over rows held in memory (an archive's tables)."""
    checker = ChainChecker(keys)
    by_id = {r["id"]: r for r in records}
    chains: dict[int, list[dict[str, Any]]] = {}
    for seal_row in seals:
        chains.setdefault(seal_row["chain"], []).append(seal_row)
    for chain in sorted(chains):
        ordered = sorted(chains[chain], key=lambda s: s["seq"])
        checker.check_chain(chain, [(s, by_id.get(s["record_id"])) for s in ordered])
    sealed_ids = {s["record_id"] for s in seals}
    checker.check_unsealed(r for r in records if r["id"] not in sealed_ids)
    return checker.result
