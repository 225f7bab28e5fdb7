"""Every query lives in service/repositories/ (named for what it answers); use cases, jobs, routes and pages call them.

Outside the repositories (and the tables themselves) no module of service/ builds a statement
(``select``, ``insert``, ``update``, ``delete``, ``text``, ``func`` …) or runs one on a session
(``….execute/scalar/scalars()``, ``….get(Model, id)``). Two modules are allowed what they need, each for a reason:
"""
from __future__ import annotations

import ast
from pathlib import Path

from service.config import ROOT

SERVICE = ROOT / "service"
STATEMENT_BUILDERS = {"select", "insert", "update", "delete", "text", "func", "union_all", "exists", "and_", "or_",
                      "bindparam", "literal", "case", "lambda_stmt"}
ALLOWED = {
    # the visibility policies are SQL conditions (who may see which rows) that the repositories' queries apply
    "service/auth/policies.py": {"and_", "or_"},
    # connection setup: SQLite pragmas and BEGIN IMMEDIATE on each new connection, not a query of the data
    "service/extensions.py": {"cur.execute", "conn.exec_driver_sql"},
}


def _violations(path: Path) -> list[str]:
    rel = path.relative_to(ROOT).as_posix()
    allowed = ALLOWED.get(rel, set())
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlalchemy":
            found += [f"{rel}:{node.lineno} imports {a.name}" for a in node.names
                      if a.name in STATEMENT_BUILDERS and a.name not in allowed]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "sqlalchemy" \
                and node.attr in STATEMENT_BUILDERS:
            found.append(f"{rel}:{node.lineno} sqlalchemy.{node.attr}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            receiver = ast.unparse(node.func.value)
            call = f"{receiver}.{node.func.attr}"
            if call in allowed:
                continue
            if node.func.attr in {"execute", "scalar", "scalars", "exec_driver_sql"}:
                found.append(f"{rel}:{node.lineno} {call}()")
            elif node.func.attr == "get" and node.args and isinstance(node.args[0], ast.Name) \
                    and node.args[0].id[:1].isupper() and not node.args[0].id.isupper():  # session.get(Model, id), not a dict's or Flask's get("key")
                found.append(f"{rel}:{node.lineno} {call}()")
    return found


def _service_modules() -> list[Path]:
    return [p for p in SERVICE.rglob("*.py")
            if not p.relative_to(SERVICE).as_posix().startswith(("repositories/", "models/"))]


def test_no_query_outside_the_repositories() -> None:
    found = [v for path in _service_modules() for v in _violations(path)]
    assert found == [], "move these queries into service/repositories/:\n" + "\n".join(found)


def test_the_check_finds_a_query(tmp_path: Path) -> None:
    """The check above would catch each way a use case could query again."""
    probe = SERVICE / "workflows" / "_probe_query_check.py"
    probe.write_text("from sqlalchemy import select\nfrom service.models import Task\n\n"
                     "def f(session):\n    session.scalar(select(Task))\n    return session.get(Task, 1)\n")
    try:
        found = _violations(probe)
    finally:
        probe.unlink()
    assert len(found) == 3, found  # the import, the scalar() and the get() of a model
