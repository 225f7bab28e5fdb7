"""Settings, all read from the environment (secrets never live in the code).

This is the only module of ``service/`` that reads ``os.environ`` (a test keeps it so):
an app is built from ``Settings.from_env()`` (or settings a test constructs), and the few
process-wide switches read outside a request (the test clock file, fault points, snapshot
verification, Celery's module-level app) ask :func:`current`, this process's settings.
"""
from __future__ import annotations

import os
import secrets
import threading
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
    password_link_ttl: timedelta = timedelta(hours=72)
    session_cookie_secure: bool = False
    forwarded_hops: int = 0
    login_attempts_per_minute: int = 10
    login_attempts_per_address_per_minute: int = 30
    objections_per_hour: int = 5
    timer_sweep_seconds: float = 2.0
    reminder_sweep_seconds: float = 60.0
    notice_sweep_seconds: float = 60.0
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
    run_jobs: bool = True
    timer_batch: int = 25
    celery_queue: str = "appraisal"
    celery_visibility_timeout: float = 3600.0
    celery_restore_interval: float = 10.0
    celery_restore_throttle: int = 10
    celery_redis_socket_timeout: float = 30.0
    # Test-only switches, never set in production (README Settings, "for tests").
    clock_offset_file: str | None = None
    fault_point: str | None = None
    fault_armed_file: str | None = None
    fault_pause_seconds: float = 120.0
    verify_snapshots: bool = False
    #: The whole environment it was read from: the notification channels read their
    #: SMTP_* / SMS_* variables from it (notifications.Dispatcher.from_env).
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
        if env.get("PASSWORD_LINK_TTL_HOURS"):
            values["password_link_ttl"] = timedelta(hours=float(env["PASSWORD_LINK_TTL_HOURS"]))
        values["session_cookie_secure"] = env.get("SESSION_COOKIE_SECURE", "0").lower() in ("1", "true", "yes")
        if env.get("FORWARDED_HOPS"):
            values["forwarded_hops"] = int(env["FORWARDED_HOPS"])
        if env.get("LOGIN_ATTEMPTS_PER_MINUTE"):
            values["login_attempts_per_minute"] = int(env["LOGIN_ATTEMPTS_PER_MINUTE"])
        if env.get("LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE"):
            values["login_attempts_per_address_per_minute"] = int(env["LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE"])
        if env.get("OBJECTIONS_PER_HOUR"):
            values["objections_per_hour"] = int(env["OBJECTIONS_PER_HOUR"])
        if env.get("NOTICE_SWEEP_SECONDS"):
            values["notice_sweep_seconds"] = float(env["NOTICE_SWEEP_SECONDS"])
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
        values["run_jobs"] = env.get("RUN_JOBS", "1") != "0"
        for name, cast in (("TIMER_BATCH", int), ("CELERY_QUEUE", str), ("CELERY_VISIBILITY_TIMEOUT", float),
                           ("CELERY_RESTORE_INTERVAL", float), ("CELERY_RESTORE_THROTTLE", int),
                           ("CELERY_REDIS_SOCKET_TIMEOUT", float)):
            if env.get(name):
                values[name.lower()] = cast(env[name])
        values["clock_offset_file"] = env.get("APPRAISAL_CLOCK_OFFSET_FILE") or None
        values["fault_point"] = env.get("APPRAISAL_FAULT_POINT") or None
        values["fault_armed_file"] = env.get("APPRAISAL_FAULT_ARMED_FILE") or None
        if env.get("APPRAISAL_FAULT_PAUSE_SECONDS"):
            values["fault_pause_seconds"] = float(env["APPRAISAL_FAULT_PAUSE_SECONDS"])
        values["verify_snapshots"] = env.get("APPRAISAL_VERIFY_SNAPSHOTS") == "1"
        values["extra"] = dict(env)
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


_lock = threading.Lock()
_current: Settings | None = None


def current() -> Settings:
    """This process's settings, read from its environment once."""
    global _current
    if _current is None:
        with _lock:
            if _current is None:
                _current = Settings.from_env()
    return _current


def set_current(settings: Settings | None) -> None:
    """Replace this process's settings (``None``: read the environment again on next use); for tests."""
    global _current
    with _lock:
        _current = settings
