"""The layer contract (.importlinter) holds, and breaking it is caught.

The second test copies the package, adds one import that runs the wrong way (a domain app
reaching up into the casework layer) and checks that import-linter names it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import probation

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".importlinter"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(src: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(  # noqa: S603
        [str(LINT_IMPORTS), "--config", str(CONFIG), "--no-cache"],
        capture_output=True,
        text=True,
        env=env,
        cwd=src,
        check=False,
    )


def test_the_code_keeps_the_layer_contract() -> None:
    result = lint_imports(Path(probation.__file__).parents[1])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


def test_a_forbidden_import_breaks_the_contract(tmp_path: Path) -> None:
    copy = tmp_path / "probation"
    shutil.copytree(
        Path(probation.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__")
    )
    models = copy / "people" / "models.py"
    models.write_text(
        models.read_text(encoding="utf-8") + "\nfrom probation.casework import selectors\n",
        encoding="utf-8",
    )
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "probation.people is not allowed to import probation.casework" in result.stdout
