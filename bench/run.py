"""Run the benchmark suite: ``python -m bench.run [--quick] [--only NAME ...]``.

Prints one ``name: value`` line per figure and writes them, with a description
of the machine, to bench/results.json (bench/results-quick.json for --quick).
Figures are medians of several runs; ratios compare both sides in the same run.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from bench import campaign, common, engine_overhead, httpbench, orgimport, timersbench, validation

BENCHMARKS: dict[str, Callable[[bool], dict[str, Any]]] = {
    "engine_overhead": engine_overhead.engine_overhead,
    "scorers_100": engine_overhead.scorers_100,
    "http": httpbench.http_completions,
    "inbox": httpbench.inbox,
    "timers": timersbench.timer_sweep,
    "timer_lateness": timersbench.timer_lateness,
    "campaign": campaign.campaign,
    "bpmn_validation": validation.bpmn_validation,
    "org_import": orgimport.org_import,
}


def machine() -> dict[str, Any]:
    def cpu_model() -> str:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
        return platform.processor()

    def mem_total_mb() -> int:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
        return 0

    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(common.PG_ADMIN_URL)
        with engine.connect() as conn:
            pg = conn.execute(text("SHOW server_version")).scalar()
            fsync = conn.execute(text("SHOW synchronous_commit")).scalar()
        engine.dispose()
    except Exception as exc:  # noqa: BLE001
        pg, fsync = f"unavailable ({type(exc).__name__})", None
    try:
        git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                             cwd=common.ROOT).stdout.strip()
    except OSError:
        git = ""
    import SpiffWorkflow

    return {
        "nproc": os.cpu_count(), "cpu_model": cpu_model(), "memory_mb": mem_total_mb(),
        "python": platform.python_version(), "sqlite": sqlite3.sqlite_version, "postgresql": pg,
        "postgresql_synchronous_commit": fsync, "spiffworkflow": getattr(SpiffWorkflow, "__version__", "3.2.0"),
        "loadavg_at_start": os.getloadavg(), "git_head": git, "platform": platform.platform(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every benchmark on tiny inputs (for CI)")
    parser.add_argument("--only", action="append", choices=sorted(BENCHMARKS), help="run only these families")
    parser.add_argument("--campaign-sizes", default=None,
                        help="comma-separated campaign sizes (default 200,2000; quick 4)")
    parser.add_argument("--output", default=None, help="where to write the JSON results")
    args = parser.parse_args(argv)
    chosen = args.only or list(BENCHMARKS)
    results: dict[str, Any] = {}
    timings: dict[str, float] = {}
    failed: list[str] = []
    info = machine()
    print(f"# machine: {info['nproc']} cpu, {info['cpu_model']}, {info['memory_mb']} MB, Python {info['python']}, "
          f"SQLite {info['sqlite']}, PostgreSQL {info['postgresql']}", flush=True)
    loads: dict[str, list[float]] = {}
    for name in chosen:
        t0 = time.perf_counter()
        load_before = os.getloadavg()[0]
        try:
            fn = BENCHMARKS[name]
            if name == "campaign" and args.campaign_sizes:
                figures = campaign.campaign(args.quick, tuple(int(x) for x in args.campaign_sizes.split(",")))
            else:
                figures = fn(args.quick)
        except Exception:  # noqa: BLE001 - report and go on with the other families
            traceback.print_exc()
            failed.append(name)
            continue
        finally:
            timings[name] = round(time.perf_counter() - t0, 1)
            loads[name] = [round(load_before, 1), round(os.getloadavg()[0], 1)]
        for key, value in figures.items():
            print(f"{key}: {value}", flush=True)
        results.update(figures)
    path = Path(args.output).resolve() if args.output else common.ROOT / "bench" / ("results-quick.json" if args.quick else "results.json")
    previous = json.loads(path.read_text()) if path.exists() and args.only else {}
    merged = {**previous.get("figures", {}), **results}
    path.write_text(json.dumps({
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "quick": args.quick,
        "machine": info, "figures": merged, "family_seconds": {**previous.get("family_seconds", {}), **timings},
        "loadavg_1min_before_after": {**previous.get("loadavg_1min_before_after", {}), **loads},
        "failed": failed,
    }, ensure_ascii=False, indent=2) + "\n")
    print(f"# wrote {path}; families took {timings} s; "
          f"1-min load average before/after each: {loads}", flush=True)
    if failed:
        print(f"# FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
