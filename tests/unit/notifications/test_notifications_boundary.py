"""The package stays free of the web app, the database layer and workflows."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import notifications

FORBIDDEN = ("flask", "service", "SpiffWorkflow", "sqlalchemy", "celery", "handlers", "werkzeug")
PACKAGE_DIR = Path(notifications.__file__).parent
REPO_ROOT = PACKAGE_DIR.parent


def _top_level(name: str) -> str:
    return name.split(".")[0]


def test_source_imports_nothing_forbidden() -> None:
    offenders = []
    for path in PACKAGE_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            # the one exception: the catalogue of text, which every layer may use (service/catalogue)
            offenders += [f"{path.name}: {n}" for n in names if _top_level(n) in FORBIDDEN
                          and not (isinstance(node, ast.ImportFrom) and n == "service" and
                                   [a.name for a in node.names] == ["catalogue"])]
    assert offenders == []


def test_importing_the_package_loads_nothing_forbidden() -> None:
    code = "import json, sys, notifications; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True, timeout=30
    ).stdout
    loaded = {_top_level(m) for m in json.loads(out)}
    assert loaded.isdisjoint(FORBIDDEN), loaded & set(FORBIDDEN)
