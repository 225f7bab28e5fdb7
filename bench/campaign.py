"""campaign_N_seconds: N applications × 15 scorers end to end on PostgreSQL, through the use cases.

Each application is created by its unit, signed off, shortlisted, presented,
scored by all 15 scorers, graded and confirmed: 22 task completions, one
transaction each. Two worker processes (one per core) share the
applications, each built like a web worker (create_app); the peak RSS of a
worker is reported as web_rss_mb.
"""
from __future__ import annotations

import multiprocessing as mp
import time
from queue import Empty
from typing import Any

from bench import common

SCORERS = 15
WORKERS = 2


def _worker(url: str, count: int, queue: Any, barrier: Any) -> None:
    from service import create_app

    common.set_bench_clock()
    app = create_app(common.settings(url))
    driver = common.Driver(app)
    barrier.wait()  # the clock starts when every worker is up
    completions = 0
    t0 = time.perf_counter()
    for _ in range(count):
        completions += driver.whole_instance()
    import os

    # VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so a spawned child would
    # report the peak of the parent it was forked from.
    queue.put({"completions": completions, "seconds": time.perf_counter() - t0,
               "rss_mb": common.proc_status_mb(os.getpid(), "VmHWM") or common.rss_peak_mb(),
               "rss_now_mb": common.proc_status_mb(os.getpid(), "VmRSS"),
               "cached_workflows": len(driver.services.engine._workflows)})
    app.extensions["appraisal.db_engine"].dispose()


def run_campaign(url: str, applications: int) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    shares = [applications // WORKERS + (1 if i < applications % WORKERS else 0) for i in range(WORKERS)]
    barrier = ctx.Barrier(WORKERS + 1)
    procs = [ctx.Process(target=_worker, args=(url, n, queue, barrier)) for n in shares]
    for p in procs:
        p.start()
    barrier.wait(timeout=120)
    t0 = time.perf_counter()
    results = []
    while len(results) < len(procs):
        try:
            results.append(queue.get(timeout=5))
        except Empty:
            if any(p.exitcode not in (None, 0) for p in procs):
                for p in procs:
                    p.kill()
                raise RuntimeError(f"a campaign worker failed (exit codes {[p.exitcode for p in procs]})") from None
    for p in procs:
        p.join()
    wall = time.perf_counter() - t0
    completions = sum(r["completions"] for r in results)
    return {"seconds": wall, "completions": completions, "rss_mb": max(r["rss_mb"] for r in results),
            "rss_now_mb": max(r["rss_now_mb"] or 0 for r in results)}


def campaign(quick: bool, sizes: tuple[int, ...] | None = None) -> dict[str, Any]:
    sizes = sizes or ((4,) if quick else (200, 2000))
    out: dict[str, Any] = {}
    for n in sizes:
        with common.scratch_database("postgresql", "campaign") as url:
            app = common.build_app(url, scorers=SCORERS)
            app.extensions["appraisal.db_engine"].dispose()
            result = run_campaign(url, n)
        out[f"campaign_{n}_seconds"] = round(result["seconds"], 1)
        out[f"campaign_{n}_task_completions"] = result["completions"]
        out[f"campaign_{n}_completions_per_s"] = round(result["completions"] / result["seconds"], 1)
        out[f"web_rss_mb_campaign_{n}"] = round(result["rss_mb"], 1)
        out["web_rss_mb"] = round(result["rss_mb"], 1)
    return out
