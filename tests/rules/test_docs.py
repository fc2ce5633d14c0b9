"""The examples in docs/rules.md and in the rules' docstrings run and give the numbers shown."""

from __future__ import annotations

import doctest
from pathlib import Path
from types import ModuleType

import pytest

from probation.rules import (
    billing,
    clocks,
    custody,
    dates,
    gaming,
    geo,
    monitoring,
    payment,
    tiering,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


@pytest.mark.skipif(not DOC.exists(), reason="docs/rules.md not present")
def test_docs_examples() -> None:
    result = doctest.testfile(
        str(DOC), module_relative=False, optionflags=doctest.ELLIPSIS, verbose=False
    )
    assert result.attempted > 20
    assert result.failed == 0


@pytest.mark.parametrize(
    "module",
    [dates, tiering, custody, clocks, payment, gaming, geo, monitoring, billing],
    ids=lambda m: m.__name__,
)
def test_docstring_examples(module: ModuleType) -> None:
    result = doctest.testmod(module, verbose=False)
    assert result.attempted > 0
    assert result.failed == 0
