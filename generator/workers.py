"""Worker processes for per-project work: two cores, two processes.

A first build spends nearly all its time on work that is independent per project: parsing and
checking its files, rendering its page and writing its downloads. ``run`` splits such work over
forked worker processes. Forking shares everything the parent has gathered so far without
pickling it; only each item's small result travels back. Results are returned in item order,
so the build's output does not depend on how the work was split (tests/test_cache.py builds
with one and with two workers and compares).

Where fork is not available, or the work is small, everything runs in this process; so it does
by default (see count).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

# Below this many items a fork costs more than it saves.
THRESHOLD = 200
_task: tuple[Callable, Sequence] | None = None
# The processes that ran the last parallel run's chunks (tests check that work left this one).
last_workers: set[int] = set()


def count() -> int:
    """BUILD_WORKERS (default 1).

    Measured on the 2-core build machine (benchmarks/RESULTS.md), two workers did not pay: it
    is shared, so the second core was rarely free, and forking and sending results back cost
    about a quarter more CPU. A portal maintainer with cores to spare sets BUILD_WORKERS=2."""
    configured = os.environ.get("BUILD_WORKERS", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return 1


def _threshold() -> int:
    configured = os.environ.get("BUILD_WORKERS_THRESHOLD", "").strip()
    return int(configured) if configured.isdigit() else THRESHOLD


def _run_chunk(bounds: tuple[int, int]) -> tuple[int, list]:
    function, items = _task
    return os.getpid(), [function(items[index]) for index in range(*bounds)]


def parallel(items: int) -> bool:
    """Whether ``run`` over this many items uses worker processes."""
    return count() >= 2 and items >= _threshold() and hasattr(os, "fork")


def run(function: Callable[[Item], Result], items: Sequence[Item],
        progress: Callable[[int], None] | None = None) -> list[Result]:
    """``function`` over ``items``, in order; over worker processes when that pays."""
    workers = count()
    if not parallel(len(items)):
        results = []
        for item in items:
            results.append(function(item))
            if progress:
                progress(len(results))
        return results
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _task
    _task = (function, items)
    # Chunks of about 1 % of the work: even shares for both workers, and visible progress.
    size = max(10, len(items) // 100)
    chunks = [(start, min(start + size, len(items))) for start in range(0, len(items), size)]
    results: list[Result] = []
    last_workers.clear()
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            for pid, chunk in pool.map(_run_chunk, chunks):
                last_workers.add(pid)
                results += chunk
                if progress:
                    progress(len(results))
    finally:
        _task = None
    return results
