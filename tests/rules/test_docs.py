"""The examples in docs/rules.md and in the rules' docstrings run and give the numbers shown."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

from probation.rules import dates

DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


@pytest.mark.skipif(not DOC.exists(), reason="docs/rules.md not present")
def test_docs_examples() -> None:
    result = doctest.testfile(
        str(DOC), module_relative=False, optionflags=doctest.ELLIPSIS, verbose=False
    )
    assert result.attempted > 20
    assert result.failed == 0


def test_docstring_examples() -> None:
    result = doctest.testmod(dates, verbose=False)
    assert result.attempted > 0
    assert result.failed == 0
