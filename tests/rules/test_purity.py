"""probation.rules is pure: no Django, no I/O, importable on its own."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

import probation.rules

RULES_DIR = Path(probation.rules.__file__).parent
MODULES = sorted(RULES_DIR.glob("*.py"))
FORBIDDEN_IMPORTS = {"django", "rest_framework", "os", "io", "pathlib", "socket", "sqlite3"}
FORBIDDEN_CALLS = {"open", "print", "input", "eval", "exec"}


def test_every_module_is_found() -> None:
    names = {m.stem for m in MODULES}
    assert {
        "ogrs3",
        "tiering",
        "custody",
        "enforcement",
        "workload",
        "allocation",
        "dates",
        "clocks",
    } <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_django_and_no_io(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots = {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            roots = {(node.module or "").split(".")[0]}
        else:
            roots = set()
        assert not roots & FORBIDDEN_IMPORTS, f"{path.name}:{node.lineno} imports {roots}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in FORBIDDEN_CALLS, f"{path.name}:{node.lineno}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_module_docstring_cites_a_spec(path: Path) -> None:
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    if path.stem in {"__init__", "_validate"}:
        assert doc
    else:
        assert ".md" in doc, f"{path.name} does not cite its spec"


def test_importing_the_rules_does_not_import_django() -> None:
    code = (
        "import sys\n"
        "import probation.rules.allocation, probation.rules.custody, probation.rules.dates\n"
        "import probation.rules.enforcement, probation.rules.ogrs3, probation.rules.tiering\n"
        "import probation.rules.workload, probation.rules.reference\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'rest_framework')))\n"
    )
    src = str(RULES_DIR.parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == "[]"
