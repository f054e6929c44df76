"""Per-car work spread over the machine's CPUs, in worker processes, results in order."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from typing import TypeVar

from vintage_ai_assets import settings

R = TypeVar("R")
#: Thread-pool variables of numeric libraries (BLAS, OpenMP, numba), pinned to 1 in workers.
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "NUMBA_NUM_THREADS",
)


def cpus() -> int:
    """The CPUs this process may use (``VINTAGE_AI_WORKERS`` overrides)."""
    configured = settings.current().workers
    if configured:
        return configured
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextlib.contextmanager
def worker_pool(workers: int | None = None) -> Iterator[Executor | None]:
    """Worker processes shared by several :func:`map_in_processes` calls (None: one CPU).

    Workers are fresh interpreters ("spawn", safe inside a threaded orchestrator) whose
    numeric libraries run one thread each (:func:`single_threaded`): the workers already
    fill the CPUs, and BLAS threads spinning against each other made the theme fits 4x
    slower than running them one by one. Starting the pool costs a few seconds (imports).
    """
    workers = workers or cpus()
    if workers <= 1:
        yield None
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=single_threaded) as pool:
        yield pool


def map_in_processes(
    function: Callable[..., R],
    *iterables: Sequence,
    workers: int | None = None,
    min_items: int = 4,
    pool: Executor | None = None,
    on_done: Callable[[], object] | None = None,
) -> list[R]:
    """``[function(*args) for args in zip(*iterables)]``, run by worker processes.

    ``function`` must be importable (a module-level function) and its arguments picklable.
    ``pool`` (from :func:`worker_pool`) is used when given; otherwise a pool of ``workers``
    is started for this call. Fewer than ``min_items`` items, or one worker, run in this
    process, since starting workers costs more than they would save. ``on_done`` is called
    as each result arrives (in order), e.g. a :class:`~vintage_ai_assets.progress.Progress`'s
    ``advance``.
    """
    items = list(zip(*iterables, strict=True))
    if len(items) < min_items:
        return _collect(_results(function, items, None), on_done)
    if pool is not None:
        return _collect(_results(function, items, pool), on_done)
    with worker_pool(min(workers or cpus(), len(items))) as own:
        return _collect(_results(function, items, own), on_done)


def _results(function: Callable[..., R], items: list[tuple], pool: Executor | None) -> Iterator[R]:
    if pool is None:
        return (function(*args) for args in items)
    return pool.map(function, *zip(*items, strict=True), chunksize=1)


def _collect(results: Iterator[R], on_done: Callable[[], object] | None) -> list[R]:
    collected = []
    for result in results:
        collected.append(result)
        if on_done is not None:
            on_done()
    return collected


def single_threaded() -> None:
    """Pin this process's numeric thread pools to one thread (a worker's initialiser).

    Runs before the worker imports numpy (the variables are read at import), and limits
    any pool already loaded through threadpoolctl.
    """
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - scikit-learn depends on it
        return
    threadpool_limits(1)
