"""The keys that make the audit trail tamper-evident.

Every audit record carries an HMAC made with ``AUDIT_KEY`` when it is written,
and the seal job chains the records with HMACs too. The key never enters the
database, so whoever can write the tables (a database owner included) can edit,
insert or delete rows but cannot make MACs that verify. Keys are named by a
short fingerprint stored beside each MAC, so ``AUDIT_KEY`` can be rotated:
the previous keys go in ``AUDIT_OLD_KEYS`` and records made with them still
verify, and a server that imported another server's archive verifies its trail
with that server's key in the same list.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

DEVELOPMENT_KEY = "appraisal-flow-development-audit-key"
"""Used when ``AUDIT_KEY`` is unset: the trail is then only a hash chain anyone could recompute."""


@functools.lru_cache(maxsize=32)
def key_id(key: str) -> str:
    """A public name for a key (the first 16 hex digits of a hash that reveals nothing of it)."""
    return hashlib.sha256(b"appraisal-audit-key-id\x00" + key.encode("utf-8")).hexdigest()[:16]


def canonical(value: Any) -> bytes:
    """One byte string per JSON value: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")


@dataclass(frozen=True)
class AuditKeys:
    """The key new MACs are made with, and every key MACs may have been made with."""

    current: str
    old: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, audit_key: str, old_keys: tuple[str, ...] = ()) -> "AuditKeys":
        return cls(audit_key or DEVELOPMENT_KEY, tuple(k for k in old_keys if k))

    @property
    def current_id(self) -> str:
        return key_id(self.current)

    @property
    def is_development(self) -> bool:
        return self.current == DEVELOPMENT_KEY

    def known(self, kid: str | None) -> bool:
        return kid is not None and self._key(kid) is not None

    def mac(self, kid: str, purpose: str, value: Any) -> str | None:
        """HMAC-SHA256 of ``value`` for ``purpose`` under the key named ``kid``; None for a key we do not hold."""
        key = self._key(kid)
        if key is None:
            return None
        message = purpose.encode("ascii") + b"\x00" + canonical(value)
        return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()

    def _key(self, kid: str) -> str | None:
        for key in (self.current, *self.old):
            if key_id(key) == kid:
                return key
        return None
