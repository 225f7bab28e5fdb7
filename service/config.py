"""Settings, all read from the environment (secrets never live in the code)."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Mapping

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite:///{ROOT / 'instance' / 'appraisal.db'}"
    redis_url: str | None = None
    secret_key: str = ""
    processes_dir: Path = ROOT / "processes"
    token_ttl: timedelta = timedelta(hours=12)
    session_ttl: timedelta = timedelta(hours=8)
    login_attempts_per_minute: int = 10
    timer_sweep_seconds: float = 2.0
    reminder_sweep_seconds: float = 60.0
    outbox_batch: int = 100
    outbox_sweep_seconds: float = 2.0
    outbox_max_attempts: int = 8
    outbox_backoff_seconds: float = 30.0
    outbox_lease_seconds: float = 120.0
    max_upload_bytes: int = 10 * 1024 * 1024
    attachment_types: tuple[str, ...] = (
        "application/pdf", "image/png", "image/jpeg",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/msword",
    )
    base_url: str = "http://127.0.0.1:5000"
    audit_key: str = ""
    audit_old_keys: tuple[str, ...] = ()
    audit_seal_seconds: float = 5.0
    load_demo: bool = False
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> "Settings":
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        if env.get("DATABASE_URL"):
            values["database_url"] = env["DATABASE_URL"]
        if env.get("REDIS_URL"):
            values["redis_url"] = env["REDIS_URL"]
        values["secret_key"] = env.get("SECRET_KEY") or secrets.token_hex(32)
        if env.get("PROCESSES_DIR"):
            values["processes_dir"] = Path(env["PROCESSES_DIR"])
        if env.get("TOKEN_TTL_MINUTES"):
            values["token_ttl"] = timedelta(minutes=int(env["TOKEN_TTL_MINUTES"]))
        if env.get("SESSION_TTL_MINUTES"):
            values["session_ttl"] = timedelta(minutes=int(env["SESSION_TTL_MINUTES"]))
        if env.get("LOGIN_ATTEMPTS_PER_MINUTE"):
            values["login_attempts_per_minute"] = int(env["LOGIN_ATTEMPTS_PER_MINUTE"])
        if env.get("TIMER_SWEEP_SECONDS"):
            values["timer_sweep_seconds"] = float(env["TIMER_SWEEP_SECONDS"])
        if env.get("REMINDER_SWEEP_SECONDS"):
            values["reminder_sweep_seconds"] = float(env["REMINDER_SWEEP_SECONDS"])
        for name, cast in (("OUTBOX_SWEEP_SECONDS", float), ("OUTBOX_MAX_ATTEMPTS", int),
                           ("OUTBOX_BACKOFF_SECONDS", float), ("OUTBOX_LEASE_SECONDS", float),
                           ("OUTBOX_BATCH", int)):
            if env.get(name):
                values[name.lower()] = cast(env[name])
        if env.get("MAX_UPLOAD_BYTES"):
            values["max_upload_bytes"] = int(env["MAX_UPLOAD_BYTES"])
        if env.get("BASE_URL"):
            values["base_url"] = env["BASE_URL"]
        values["audit_key"] = env.get("AUDIT_KEY", "")
        values["audit_old_keys"] = tuple(k.strip() for k in env.get("AUDIT_OLD_KEYS", "").split(",") if k.strip())
        if env.get("AUDIT_SEAL_SECONDS"):
            values["audit_seal_seconds"] = float(env["AUDIT_SEAL_SECONDS"])
        values["load_demo"] = env.get("LOAD_DEMO", "0") == "1"
        values["extra"] = dict(env)
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]
