"""The proven reoffending engine (helper A replaces this stub)."""

from __future__ import annotations

import polars as pl

ENGINE_VERSION = "1.0.0"


def person_outcomes(cohort: pl.DataFrame, offences: pl.DataFrame) -> pl.DataFrame:
    raise NotImplementedError


def measure(cohort: pl.DataFrame, offences: pl.DataFrame) -> pl.DataFrame:
    raise NotImplementedError


def fingerprint(*frames: pl.DataFrame) -> str:
    raise NotImplementedError
