"""timer_sweep_ms: one sweep with 500,000 waiting timers of which 1,000 are due.

1,000 real applications wait at fill_application, each with its boundary
timer (the submission window closing); 499,000 more waiting timer rows are due
later. The service clock is then moved just past the window's close, so those
1,000 are due, and we time:

* ``timer_sweep_find_ms``: the sweep's query (service.workflows.timers.due_query,
  a range scan of ix_timers_waiting_due) returning the 1,000 due instances;
* ``timer_sweep_dispatch_ms``: finding them the way a dispatching sweep would
  (SELECT … FOR UPDATE SKIP LOCKED LIMIT 1000) and handing the 1,000 ids to
  Redis in one pipeline, in one transaction (rolled back, so it can repeat);
* ``timer_sweep_ms``: the service's real Celery sweep path (the body of
  ``appraisal.sweep_timers``): ``Runtime.due_timer_instances`` and one
  ``appraisal.fire_timer_batch`` message per 25 due instances, sent through a
  real Celery app to Redis (a queue of the bench's own, purged afterwards);
* ``timer_fire_inline_ms``: the embedded mode's sweep (service.workflows.timers.sweep,
  limit 1,000), which fires each instance in-line in a transaction of its own.

timer_lateness_p99_s needs the Celery worker and beat with default settings
and is reported by timer_lateness() when they can be started.
"""
from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from sqlalchemy import select, text

from bench import common

DISPATCH_SQL = text("""
    SELECT id, instance_id FROM timers
    WHERE state = 'waiting' AND due_at <= :now
    ORDER BY due_at LIMIT :n FOR UPDATE SKIP LOCKED
""")


def timer_sweep(quick: bool) -> dict[str, Any]:
    from service import clock
    from service.models import Timer
    from service.workflows import timers

    waiting, due = (2_000, 10) if quick else (500_000, 1_000)
    out: dict[str, Any] = {}
    with common.scratch_database("postgresql", "timers") as url:
        try:
            app = common.build_app(url, scorers=3)
            driver = common.Driver(app)
            for _ in range(due):
                driver.create()
            engine = app.extensions["appraisal.db_engine"]
            with driver.sessions() as session:
                real = session.execute(select(Timer.instance_id, Timer.due_at).where(Timer.state == "waiting")).all()
            assert len(real) == due, len(real)
            closes = max(r.due_at for r in real)
            with engine.begin() as conn:
                conn.execute(text("""
                    INSERT INTO timers (instance_id, engine_task_id, element_id, kind, due_at, state)
                    SELECT :instance, 'bench-' || g, 'submission_window_closed', 'date',
                           CAST(:closes AS timestamptz) + interval '1 hour' + (g % 40000) * interval '1 minute', 'waiting'
                    FROM generate_series(1, :n) AS g
                """), {"instance": real[0].instance_id, "closes": closes, "n": waiting - due})
                conn.execute(text("ANALYZE timers"))
                total = conn.execute(text("SELECT count(*) FROM timers WHERE state = 'waiting'")).scalar()
            clock.set_offset(closes + timedelta(minutes=1) - clock.now() + clock._global_offset)
            now = clock.now()
            find_ms, dispatch_ms = [], []
            import redis

            r = redis.Redis.from_url("redis://127.0.0.1:6379/0")
            key = f"appraisal_bench:timer_sweep:{common.RUN_ID}"
            found = dispatched = 0
            for _ in range(3 if quick else 11):
                with driver.sessions() as session:
                    t0 = time.perf_counter()
                    found = len(timers.due_instance_ids(session, now=now, limit=due))
                    find_ms.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                with engine.connect() as conn:
                    with conn.begin() as tx:
                        rows = conn.execute(DISPATCH_SQL, {"now": now, "n": due}).all()
                        pipe = r.pipeline(transaction=False)
                        for row in rows:
                            pipe.rpush(key, f"{row.id}:{row.instance_id}")
                        pipe.execute()
                        tx.rollback()
                dispatch_ms.append((time.perf_counter() - t0) * 1000)
                dispatched = len(rows)
                r.delete(key)
            sweep_ms, enqueued = _celery_sweep(url, now, rounds=3 if quick else 7)
            with driver.sessions() as session:
                t0 = time.perf_counter()
                report = timers.sweep(session=session, services=driver.services, limit=due)
                sweep_s = time.perf_counter() - t0
            out.update({
                "timer_sweep_waiting": total, "timer_sweep_due": found,
                "timer_sweep_find_ms": round(common.median(find_ms), 2),
                "timer_sweep_dispatch_ms": round(common.median(dispatch_ms), 2), "timer_sweep_dispatched": dispatched,
                "timer_sweep_ms": round(common.median(sweep_ms), 1), "timer_sweep_enqueued": enqueued,
                "timer_fire_inline_ms": round(sweep_s * 1000, 1), "timer_sweep_fired": len(report.fired),
                "timer_sweep_errors": len(report.errors),
            })
            engine.dispose()
        finally:
            common.set_bench_clock()
    return out


def _celery_sweep(url: str, now: Any, rounds: int) -> tuple[list[float], int]:
    """Time the Celery sweep's own work: find the due instances, send one message each."""
    from service.config import Settings
    from service.jobs.celery_app import celery_init_app
    from service.jobs.runtime import Runtime

    queue = f"appraisal_bench_sweep_{common.RUN_ID}"
    settings = Settings.from_env({"SECRET_KEY": "bench"}, database_url=url, redis_url="redis://127.0.0.1:6379/13")
    celery = celery_init_app(settings)
    rt = Runtime.build(settings)
    times, enqueued = [], 0
    import redis

    r = redis.Redis.from_url("redis://127.0.0.1:6379/13")
    try:
        for _ in range(rounds):
            t0 = time.perf_counter()
            due = rt.due_timer_instances()
            with celery.producer_or_acquire() as producer:
                for start in range(0, len(due), settings.timer_batch):
                    celery.send_task("appraisal.fire_timer_batch", args=[due[start:start + settings.timer_batch]],
                                     queue=queue, producer=producer)
            times.append((time.perf_counter() - t0) * 1000)
            enqueued = len(due)
            r.delete(queue)
    finally:
        r.delete(queue)
        celery.close()
    return times, enqueued


def timer_lateness(quick: bool) -> dict[str, Any]:
    """How late timers fire after their due time, with a real Celery worker and beat (default settings).

    N applications wait at fill_application; their campaign's window closes
    ~20 s after they are created, so N boundary timers fall due at the same
    moment (as at a real deadline). A worker and a beat started like
    ``make worker`` / ``make beat`` (own Redis database and queue, the service
    clock shared through APPRAISAL_CLOCK_OFFSET_FILE) fire them; lateness is
    ``timers.fired_at - timers.due_at``.
    """
    import os
    import signal
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    from service import clock
    from service.models import Campaign, Timer

    n = 3 if quick else 40
    with common.scratch_database("postgresql", "lateness") as url:
        procs: list[subprocess.Popen] = []
        out: dict[str, Any] = {}
        tmp = tempfile.mkdtemp(prefix="bench-lateness-")
        offset_file = str(Path(tmp) / "clock")
        queue = f"appraisal_bench_{common.RUN_ID}"
        try:
            app = common.build_app(url, scorers=3)
            offset = common.BENCH_NOW - clock.now() + clock._global_offset
            clock.write_offset_file(offset_file, offset)
            driver = common.Driver(app)
            lead = 15 + n * 0.5
            with driver.sessions() as session:
                campaign = session.scalar(select(Campaign))
                campaign.closes_at = clock.now() + timedelta(seconds=lead)
                session.commit()
            for _ in range(n):
                driver.create()
            env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": "redis://127.0.0.1:6379/13",
                   "CELERY_QUEUE": queue, "APPRAISAL_CLOCK_OFFSET_FILE": offset_file,
                   "PYTHONPATH": str(common.ROOT), "SECRET_KEY": "bench-secret"}
            for key in ("TIMER_SWEEP_SECONDS", "OUTBOX_SWEEP_SECONDS", "REMINDER_SWEEP_SECONDS"):
                env.pop(key, None)  # the defaults
            celery = str(Path(sys.executable).parent / "celery")
            log = open(Path(tmp) / "celery.log", "w")
            procs.append(subprocess.Popen([celery, "-A", "service.jobs.celery_app", "worker", "--loglevel=WARNING",
                                           "-Q", queue, "-c", "2", "-n", f"bench{os.getpid()}@%h"],
                                          cwd=common.ROOT, env=env, stdout=log, stderr=log))
            procs.append(subprocess.Popen([celery, "-A", "service.jobs.celery_app", "beat", "--loglevel=WARNING",
                                           "-s", str(Path(tmp) / "beat-schedule")],
                                          cwd=common.ROOT, env=env, stdout=log, stderr=log))
            deadline = time.time() + lead + 120
            fired: list[float] = []
            while time.time() < deadline:
                time.sleep(1)
                with driver.sessions() as session:
                    rows = session.execute(select(Timer.due_at, Timer.fired_at).where(Timer.state == "fired")).all()
                fired = [(r.fired_at - r.due_at).total_seconds() for r in rows]
                if len(fired) >= n:
                    break
            out["timer_lateness_p99_s"] = round(common.percentile(fired, 99), 2) if len(fired) >= n else \
                f"not measured ({len(fired)}/{n} fired within {lead + 120:.0f} s)"
            if fired:
                out["timer_lateness_p50_s"] = round(common.median(fired), 2)
            out["timer_lateness_timers"] = n
            app.extensions["appraisal.db_engine"].dispose()
        finally:
            for p in procs:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            for p in procs:
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            try:
                import redis

                r = redis.Redis.from_url("redis://127.0.0.1:6379/13")
                r.delete(queue, *r.keys(f"*{queue}*"))
            except Exception:  # noqa: BLE001
                pass
    return out
