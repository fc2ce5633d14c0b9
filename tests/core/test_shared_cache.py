"""With CACHE_URL=redis://… every process shares the counters that protect the service: a rate
limit counted in one process is seen by another (a real Redis, as on the project's machines)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

COUNT = (
    "import django,os,sys;os.environ.setdefault('DJANGO_SETTINGS_MODULE',"
    "'probation.config.settings');django.setup();"
    "from probation.core.ratelimit import allow;"
    "print(sum(allow(sys.argv[1], limit=5, window=60) for _ in range(4)))"
)


def count_in_a_new_process(key: str) -> int:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", COUNT, key],
        capture_output=True,
        text=True,
        env={**os.environ, "CACHE_URL": REDIS_URL},
        cwd=ROOT,
        check=True,
    )
    return int(result.stdout.strip())


def test_two_processes_share_one_rate_limit():
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.exceptions.ConnectionError:
        pytest.fail(f"Redis is not running at {REDIS_URL} (the project's machines run it)")
    key = f"test-{uuid.uuid4()}"
    assert count_in_a_new_process(key) == 4  # 4 allowed of 5
    assert count_in_a_new_process(key) == 1  # the second process sees the first one's count
