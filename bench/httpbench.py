"""Task completions over HTTP (gunicorn, PostgreSQL): single-client latency and throughput.

Applications are walked to the scoring stage through the use cases first, so
every measured request is a real ``POST /api/tasks/{id}/complete`` of a
democratic_scoring task (the last one of an instance also aggregates the
scores and opens propose_grade). Requests are ordered round-robin across
instances, as independent scorers would send them.
"""
from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from sqlalchemy import select, text

from bench import common
from bench.server import Gunicorn, run_load

SCORERS = 15


def prepare(driver: common.Driver, completions: int) -> tuple[list[list[Any]], dict[int, str]]:
    """Open scoring tasks for at least ``completions`` requests, and a token per scorer."""
    from service.auth.tokens import issue_token
    from service.models import User

    apps = [driver.create() for _ in range(math.ceil(completions / SCORERS))]
    for application_id in apps:  # every item to the shortlist first: one sitting lists them all, as in a campaign
        driver.run_until(application_id, stop_at="preliminary_review")
    for application_id in apps:
        driver.run_until(application_id, stop_at="democratic_scoring")
    per_app = [[t for t in driver.open_tasks(a) if t[1] == "democratic_scoring"] for a in apps]
    tokens: dict[int, str] = {}
    with driver.sessions() as session:
        for uid in {t[2] for tasks in per_app for t in tasks}:
            tokens[uid], _ = issue_token(session, session.get(User, uid), timedelta(days=30))
        session.commit()
    body = common.ANSWERS["democratic_scoring"][1]
    ordered = [tasks[i] for i in range(SCORERS) for tasks in per_app if i < len(tasks)]
    requests = [["POST", f"/api/tasks/{t[0]}/complete", tokens[t[2]], body] for t in ordered]
    return requests, tokens


def summarize(result: dict[str, Any]) -> tuple[float, float, float]:
    lat = [x * 1000 for x in result["latencies"]]
    return common.median(lat), common.percentile(lat, 99), len(lat) / result["wall"]


def http_completions(quick: bool) -> dict[str, Any]:
    single_n = 10 if quick else 300
    load_n = 30 if quick else 3000
    concurrency = 4 if quick else 8
    out: dict[str, Any] = {}
    with common.scratch_database("postgresql", "http") as url:
        app = common.build_app(url, scorers=SCORERS)
        driver = common.Driver(app)
        requests, _ = prepare(driver, single_n + load_n)
        app.extensions["appraisal.db_engine"].dispose()
        with Gunicorn(url) as server:
            warm = run_load(server.base, requests[:10], 1)
            single = run_load(server.base, requests[10:10 + single_n], 1)
            load = run_load(server.base, requests[10 + single_n:], concurrency)
            failures = warm["failures"] + single["failures"] + load["failures"]
            if failures:
                raise RuntimeError(f"{len(failures)} failed requests, e.g. {failures[:3]}")
            p50, p99, _ = summarize(single)
            out["task_completion_p50_ms"] = round(p50, 2)
            out["task_completion_p99_ms_single_client"] = round(p99, 2)
            lp50, lp99, rate = summarize(load)
            out["http_task_completions_per_s"] = round(rate, 1)
            out["http_task_completions_p50_ms"] = round(lp50, 1)
            out["http_task_completions_p99_ms"] = round(lp99, 1)
            out["http_load_concurrency"] = concurrency
            out["http_web_workers"] = len(server.worker_pids())
            out["web_rss_mb_after_http"] = round(server.worker_peak_rss_mb() or float("nan"), 1)
    return out


def inbox(quick: bool) -> dict[str, Any]:
    """A scorer's task list (page of 50) over HTTP with many open tasks in the database."""
    total = 2_000 if quick else 200_000
    out: dict[str, Any] = {}
    with common.scratch_database("postgresql", "inbox") as url:
        app = common.build_app(url, scorers=SCORERS)
        driver = common.Driver(app)
        application_id = driver.create()  # one real instance and application the rows can point at
        with driver.sessions() as session:
            from service.auth.tokens import issue_token
            from service.models import Application, OrgUnit, User

            instance_id = session.scalar(select(Application.instance_id).where(Application.id == application_id))
            scorer_ids = sorted(uid for name, uid in driver.users.items() if name.startswith("bench_scorer_"))
            unit_ids = list(session.scalars(select(OrgUnit.id)))
            token, _ = issue_token(session, session.get(User, scorer_ids[0]), timedelta(days=1))
            session.commit()
        engine = app.extensions["appraisal.db_engine"]
        roles = ["scorer", "unit_submitter", "unit_leader", "vetter", "leading_group", "office"]
        # 200,000 open tasks: about half scoring tasks spread over the scorers, the rest other roles' inbox rows.
        sql = f"""
            INSERT INTO tasks (engine_task_id, instance_id, element_id, name, role, form_key, stage, unit_id,
                               application_id, candidate_user_id, state, due_at, created_at, reminders_sent)
            SELECT 'bench-' || g, :instance, CASE WHEN g % 2 = 0 THEN 'democratic_scoring' ELSE 'preliminary_review' END,
                   '民主评分', CASE WHEN g % 2 = 0 THEN 'scorer' ELSE (ARRAY{roles!r})[1 + g % {len(roles)}] END,
                   'scoring', 'scoring',
                   CASE WHEN g % 2 = 0 THEN NULL ELSE (ARRAY{unit_ids!r})[1 + g % {len(unit_ids)}] END,
                   :application,
                   CASE WHEN g % 2 = 0 THEN (ARRAY{scorer_ids!r})[1 + (g / 2) % {len(scorer_ids)}] ELSE NULL END,
                   'open', now() + (g % 10000) * interval '1 minute', now(), '[]'
            FROM generate_series(1, :n) AS g
        """.replace("ARRAY['", "ARRAY['").replace('"', "'")
        with engine.begin() as conn:
            conn.execute(text(sql), {"instance": instance_id, "application": application_id, "n": total})
            conn.execute(text("ANALYZE tasks"))
            open_count = conn.execute(text("SELECT count(*) FROM tasks WHERE state = 'open'")).scalar()
            mine = conn.execute(text("SELECT count(*) FROM tasks WHERE state = 'open' AND candidate_user_id = :u"),
                                {"u": scorer_ids[0]}).scalar()
        engine.dispose()
        n = 30 if quick else 400
        requests = [["GET", "/api/tasks?page_size=50", token, None] for _ in range(n)]
        with Gunicorn(url) as server:
            run_load(server.base, requests[:20], 1)
            result = run_load(server.base, requests, 1)
            if result["failures"]:
                raise RuntimeError(f"inbox failures: {result['failures'][:3]}")
            lat = [x * 1000 for x in result["latencies"]]
            out["inbox_p95_ms"] = round(common.percentile(lat, 95), 2)
            out["inbox_p50_ms"] = round(common.median(lat), 2)
        out["inbox_open_tasks"] = open_count
        out["inbox_scorer_open_tasks"] = mine
    return out
