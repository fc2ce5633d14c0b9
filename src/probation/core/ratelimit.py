"""Fixed-window counters in Django's cache, for refusals that must not flood the audit trail.

Refusals are audited, and an anonymous client can cause as many refusals as it can send
requests. Before a refusal is audited, its kind and address are counted here; past the limit
the client gets 429 and nothing is written.
"""

from __future__ import annotations

from django.core.cache import cache


def allow(key: str, *, limit: int, window: int) -> bool:
    """Count one event for ``key``; False once more than ``limit`` fell in this ``window`` (s)."""
    bucket = f"ratelimit:{key}"
    if cache.add(bucket, 1, timeout=window):
        return True
    try:
        return cache.incr(bucket) <= limit
    except ValueError:  # expired between add and incr: this is the window's first event
        cache.add(bucket, 1, timeout=window)
        return True


def first_in_window(key: str, *, window: int) -> bool:
    """True for the first event of ``key`` in ``window`` seconds (e.g. audit a lockout once)."""
    return bool(cache.add(f"once:{key}", 1, timeout=window))
