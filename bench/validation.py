"""bpmn_validate_ms and bpmn_rules_ms: what validating the bundled appraisal costs (per deploy, not per request).

``bpmn_validate_ms`` is the whole ``Engine.parse`` (decode, safe XML parse, every rule, SpiffWorkflow's
own parser and spec serialization); ``bpmn_rules_ms`` only the project's rules (element, graph, data).
"""
from __future__ import annotations

import statistics
import time
from typing import Any, Callable

from service.config import ROOT, Settings
from service.engine.validation import check, parse_safely
from service.workflows.services import build_services


def _median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return round(statistics.median(times) * 1000, 2)


def bpmn_validation(quick: bool) -> dict[str, Any]:
    runs = 5 if quick else 40
    engine = build_services(Settings.from_env({})).engine
    xml = (ROOT / "processes" / "innovation_appraisal.bpmn").read_bytes()
    engine.parse(xml)  # warm the schema and handler caches
    root, _ = parse_safely(xml)
    return {"bpmn_validate_ms": _median_ms(lambda: engine.parse(xml), runs),
            "bpmn_rules_ms": _median_ms(lambda: check(root, engine.rules), runs)}
