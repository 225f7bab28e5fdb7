"""The import contracts (pyproject.toml, `lint-imports` in `make test`) catch what they promise to catch.

Each contract is tried on a copy of the code with one violation planted, so a contract
that silently stopped matching (a renamed layer, a module outside every layer) fails here.
Settings are read only in service/config.py.
"""
from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from service.config import ROOT

SERVICE = ROOT / "service"


def _contracts() -> list[dict]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def _service_children() -> set[str]:
    return {p.stem if p.is_file() else p.name for p in SERVICE.iterdir()
            if (p.suffix == ".py" and p.stem != "__init__") or (p.is_dir() and (p / "__init__.py").exists())}


def test_settings_are_read_only_in_config() -> None:
    """No module of service/ but config.py reads the environment (README Settings lists what it reads)."""
    readers = []
    for path in SERVICE.rglob("*.py"):
        if path == SERVICE / "config.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv", "environb"}
                    and isinstance(node.value, ast.Name) and node.value.id == "os") \
                    or (isinstance(node, ast.ImportFrom) and node.module == "os"
                        and any(a.name in {"environ", "getenv"} for a in node.names)):
                readers.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert readers == []


def test_every_module_but_the_engine_is_kept_from_spiffworkflow() -> None:
    contract = next(c for c in _contracts() if c.get("forbidden_modules") == ["SpiffWorkflow"])
    listed = {m.removeprefix("service.") for m in contract["source_modules"] if m.startswith("service.")}
    assert listed == _service_children() - {"engine"}


def test_each_contract_catches_a_planted_violation(tmp_path: Path) -> None:
    for package in ("service", "handlers", "notifications"):
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=lambda d, names: [n for n in names if not n.endswith(".py") and not (Path(d) / n).is_dir()
                                                 or n in {"__pycache__", "static", "templates"}])
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    pristine = _lint(tmp_path)
    assert pristine.returncode == 0, pristine.stdout
    # 1. a root module importing SpiffWorkflow (it used to be in no contract)
    with open(tmp_path / "service" / "clock.py", "a", encoding="utf-8") as fh:
        fh.write("\nimport SpiffWorkflow  # noqa\n")
    # 2. a new module of service/ that no layer names
    (tmp_path / "service" / "stray.py").write_text("X = 1\n")
    # 3. a route that touches a table
    (tmp_path / "service" / "api" / "peek.py").write_text("from service.models import Task\n")
    # 4. a lower layer importing a higher one
    with open(tmp_path / "service" / "faults.py", "a", encoding="utf-8") as fh:
        fh.write("\nfrom service import demo  # noqa\n")
    # 5. the catalogue of text reaching up into a use case
    (tmp_path / "service" / "catalogue" / "reach.py").write_text("from service import workflows  # noqa\n")
    out = _lint(tmp_path)
    assert out.returncode != 0
    report = " ".join(out.stdout.split())
    assert "service.clock -> SpiffWorkflow" in report
    assert "service.stray" in report
    assert "service.api.peek -> service.models" in report
    assert "service.faults -> service.demo" in report
    assert "service.catalogue.reach -> service.workflows" in report
    broken = [line for line in out.stdout.splitlines() if line.endswith("BROKEN")]
    assert len(broken) == 4, out.stdout  # layers (2, 4, 5), routes (3), SpiffWorkflow (1), catalogue (5)


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)
