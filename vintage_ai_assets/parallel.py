"""Per-car work spread over the machine's CPUs, in worker processes, results in order."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def cpus() -> int:
    """The CPUs this process may use (``VINTAGE_AI_WORKERS`` overrides)."""
    configured = os.environ.get("VINTAGE_AI_WORKERS")
    if configured:
        return max(1, int(configured))
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def map_in_processes(
    function: Callable[..., R],
    *iterables: Sequence,
    workers: int | None = None,
    min_items: int = 4,
) -> list[R]:
    """``[function(*args) for args in zip(*iterables)]``, run by ``workers`` processes.

    ``function`` must be importable (a module-level function) and its arguments picklable.
    Fewer than ``min_items`` items, or one worker, run in this process: starting a worker
    (a fresh interpreter, "spawn", safe inside a threaded orchestrator) costs a second or two.
    """
    items = list(zip(*iterables, strict=True))
    workers = min(workers or cpus(), len(items))
    if workers <= 1 or len(items) < min_items:
        return [function(*args) for args in items]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        return list(pool.map(function, *zip(*items, strict=True), chunksize=1))
