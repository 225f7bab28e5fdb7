"""engine_overhead_ratio (SQLite, PostgreSQL) and scorers_100_completion_ms.

Both sides run in the same process, interleaved, on the same BPMN and data:
the service side goes through the use cases (create_application, then
tasks.complete for each open task, one transaction per completion); the bare
side is SpiffWorkflow in memory (bench/bare.py).
"""
from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event

from bench import bare, common


def engine_overhead(quick: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    runs = 3 if quick else 15
    scorers = 2 if quick else 7
    for kind in ("sqlite", "postgresql"):
        with common.scratch_database(kind, "overhead") as url:
            app = common.build_app(url, scorers=scorers)
            driver = common.Driver(app)
            with driver.sessions() as session:
                data = common.start_data(session)
            driver.whole_instance()  # warm caches (spec, forms, handlers) on both sides
            bare.run_instance(data, common.bare_answer)
            service_ms, bare_ms, ratios, roundtrip_ms, uncached_ms = [], [], [], [], []
            completions = 0
            engine = driver.services.engine
            statements = [0]

            def count(*_: Any) -> None:
                statements[0] += 1

            event.listen(app.extensions["appraisal.db_engine"], "before_cursor_execute", count)
            for i in range(runs):
                t0 = time.perf_counter()
                completions = driver.whole_instance()
                t1 = time.perf_counter()
                bare.run_instance(data, common.bare_answer)
                t2 = time.perf_counter()
                service_ms.append((t1 - t0) * 1000)
                bare_ms.append((t2 - t1) * 1000)
                ratios.append((t1 - t0) / (t2 - t1))
                if i == 0:
                    # SQL statements per transaction (start + completions), without the driver's own
                    # lookups (the next open task, and the user from a token: 2 per transaction)
                    per_completion = (statements[0] - 2 * (completions + 1)) / (completions + 1)
                # A/B in the same run: the same instance with the engine's workflow cache off.
                size = engine._workflow_cache_size
                engine._workflow_cache_size = 0
                engine._workflows.clear()
                t3 = time.perf_counter()
                driver.whole_instance()
                uncached_ms.append((time.perf_counter() - t3) * 1000)
                engine._workflow_cache_size = size
            event.remove(app.extensions["appraisal.db_engine"], "before_cursor_execute", count)
            out[f"service_instance_ms_{kind}_without_workflow_cache"] = round(common.median(uncached_ms), 1)
            out[f"sql_statements_per_completion_{kind}"] = round(per_completion, 1)
            if kind == "sqlite":
                for _ in range(max(3, runs // 3)):
                    t0 = time.perf_counter()
                    bare.run_instance(data, common.bare_answer, json_roundtrip=True)
                    roundtrip_ms.append((time.perf_counter() - t0) * 1000)
                out["bare_engine_instance_ms"] = round(common.median(bare_ms), 2)
                out["bare_engine_json_roundtrip_instance_ms"] = round(common.median(roundtrip_ms), 2)
            floor_ms = min_transaction_ms(app, runs=30 if quick else 200)
            out[f"db_min_transaction_ms_{kind}"] = round(floor_ms, 3)
            # What one transaction per completion (+1 to start) costs at the very least, against the bare engine.
            out[f"engine_overhead_floor_ratio_{kind}"] = round((completions + 1) * floor_ms / common.median(bare_ms), 1)
            out[f"service_instance_ms_{kind}"] = round(common.median(service_ms), 1)
            out[f"engine_overhead_ratio_{kind}"] = round(common.median(ratios), 1)
            out["instance_user_tasks"] = completions
            app.extensions["appraisal.db_engine"].dispose()
    return out


def min_transaction_ms(app: Any, runs: int) -> float:
    """Median of the smallest transaction a completion needs: lock the instance row, update it, commit."""
    from sqlalchemy import text

    engine = app.extensions["appraisal.db_engine"]
    instance_id = None
    times = []
    with engine.connect() as conn:
        conn.commit()
        instance_id = conn.execute(text("SELECT min(id) FROM process_instances")).scalar()
        conn.commit()
        for _ in range(runs):
            t0 = time.perf_counter()
            with conn.begin():
                conn.execute(text("SELECT id FROM process_instances WHERE id = :i FOR UPDATE")
                             if engine.dialect.name == "postgresql" else
                             text("SELECT id FROM process_instances WHERE id = :i"), {"i": instance_id})
                conn.execute(text("UPDATE process_instances SET revision = revision WHERE id = :i"), {"i": instance_id})
            times.append((time.perf_counter() - t0) * 1000)
    return common.median(times)


def scorers_100(quick: bool) -> dict[str, Any]:
    """One scoring completion with N scorers on the instance, service vs bare step (medians)."""
    n = 10 if quick else 100
    with common.scratch_database("postgresql", "scorers") as url:
        app = common.build_app(url, scorers=n)
        driver = common.Driver(app)
        with driver.sessions() as session:
            data = common.start_data(session)
        service_ms: list[float] = []
        for _ in range(1 if quick else 2):
            application_id = driver.create()
            driver.run_until(application_id, stop_at="democratic_scoring")
            for task in driver.open_tasks(application_id):
                if task[1] != "democratic_scoring":
                    continue
                t0 = time.perf_counter()
                driver.complete(task)
                service_ms.append((time.perf_counter() - t0) * 1000)
        bare_ms: list[float] = []
        for _ in range(3):
            workflow = bare.new_workflow(data)
            while True:
                ready = bare.ready_user_tasks(workflow)
                if ready[0].task_spec.bpmn_id == "democratic_scoring":
                    break
                bare.complete(workflow, ready[0], common.bare_answer(ready[0]))
            for task in bare.ready_user_tasks(workflow):
                t0 = time.perf_counter()
                bare.complete(workflow, task, common.bare_answer(task))
                bare_ms.append((time.perf_counter() - t0) * 1000)
        app.extensions["appraisal.db_engine"].dispose()
    key = f"scorers_{n}"
    s, b = common.median(service_ms), common.median(bare_ms)
    return {f"{key}_completion_ms": round(s, 2), f"{key}_bare_step_ms": round(b, 3),
            f"{key}_ratio": round(s / b, 1)}
