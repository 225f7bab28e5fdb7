"""Every module of service/, handlers/ and notifications/ imports on its own, first, in a fresh interpreter.

A circular import only breaks the process that happens to import one particular module of the cycle first
(tasks → meetings → grading → tasks broke any process importing ``service.workflows.tasks`` first, while the
app, which imported them in another order, ran). The test suite imports everything in one order, so only
importing each module first, alone, finds such a cycle.

One fresh interpreter imports the third-party modules the project names in its import statements (never a
project module), then forks a child per top package, which imports the package and forks a grandchild per
module the package's ``__init__`` did not load: each grandchild imports just its module, starting from what
any first import of that module starts from (Python runs the package's ``__init__`` first), without paying
the libraries' and the package's import time again. A module the ``__init__`` loads was imported in its
order, which is the only order any process can import it in.
"""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("service", "handlers", "notifications")

CHILDREN = r"""
import importlib, json, os, sys, traceback
path, packages, modules, external = json.loads(sys.argv[1])
sys.path[:0] = path
for name in external:
    try:
        importlib.import_module(name)
    except Exception:
        pass  # an optional library; the child importing the project module will say so if it matters
width = max(2, os.cpu_count() or 2)

def fork_each(names, then=None):
    # Import each name in a forked child (at most ``width`` at once); {name: traceback} of the failures.
    failures, running = {}, {}
    def reap():
        pid, status = os.wait()
        name, read_end = running.pop(pid)
        with os.fdopen(read_end) as pipe:
            message = pipe.read()
        if status != 0:
            failures[name] = message or f"exit status {status}"
    for name in names:
        while len(running) >= width:
            reap()
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            try:
                importlib.import_module(name)
                out = then(name) if then else None
            except BaseException:
                out = {name: traceback.format_exc(limit=-6)}
            os.write(write_end, json.dumps(out).encode() if out else b"")
            os._exit(1 if out else 0)
        os.close(write_end)
        running[pid] = (name, read_end)
    while running:
        reap()
    return failures

def below(package):
    # Importing any module of the package runs the package's __init__ first: fork after it, and import
    # alone each module it did not itself load (those it loaded were imported in its order, already tried).
    inner = fork_each([m for m in modules if m.startswith(package + ".") and m not in sys.modules])
    return {k: v for tb in inner.values() for k, v in json.loads(tb).items()}

failures = {}
for package, report in fork_each(packages, below).items():
    try:
        failures.update(json.loads(report))
    except ValueError:
        failures[package] = report
print(json.dumps(failures))
"""


def modules_under(root: Path, packages: tuple[str, ...]) -> list[str]:
    """Dotted names of every module and package under ``packages`` (folders with an ``__init__.py``)."""
    names = []
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if not all((root.joinpath(*parts[:i]) / "__init__.py").exists() for i in range(1, len(parts))):
                continue
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def external_imports(root: Path, packages: tuple[str, ...]) -> list[str]:
    """The modules outside ``packages`` that their files import by absolute name (libraries and the stdlib)."""
    found: set[str] = set()
    for package in packages:
        for path in (root / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_bytes())):
                if isinstance(node, ast.Import):
                    found.update(alias.name for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    found.add(node.module)
    return sorted(name for name in found if name.split(".")[0] not in packages)


def import_each_alone(root: Path, packages: tuple[str, ...]) -> dict[str, str]:
    """Each module's traceback when importing it first, alone, fails (empty when every one imports)."""
    args = json.dumps([[str(root)], list(packages), modules_under(root, packages), external_imports(root, packages)])
    done = subprocess.run([sys.executable, "-c", CHILDREN, args], capture_output=True, text=True, cwd=root,
                          timeout=1200)  # only a guard against a hang: ~20 s of CPU in all
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_every_module_imports_first_on_its_own() -> None:
    assert len(modules_under(ROOT, PACKAGES)) > 150
    failures = import_each_alone(ROOT, PACKAGES)
    assert not failures, "\n\n".join(f"import {name} (first, alone) fails:\n{tb}" for name, tb in failures.items())


def test_a_planted_cycle_is_caught(tmp_path: Path) -> None:
    """a imports b, b takes a name from a: importing b first works, importing a first does not."""
    package = tmp_path / "planted"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from planted import b\n\nLIMIT = 3\n")
    (package / "b.py").write_text("from planted.a import LIMIT\n")
    (package / "c.py").write_text("import json\n")
    failures = import_each_alone(tmp_path, ("planted",))
    assert set(failures) == {"planted.a"}, failures
    assert "LIMIT" in failures["planted.a"] and "circular import" in failures["planted.a"]
