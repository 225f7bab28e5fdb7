"""Load-independent figures per operation of each benchmark family: ``python -m bench.counts [--json PATH]``.

Timed figures drift with the machine's load; how much work an operation does does not. For each family's
operation this counts, per operation: Python function calls (cProfile's total, as bench/call_count.py does
for one scoring completion), SQL statements sent (SQLAlchemy's ``before_cursor_execute``) and, on
PostgreSQL, round trips (psycopg's ``wait``: BEGIN and COMMIT included). Comparing two commits by these
says whether a change added work to a hot path even when the timed figures are too noisy to say.

It uses only what the bench driver offered before the meetings (``Driver.create``, ``next_task``,
``complete``, ``open_tasks``), so it runs unchanged against an older checkout once copied there:
``cp bench/counts.py OLD/bench/ && cd OLD && PYTHONPATH=. python -m bench.counts``. Operations an older commit does not have are
reported as missing; a step the meetings now decide (a sitting of one: prepare, views, close) is a
different operation from the per-item task it replaced, and is named so.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import pstats
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import event, select

from bench import common

MEETING_STEPS = {"await_forwarding", "preliminary_review", "set_grade", "chair_confirmation"}


class Counter:
    """Calls, statements and round trips per named operation, summed over repetitions."""

    def __init__(self) -> None:
        self.totals: dict[str, dict[str, float]] = {}
        self.statements = 0

    def watch(self, engine: Any) -> None:
        def count(*_: Any) -> None:
            self.statements += 1

        event.listen(engine, "before_cursor_execute", count)

    @contextmanager
    def measure(self, name: str) -> Iterator[None]:
        profile = cProfile.Profile()
        before = self.statements
        profile.enable()
        try:
            yield
        finally:
            profile.disable()
        stats = pstats.Stats(profile)
        waits = sum(row[1] for (path, _line, fn), row in stats.stats.items()
                    if fn == "wait" and path.endswith("psycopg/connection.py"))
        total = self.totals.setdefault(name, {"n": 0, "python_calls": 0, "sql_statements": 0, "db_round_trips": 0})
        total["n"] += 1
        total["python_calls"] += stats.total_calls
        total["sql_statements"] += self.statements - before
        total["db_round_trips"] += waits

    def per_operation(self) -> dict[str, dict[str, float]]:
        return {name: {k: round(v / t["n"], 1) if k != "n" else v for k, v in t.items()}
                for name, t in sorted(self.totals.items())}


def whole_instances(counter: Counter, kind: str, scorers: int = 15, instances: int = 3) -> None:
    """Every step of whole instances (the engine_overhead and campaign families' operation), per element;
    the first instance warms the caches and is not counted."""
    with common.scratch_database(kind, "counts") as url:
        app = common.build_app(url, scorers=scorers)
        counter.watch(app.extensions["appraisal.db_engine"])
        driver = common.Driver(app)
        driver.whole_instance()
        for _ in range(instances):
            with counter.measure(f"{kind}:start"):
                application_id = driver.create()
            while (task := driver.next_task(application_id)) is not None:
                name = f"{kind}:{'meeting:' if task[1] in MEETING_STEPS and _is_waiting(driver, task) else ''}{task[1]}"
                with counter.measure(name):
                    driver.complete(task)
        app.extensions["appraisal.db_engine"].dispose()


def _is_waiting(driver: common.Driver, task: tuple[int, str, int | None]) -> bool:
    from service.models import Task

    with driver.sessions() as session:
        return session.scalar(select(Task.state).where(Task.id == task[0])) == "waiting"


def scoring_100(counter: Counter, scorers: int = 100) -> None:
    """One scoring completion with 100 scorers on the instance (the scorers_100 family)."""
    with common.scratch_database("postgresql", "counts100") as url:
        app = common.build_app(url, scorers=scorers)
        counter.watch(app.extensions["appraisal.db_engine"])
        driver = common.Driver(app)
        for _ in range(2):
            application_id = driver.create()
            driver.run_until(application_id, stop_at="democratic_scoring")
            for task in driver.open_tasks(application_id)[:30]:
                if task[1] == "democratic_scoring":
                    with counter.measure(f"postgresql:scoring_completion_{scorers}_scorers"):
                        driver.complete(task)
        app.extensions["appraisal.db_engine"].dispose()


def http_requests(counter: Counter) -> None:
    """The http and inbox families' requests, through Flask's test client (the same WSGI app gunicorn serves):
    a scorer's ``POST /api/tasks/{id}/complete`` with 15 scorers, and a scorer's ``GET /api/tasks?page_size=50``."""
    with common.scratch_database("postgresql", "countshttp") as url:
        app = common.build_app(url, scorers=15)
        counter.watch(app.extensions["appraisal.db_engine"])
        driver = common.Driver(app)
        apps = [driver.create() for _ in range(3)]
        for application_id in apps:
            driver.run_until(application_id, stop_at="democratic_scoring")
        client = app.test_client()
        body = common.ANSWERS["democratic_scoring"][1]
        tasks = [t for a in apps for t in driver.open_tasks(a) if t[1] == "democratic_scoring"]
        ordered = [t for i in range(15) for t in tasks[i::15]]  # round-robin over instances, as in the http family
        scorer = ordered[0][2]
        for _ in range(3):  # warm
            client.get("/api/tasks?page_size=50", headers={"Authorization": f"Bearer {driver.tokens[scorer]}"})
        for _ in range(10):
            with counter.measure("postgresql:http_get_inbox_page"):
                r = client.get("/api/tasks?page_size=50", headers={"Authorization": f"Bearer {driver.tokens[scorer]}"})
            assert r.status_code == 200, r.get_data(as_text=True)[:300]
        for i, (task_id, _element, candidate) in enumerate(ordered[:-1]):  # the last one closes scoring
            name = "postgresql:http_post_scoring_completion" if i >= 3 else "warm"
            with counter.measure(name):
                r = client.post(f"/api/tasks/{task_id}/complete", json=body,
                                headers={"Authorization": f"Bearer {driver.tokens[candidate]}"})
            assert r.status_code == 200, r.get_data(as_text=True)[:300]
        counter.totals.pop("warm", None)
        app.extensions["appraisal.db_engine"].dispose()


def timer_fires(counter: Counter, due: int = 5) -> None:
    """The timers family's in-line sweep: ``timers.sweep`` firing the window's close of ``due`` items, per item."""
    from datetime import timedelta

    from service import clock
    from service.models import Timer
    from service.workflows import timers

    with common.scratch_database("postgresql", "countstimers") as url:
        try:
            app = common.build_app(url, scorers=3)
            counter.watch(app.extensions["appraisal.db_engine"])
            driver = common.Driver(app)
            for _ in range(due):
                driver.create()
            with driver.sessions() as session:
                closes = max(session.scalars(select(Timer.due_at).where(Timer.state == "waiting")))
            clock.set_offset(closes + timedelta(minutes=1) - clock.now() + clock._global_offset)
            with driver.sessions() as session:
                with counter.measure("postgresql:timer_sweep_of_5"):
                    report = timers.sweep(session=session, services=driver.services, limit=due)
            assert len(report.fired) == due, report
            app.extensions["appraisal.db_engine"].dispose()
        finally:
            common.set_bench_clock()
    total = counter.totals.pop("postgresql:timer_sweep_of_5")
    counter.totals["postgresql:timer_fire_per_item"] = {k: (v / due if k != "n" else 1) for k, v in total.items()}


def bpmn_parse(counter: Counter) -> None:
    """The bpmn_validation family: one ``Engine.parse`` of this checkout's appraisal BPMN (warm caches)."""
    from service.config import ROOT, Settings
    from service.workflows.services import build_services

    engine = build_services(Settings.from_env({})).engine
    xml = (ROOT / "processes" / "innovation_appraisal.bpmn").read_bytes()
    engine.parse(xml)
    for _ in range(3):
        with counter.measure("engine_parse_appraisal_bpmn"):
            engine.parse(xml)


FAMILIES = {"whole_sqlite": lambda c: whole_instances(c, "sqlite"),
            "whole_postgresql": lambda c: whole_instances(c, "postgresql"),
            "scoring_100": scoring_100, "http": http_requests, "timers": timer_fires, "bpmn": bpmn_parse}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=sorted(FAMILIES))
    parser.add_argument("--json", default=None, help="also write the figures here")
    args = parser.parse_args()
    counter = Counter()
    failed = []
    for name in args.only or list(FAMILIES):
        try:
            FAMILIES[name](counter)
        except Exception as exc:  # noqa: BLE001 - an older checkout may lack a family's operation
            failed.append(f"{name}: {type(exc).__name__}: {exc}"[:300])
    figures = counter.per_operation()
    for name, figure in figures.items():
        print(f"{name}: calls {figure['python_calls']:.0f}, statements {figure['sql_statements']}, "
              f"round trips {figure['db_round_trips']} (n={figure['n']})", flush=True)
    for line in failed:
        print(f"# failed {line}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"figures": figures, "failed": failed}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
