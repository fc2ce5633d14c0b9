"""Every public service follows the house rules (docs/architecture.md): keyword-only arguments,
the acting user passed in as ``by_user``, one transaction, and type annotations throughout.

Like tests/rules/test_purity.py, this reads the source, so a new service that breaks a rule fails
here before anyone calls it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import probation

SRC = Path(probation.__file__).parent
SERVICE_MODULES = sorted([*SRC.glob("*/services.py"), *SRC.glob("*/*_services.py")])


def _public_functions(path: Path) -> list[ast.FunctionDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
    ]


SERVICES = [
    pytest.param(path, fn, id=f"{path.parent.name}.{fn.name}")
    for path in SERVICE_MODULES
    for fn in _public_functions(path)
]


def _is_atomic(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return ast.unparse(target) in {"transaction.atomic", "atomic"}


def test_the_services_are_found() -> None:
    names = {param.id for param in SERVICES}
    assert {
        "casework.sentence_record",
        "courts.sentence_record",
        "risk.assessment_record",
        "risk.tier_recompute",
        "people.case_access_set",
    } <= names


@pytest.mark.parametrize(("path", "fn"), SERVICES)
def test_a_service_takes_keyword_arguments_only(path: Path, fn: ast.FunctionDef) -> None:
    assert not fn.args.args and not fn.args.posonlyargs, (
        f"{path.name}:{fn.lineno} {fn.name}: put a * before the arguments"
    )
    assert fn.args.vararg is None and fn.args.kwarg is None


@pytest.mark.parametrize(("path", "fn"), SERVICES)
def test_a_service_takes_the_acting_user(path: Path, fn: ast.FunctionDef) -> None:
    names = [arg.arg for arg in fn.args.kwonlyargs]
    assert "by_user" in names, f"{fn.name} must take by_user: every change has an actor"


@pytest.mark.parametrize(("path", "fn"), SERVICES)
def test_a_service_is_one_transaction(path: Path, fn: ast.FunctionDef) -> None:
    assert any(_is_atomic(d) for d in fn.decorator_list), (
        f"{fn.name} must be decorated with @transaction.atomic"
    )


@pytest.mark.parametrize(("path", "fn"), SERVICES)
def test_a_service_is_typed(path: Path, fn: ast.FunctionDef) -> None:
    unannotated = [arg.arg for arg in fn.args.kwonlyargs if arg.annotation is None]
    assert not unannotated, f"{fn.name}: annotate {unannotated}"
    assert fn.returns is not None, f"{fn.name}: annotate the return type"


@pytest.mark.parametrize("path", SERVICE_MODULES, ids=lambda p: p.parent.name)
def test_services_hold_no_public_reads(path: Path) -> None:
    """Reads live in selectors: a public function in services.py is a service, and services
    are decorated as transactions, so a read put here fails the checks above."""
    for fn in _public_functions(path):
        assert any(_is_atomic(d) for d in fn.decorator_list), fn.name
